"""Migrations move existing data: a database made by the code of an earlier main, with the demo
data that `make run` creates through the real workflows, is migrated by the current code.

The earlier main is taken from git (`git archive`), run in a subprocess with the same virtual
environment, on a scratch database of the engine the suite runs on (a SQLite file, or a new
PostgreSQL database on the server of DATABASE_URL).
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
# The last main before this round's reshaping (page cache, file and step models, privacy).
BASELINE = "f627094"

# Tables that a later migration merged on purpose: the new table → the old tables whose rows it took.
MOVED: dict[str, list[str]] = {
    "members_step": ["meetings_agendastep", "meetings_minutesstep", "cases_casestep"],
}

COUNT_ROWS = """
import json
from django.db import connection
with connection.cursor() as cursor:
    counts = {}
    for table in connection.introspection.table_names():
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
print(json.dumps(counts))
"""

CHECK_FILES = """
from django.apps import apps
from django.db import models
missing = []
for model in apps.get_models():
    for field in model._meta.fields:
        if isinstance(field, models.FileField):
            for obj in model._default_manager.exclude(**{field.name: ""}):
                stored = getattr(obj, field.name)
                if not stored.storage.exists(stored.name):
                    missing.append(f"{model._meta.label}.{field.name}: {stored.name}")
print("\\n".join(missing) or "ok")
"""


def manage(cwd: Path, env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} in {cwd}:\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture
def scratch_database(tmp_path):
    """A DATABASE_URL for an empty database of the engine under test, dropped afterwards."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    import psycopg

    name = f"jiuzhu_migration_{uuid.uuid4().hex[:8]}"
    server = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "dbname": "postgres",
    }
    if db["PASSWORD"]:
        server["password"] = db["PASSWORD"]
    with psycopg.connect(**server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    yield f"postgres://{db['USER']}{password}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(**server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_database_of_the_earlier_main_migrates_with_its_data(tmp_path, scratch_database):
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(
        ["git", "archive", BASELINE], cwd=ROOT, capture_output=True, check=False
    )
    assert archive.returncode == 0, (
        f"git archive {BASELINE} failed: this test needs the project's git history "
        f"(a full clone). {archive.stderr.decode()[-500:]}"
    )
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    env = {
        **os.environ,
        "DATABASE_URL": scratch_database,
        "JIUZHU_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "jiuzhu.settings.dev",
        "PYTHONPATH": "",
    }

    # The earlier main, as a user had it: migrated, charter loaded, demo data made by its workflows.
    manage(old, env, "migrate", "--noinput", "-v0")
    manage(old, env, "load_charter")
    manage(old, env, "seed_demo")
    before = json.loads(manage(old, env, "shell", "-c", COUNT_ROWS).splitlines()[-1])
    assert before["meetings_minutes"] >= 1 and before["cases_case"] >= 1

    # The current code migrates it, and `make run`'s steps still run on the migrated database.
    env["PYTHONPATH"] = str(ROOT)
    manage(ROOT, env, "migrate", "--noinput", "-v0")
    after = json.loads(manage(ROOT, env, "shell", "-c", COUNT_ROWS).splitlines()[-1])
    manage(ROOT, env, "load_charter")
    manage(ROOT, env, "seed_demo")

    lost = {}
    merged = {old for olds in MOVED.values() for old in olds}
    for table, rows in before.items():
        if table in merged:
            continue
        if after.get(table, 0) < rows:
            lost[table] = (rows, after.get(table))
    assert lost == {}, "rows lost by the migrations (table: before, after)"
    for new_table, old_tables in MOVED.items():
        assert after[new_table] == before.get(new_table, 0) + sum(before[t] for t in old_tables)
    assert manage(ROOT, env, "shell", "-c", CHECK_FILES).splitlines()[-1] == "ok"
