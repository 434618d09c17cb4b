"""The task engine for real: `manage.py db_worker` processes, on a scratch database of the engine
under test (a SQLite file, or a new PostgreSQL database), sending to a real SMTP server; and the
Redis engine (JIUZHU_TASKS=rq: django-tasks-rq) with `manage.py rqworker` processes against a
real redis-server, doing the same work.

The schedule fires twice (`send_reminders --queue` twice) and two workers take one run each at
the same moment: every reminder still reaches each person once, enforced by the database's
unique (event, recipient, day), and each e-mail is sent once.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings

from tests.members.test_email import Inbox, free_port
from tests.test_redis_outage import redis_server  # noqa: F401 — a real redis-server, a fixture

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import datetime
from django.contrib.auth.models import Group
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from duties import services
from duties.models import Task
from members.models import Notification, Unit, User

call_command("loaddata", "charter", verbosity=0)
liaisons = Group.objects.get_or_create(name="联络员")[0]
office = User.objects.create_user("office", unit=Unit.objects.get(name="旗民政局"))
office.groups.add(Group.objects.get_or_create(name="办公室")[0])
units = list(Unit.objects.filter(kind="department").order_by("pk")[:5])
for i, unit in enumerate(units):
    for j in range(2):
        user = User.objects.create_user(
            f"l{i}{j}", unit=unit, email=f"l{i}{j}@example.cn", notify_by="email"
        )
        user.groups.add(liaisons)
for k in range(4):
    services.create_task(
        title=f"事项{k}", source=Task.Source.OFFICE, lead_unit=units[k], responsible_units=units,
        deadline=datetime.date(2026, 10, 9), by=office,
    )
# Only the reminders below are under test: forget the 新督办事项 messages and their mail.
Notification.objects.all().delete()
DBTaskResult.objects.all().delete()
"""

REPORT = """
import json
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from members.models import Delivery, Notification
runs = DBTaskResult.objects.filter(task_path="jiuzhu.reminders.run_reminders")
print(json.dumps({
    "notifications": Notification.objects.count(),
    "keys": Notification.objects.values("event", "recipient", "day").distinct().count(),
    "most_per_key": max(
        [r["n"] for r in Notification.objects.values("event", "recipient", "day")
         .annotate(n=Count("pk"))] or [0]
    ),
    "sent": Delivery.objects.filter(status="sent").count(),
    "deliveries": Delivery.objects.count(),
    "runs": [[r.status, r.worker_ids, r.return_value] for r in runs],
    "unfinished": DBTaskResult.objects.exclude(status="SUCCESSFUL").count(),
}))
"""


@pytest.fixture
def scratch_database(tmp_path):
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'workers.sqlite3'}"
        return
    import psycopg

    name = f"jiuzhu_workers_{uuid.uuid4().hex[:8]}"
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


def engine_env(database_url, tmp_path, **extra) -> dict:
    """The environment of the engine's processes: the scratch database, media of the test."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jiuzhu.settings.dev",
        "DATABASE_URL": database_url,
        "JIUZHU_MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def manage(env, *args) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def run_together(env, *commands) -> list[str]:
    """Starts the worker commands at the same moment and waits for each to finish its batch."""
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for command in commands
    ]
    outs = []
    for w in workers:
        out, _ = w.communicate(timeout=300)
        assert w.returncode == 0, out[-3000:]
        outs.append(out)
    return outs


DB_WORKER = ["db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0.1"]


def smtp_env(port) -> dict:
    return {"EMAIL_BACKEND": "smtp", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}


def test_two_workers_and_a_schedule_fired_twice_send_each_reminder_once(scratch_database, tmp_path):
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = engine_env(scratch_database, tmp_path, **smtp_env(port))
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "shell", "-c", SETUP)
        # The timer fires twice (say cron and a catch-up run) for 13 October 2026.
        manage(env, "send_reminders", "--queue", "--date", "2026-10-13")
        manage(env, "send_reminders", "--queue", "--date", "2026-10-13")
        run_together(env, [*DB_WORKER, "--worker-id", "w0"], [*DB_WORKER, "--worker-id", "w1"])
        report = json.loads(manage(env, "shell", "-c", REPORT).strip().splitlines()[-1])
    finally:
        controller.stop()

    # 4 tasks × 5 units × 2 liaisons, overdue on 13 October: 40 reminders, each once, and the
    # office's one 尚未召开全体会议 (no plenary this year).
    assert report["notifications"] == report["keys"] == 41, report
    assert report["most_per_key"] == 1
    # Both runs of the schedule ran, one in each worker, and together wrote the 40.
    runs = report["runs"]
    assert [status for status, _, _ in runs] == ["SUCCESSFUL", "SUCCESSFUL"]
    assert sorted(ids[0] for _, ids, _ in runs) == ["w0", "w1"]
    assert sum(value.get("task-overdue", 0) for _, _, value in runs) == 40
    # One e-mail per reminder, sent once, to the right person.
    assert report["deliveries"] == report["sent"] == 40 and report["unfinished"] == 0
    rcpts = sorted(addr for e in handler.envelopes for addr in e.rcpt_tos)
    assert len(rcpts) == 40 and len(set(rcpts)) == 10
    assert all(rcpts.count(a) == 4 for a in set(rcpts))


RQ_REPORT = """
import json
import django_rq
from django.db.models import Count
from members.models import Delivery, Notification
queue = django_rq.get_queue("default")
print(json.dumps({
    "notifications": Notification.objects.count(),
    "keys": Notification.objects.values("event", "recipient", "day").distinct().count(),
    "most_per_key": max(
        [r["n"] for r in Notification.objects.values("event", "recipient", "day")
         .annotate(n=Count("pk"))] or [0]
    ),
    "sent": Delivery.objects.filter(status="sent").count(),
    "deliveries": Delivery.objects.count(),
    "finished": queue.finished_job_registry.count,
    "failed": queue.failed_job_registry.count,
    "waiting": queue.count,
}))
"""


def test_the_redis_engine_sends_each_reminder_once_with_two_rq_workers(
    scratch_database,
    tmp_path,
    redis_server,  # noqa: F811
):
    _, client, redis_port = redis_server
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = engine_env(
        scratch_database,
        tmp_path,
        JIUZHU_TASKS="rq",
        JIUZHU_RQ_URL=f"redis://127.0.0.1:{redis_port}/0",
        **smtp_env(port),
    )
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "shell", "-c", SETUP)
        client.flushdb()  # the setup's 新督办事项 e-mails: only the reminders are under test
        manage(env, "send_reminders", "--queue", "--date", "2026-10-13")
        manage(env, "send_reminders", "--queue", "--date", "2026-10-13")
        assert client.llen("rq:queue:default") == 2  # in Redis, not in the database
        worker = ["rqworker", "default", "--burst", "--job-class", "django_tasks_rq.Job"]
        outs = run_together(env, [*worker, "--name", "w0"], [*worker, "--name", "w1"])
        report = json.loads(manage(env, "shell", "-c", RQ_REPORT).strip().splitlines()[-1])
    finally:
        controller.stop()

    assert report["notifications"] == report["keys"] == 41, report
    assert report["most_per_key"] == 1
    # Both runs of the schedule and the 40 e-mails ran in the RQ workers, none failed.
    assert report["failed"] == report["waiting"] == 0 and report["finished"] == 42, report
    assert "".join(outs).count("jiuzhu.reminders.run_reminders(") >= 2  # the workers' own log
    assert report["deliveries"] == report["sent"] == 40
    rcpts = sorted(addr for e in handler.envelopes for addr in e.rcpt_tos)
    assert len(rcpts) == 40 and len(set(rcpts)) == 10
    assert all(rcpts.count(a) == 4 for a in set(rcpts))


PREVIEW_SETUP = """
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from meetings import services
from members.models import Unit, User
from tests.members.test_previews import word_document, workbook

call_command("loaddata", "charter", verbosity=0)
liaison = User.objects.create_user("l", unit=Unit.objects.get(name="旗民政局"))
liaison.groups.add(Group.objects.get_or_create(name="联络员")[0])
files = [
    SimpleUploadedFile("调整方案.docx", word_document("城乡低保标准调整方案")),
    SimpleUploadedFile("测算表.xlsx", workbook(["临时救助", 1234])),
    SimpleUploadedFile("通知.pdf", b"%PDF-1.4\\n%x\\n"),
]
services.submit_item(by=liaison, title="低保标准", background="背景", proposal="建议", files=files)
"""

PREVIEW_REPORT = """
import io, json, pdfplumber
from meetings.models import Material
out = {}
for m in Material.objects.order_by("pk"):
    text = ""
    if m.preview:
        with m.preview.open("rb") as f, pdfplumber.open(io.BytesIO(f.read())) as pdf:
            text = "".join(p.extract_text() or "" for p in pdf.pages)
    out[m.name] = [m.preview_status, text]
print(json.dumps(out, ensure_ascii=False))
"""


def test_the_worker_makes_each_office_preview_once_with_libreoffice(scratch_database, tmp_path):
    env = engine_env(scratch_database, tmp_path)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "shell", "-c", PREVIEW_SETUP)
    # Two workers at once: each takes queued previews; LibreOffice runs in each with its own
    # profile, and every file ends with one preview.
    run_together(env, [*DB_WORKER, "--worker-id", "w0"], [*DB_WORKER, "--worker-id", "w1"])
    report = json.loads(manage(env, "shell", "-c", PREVIEW_REPORT).strip().splitlines()[-1])
    assert (
        report["调整方案.docx"][0] == "ready"
        and "城乡低保标准调整方案" in report["调整方案.docx"][1]
    )
    assert report["测算表.xlsx"][0] == "ready" and "1234" in report["测算表.xlsx"][1]
    assert report["通知.pdf"] == ["", ""]  # a PDF needs no preview
