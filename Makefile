# jiuzhu — the two commands in README.md are `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The editable install as a plain path entry (.pth), not setuptools' import hook: the hook maps
# every subpackage to this checkout, so another tree run with this venv (tests/test_migrations.py
# runs the earlier main's code) would import templatetags that exist only here.
EDITABLE := --config-settings editable_mode=compat

.PHONY: run test lint setup clean backup restore

$(VENV)/bin/python:
	@python=$$(scripts/find-python) || exit 1; \
	echo "使用 $$python 创建虚拟环境 $(VENV)"; \
	"$$python" -m venv $(VENV)

$(VENV)/.installed-app: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e . $(EDITABLE)
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-app
	$(PY) -m pip install --quiet -e '.[test]' $(EDITABLE)
	@touch $@

# Migrate a SQLite database (or $DATABASE_URL), load the charter once, create the office's demo
# signing certificate once (var/signing/, not in git) and the demo accounts.
setup: $(VENV)/.installed-app
	@scripts/install-system-deps app
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_charter
	$(PY) manage.py demo_certificate
	$(PY) manage.py seed_demo
	$(PY) manage.py make_previews

# The task worker (django-tasks-db's db_worker: e-mail of notifications, queued reminders) runs
# beside the web server and stops with it (Ctrl-C, or the server exiting).
run: setup
	@echo "应用地址：http://$(HOST):$(PORT)/  演示账号见 README.md（密码 jiuzhu-demo）"
	@$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-test
	@scripts/install-system-deps test
	$(PY) -m pytest $(ARGS)

lint: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Database and stored files in one archive under backups/; restore checks every table and file.
backup: $(VENV)/.installed-app
	$(PY) manage.py backup

restore: $(VENV)/.installed-app
	@test -n "$(FILE)" || (echo "用法：make restore FILE=backups/jiuzhu-….tar.gz" && exit 2)
	$(PY) manage.py restore "$(FILE)" --yes

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Times the minutes PDF (2 and 20 pages, cold and warm) against issue 4's targets; needs a
# migrated database with the charter loaded (make setup, or migrate + load_charter).
.PHONY: bench-pdf
bench-pdf: $(VENV)/.installed-test
	$(PY) -m bench.pdf

# Page benchmark (issues 7 and 12): ten years of data in PostgreSQL (BENCH_DATABASE_URL, default
# the local jiuzhu_bench, made once by bench.load_data through the services), gunicorn with 2 sync
# workers, production settings and no cache, wrk on each key page; prints one table and writes
# it to bench-results/. A few minutes, plus about ten the first time (the data).
.PHONY: bench
bench: $(VENV)/.installed-test
	@scripts/install-system-deps bench
	$(PY) -m bench.pages

# Slow link (issue 12): the first visit of the login page and of the home page in Debian's chromium
# (Playwright) at 1 Mbit/s and 100 ms round trip, gunicorn with production settings (WhiteNoise),
# the same database as `make bench`; load time (target ≤ 1.5 s), bytes and every request with its
# compression and Cache-Control, written to bench-results/slowlink-<time>.txt. Needs chromium
# (apt-get install chromium, as `make test` does).
.PHONY: bench-slow-link
bench-slow-link: $(VENV)/.installed-test
	$(PY) -m bench.slowlink

# The mixed workload (issue 12): 60 people of every role log in and walk home → list → detail →
# back with 1–3 s pauses, about one request in ten a write through a form; then more users
# until p95 passes 100 ms. locust (the bench extra), same database and server as `make bench`.
$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(PY) -m pip install --quiet -e '.[test,bench]' $(EDITABLE)
	@touch $@

.PHONY: bench-office
bench-office: $(VENV)/.installed-bench
	$(PY) -m bench.office
