"""The benchmark's settings: production (jiuzhu.settings.prod), on the benchmark's own database.

What differs from a deployment, and why:
- the database is BENCH_DATABASE_URL (default the local jiuzhu_bench), never DATABASE_URL, so a
  benchmark can't write ten years of invented data into a real database;
- no cache at all (Django's DummyCache): every page is rendered from the database each time,
  which is what the benchmark measures (issue 12: no page cache);
- the secret key, hosts and signing certificate have bench-only defaults, so
  `python -m bench.load_data` runs alone;
  bench.pages passes one key to every gunicorn worker.
"""

import os
from pathlib import Path

import dj_database_url

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("JIUZHU_ADMIN_NETWORKS", "127.0.0.0/8")  # the admin page is measured too
# Invented data only: fixed bench keys for the personal fields (cases/crypto.py).
os.environ.setdefault("JIUZHU_DATA_KEYS", "YmVuY2gtb25seS1ub3QtYS1yZWFsLWtleS0wMDAwMDA=")
os.environ.setdefault("JIUZHU_SEARCH_KEY", "bench-only-search-key")

from jiuzhu.settings.prod import *  # noqa: E402, F403

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jiuzhu_bench"
)
DATABASES = {
    "default": {
        **dj_database_url.parse(
            DATABASE_URL, conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
        ),
        # As base.py sets for PostgreSQL: client-side cursors for .iterator() too.
        "DISABLE_SERVER_SIDE_CURSORS": True,
    }
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

RESULTS = Path(__file__).resolve().parent.parent / "bench-results"
# Issued PDFs of the load data live beside the results, never in the project's media/.
MEDIA_ROOT = Path(os.environ.get("BENCH_MEDIA_ROOT", str(RESULTS / "media")))

# Issued minutes are signed (meetings/signing.py): load_data signs with a throwaway certificate
# beside the results (bench/certificate.py makes it once) unless the environment names one.
SIGNING_PKCS12 = os.environ.get("JIUZHU_SIGNING_PKCS12") or str(RESULTS / "office-bench.p12")
SIGNING_PASSPHRASE = os.environ.get("JIUZHU_SIGNING_PASSPHRASE") or "bench-only"
