"""Migrations move existing data: a database made by the code of an earlier main, with the demo
data that `make run` creates through the real workflows, is migrated by the current code.

The earlier main is taken from git (`git archive`), run in a subprocess with the same virtual
environment, on a scratch database of the engine the suite runs on (a SQLite file, or a new
PostgreSQL database on the server of DATABASE_URL).

A second test moves attachments stored before the StoredFile base (members.files): they keep their
files and names, and gain the Content-Type, uploader and time the base asks for.
"""

import datetime
import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from cases import services as cases_services
from cases.identity import make_id
from cases.models import CaseFile
from duties import services as duties_services
from duties.models import FeedbackFile
from meetings import services
from meetings.models import Material
from members.models import Unit
from members.permissions import Role
from tests.factories import approved_minutes, make_item, make_user

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
    if subprocess.run(["git", "cat-file", "-e", BASELINE], cwd=ROOT, check=False).returncode:
        # A shallow clone: fetch the earlier main from where this clone came from.
        subprocess.run(
            ["git", "fetch", "--quiet", "--unshallow"], cwd=ROOT, check=False, timeout=300
        )
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


# Each app's last migration before the StoredFile base.
BEFORE = [
    ("meetings", "0006_personal_data_confirmation"),
    ("duties", "0005_ledger_indexes"),
    ("cases", "0004_names_out_of_history"),
]
PDF = b"%PDF-1.4\n%old\n"
PNG = b"\x89PNG\r\n\x1a\nold"
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old"


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_attachments_made_before_the_stored_file_base_keep_their_files_and_names(client):
    call_command("loaddata", "charter", verbosity=0)
    office = make_user("office", Role.OFFICE, "旗民政局")
    leader = make_user("leader", Role.LEADER, "旗人民政府")
    liaison = make_user("liaison", Role.LIAISON, "旗民政局")
    minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    item = make_item(liaison)
    feedback = duties_services.add_feedback(
        minutes.decisions.get().task, by=liaison, text="已摸底。", date=datetime.date(2026, 7, 1)
    )
    case = cases_services.register_case(
        cases_services.CaseData(
            applicant="王五",
            id_number=make_id("152627", datetime.date(1970, 1, 1), 11),
            phone="13900001111",
            town=Unit.objects.get(name="札萨克镇"),
            address="札萨克镇某村",
            category="illness",
            facts="因病致困",
            requested_help="医疗救助",
            found_by="active",
        ),
        by=office,
    )
    try:
        old = migrate(BEFORE)
        # Rows as the previous main wrote them: its own columns, its own paths on disk.
        storage = old.get_model("meetings", "Material")._meta.get_field("file").storage
        material_path = storage.save(f"materials/{item.pk}/{sha(PDF)}", ContentFile(PDF))
        feedback_path = storage.save(f"feedback/{feedback.pk}/{sha(PNG)}", ContentFile(PNG))
        case_path = storage.save(f"cases/{case.pk}/{sha(DOC)}", ContentFile(DOC))
        old.get_model("meetings", "Material").objects.create(
            item_id=item.pk,
            file=material_path,
            name="测算表（旧）.PDF",
            size=len(PDF),
            sha256=sha(PDF),
            uploaded_by_id=liaison.pk,
        )
        old.get_model("duties", "FeedbackFile").objects.create(
            feedback_id=feedback.pk,
            file=feedback_path,
            name="现场照片.png",
            size=len(PNG),
            sha256=sha(PNG),
        )
        old.get_model("cases", "CaseFile").objects.create(
            case_id=case.pk,
            file=case_path,
            name="诊断证明.doc",
            size=len(DOC),
            sha256=sha(DOC),
            uploaded_by_id=office.pk,
        )
    finally:
        migrate(latest())

    material, attachment, case_file = (
        Material.objects.get(),
        FeedbackFile.objects.get(),
        CaseFile.objects.get(),
    )
    assert (material.name, material.file.name, material.content_type) == (
        "测算表（旧）.PDF",
        material_path,
        "application/pdf",
    )
    assert material.uploaded_by == liaison
    assert (attachment.name, attachment.content_type) == ("现场照片.png", "image/png")
    # A feedback file was always attached with its feedback: it takes the feedback's author and time.
    assert attachment.uploaded_by == liaison and attachment.uploaded_at == feedback.at
    assert (case_file.name, case_file.content_type) == ("诊断证明.doc", "application/msword")

    # And they download as before, now with the base's headers.
    client.force_login(office)
    response = client.get(reverse("meetings:material-download", args=[item.pk, material.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF
    response = client.get(reverse("duties:feedback-file", args=[feedback.task_id, attachment.pk]))
    assert b"".join(response.streaming_content) == PNG
    response = client.get(reverse("cases:case-file", args=[case.pk, case_file.pk]))
    assert response["Content-Type"] == "application/msword"
    assert b"".join(response.streaming_content) == DOC


def test_new_uploads_after_the_migration_use_the_same_paths(db, charter):
    """The one path function writes where the three used to: <folder>/<owner id>/<sha256>."""
    liaison = make_user("liaison", Role.LIAISON, "旗民政局")
    item = make_item(liaison, files=[SimpleUploadedFile("a.pdf", PDF)])
    material = item.materials.get()
    assert material.file.name == f"materials/{item.pk}/{material.sha256}"


@pytest.mark.django_db(transaction=True)
def test_meetings_take_the_state_their_minutes_give_them():
    """0011: a held meeting whose minutes are issued is 已结束; one ended by hand before its
    minutes were issued is 已召开 again (issuing them will end it)."""
    from meetings.models import Meeting

    call_command("loaddata", "charter", verbosity=0)
    office = make_user("office", Role.OFFICE, "旗民政局")
    leader = make_user("leader", Role.LEADER, "旗人民政府")
    liaison = make_user("liaison", Role.LIAISON, "旗民政局")
    issued = services.issue_minutes(approved_minutes(office, leader, liaison), by=office).meeting
    by_hand = approved_minutes(office, leader, liaison).meeting  # approved, not issued
    try:
        old = migrate([("meetings", "0010_minutes_ofd_copy")])
        old_meeting = old.get_model("meetings", "Meeting").objects
        old_meeting.filter(pk=issued.pk).update(status="held")  # as the earlier main left it
        old_meeting.filter(pk=by_hand.pk).update(status="closed")  # 结束会议 clicked
    finally:
        migrate(latest())
    assert Meeting.objects.get(pk=issued.pk).status == Meeting.Status.CLOSED
    assert Meeting.objects.get(pk=by_hand.pk).status == Meeting.Status.HELD
