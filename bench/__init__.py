"""Benchmark tooling, outside the four apps: load data (bench.load_data), the minutes PDF
(bench.pdf) and the page benchmark of `make bench` (bench.pages)."""
