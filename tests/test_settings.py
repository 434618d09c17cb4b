"""Settings: locale, production mode that refuses to start half-configured, demo accounts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases.identity import validate_id
from cases.models import Case, Verification
from duties.models import Escalation, Extension, Task
from meetings.models import AgendaItem, Meeting, Minutes
from members.models import Liaison, Seat, User

ROOT = Path(__file__).resolve().parent.parent


# The keys of the personal fields of cases, as a deployment sets them (README.md).
KEYS = {
    "JIUZHU_DATA_KEYS": "H7QjViOK0-C0BbKTi-UglGiEu1PeLo-w_hkTQi_sFrQ=",
    "JIUZHU_SEARCH_KEY": "a-search-key-of-this-test-only",
}


def manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIUZHU_"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True
    )


def test_the_app_speaks_chinese_in_shanghai_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


@pytest.mark.parametrize(
    "env",
    [
        {"DJANGO_ALLOWED_HOSTS": "jiuzhu.example"},
        {"DJANGO_SECRET_KEY": "x" * 60},
        {"DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": " "},
    ],
)
def test_production_refuses_to_start_without_secret_key_and_hosts(env):
    result = manage("check", DJANGO_SETTINGS_MODULE="jiuzhu.settings.prod", **env)
    assert result.returncode != 0
    assert "生产环境必须设置环境变量" in result.stderr


@pytest.mark.parametrize(
    "keys",
    [
        {},
        {"JIUZHU_DATA_KEYS": KEYS["JIUZHU_DATA_KEYS"]},
        {"JIUZHU_SEARCH_KEY": KEYS["JIUZHU_SEARCH_KEY"]},
        {**KEYS, "JIUZHU_DATA_KEYS": "not-a-fernet-key"},
        {"JIUZHU_KEY_FILE": "/nonexistent/jiuzhu-keys.json"},
    ],
)
def test_production_refuses_to_start_without_the_keys_of_the_personal_fields(keys):
    result = manage(
        "check",
        DJANGO_SETTINGS_MODULE="jiuzhu.settings.prod",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="jiuzhu.example",
        **keys,
    )
    assert result.returncode != 0
    assert "密钥" in result.stderr


def test_an_unknown_task_engine_is_refused_in_chinese():
    result = manage("check", DJANGO_SETTINGS_MODULE="jiuzhu.settings.dev", JIUZHU_TASKS="celery")
    assert result.returncode != 0 and "JIUZHU_TASKS 只能是 db" in result.stderr


def test_the_redis_engine_is_django_tasks_rq_over_the_named_redis():
    code = (
        "from django.conf import settings as s; from django.tasks import task_backends;"
        "b = task_backends['default'];"
        "print(type(b).__module__, s.RQ_QUEUES['default']['URL'], 'django_rq' in s.INSTALLED_APPS)"
    )
    result = manage(
        "shell",
        "-c",
        code,
        DJANGO_SETTINGS_MODULE="jiuzhu.settings.dev",
        JIUZHU_TASKS="rq",
        JIUZHU_REDIS_URL="redis://127.0.0.1:6399/3",
    )
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]  # after the shell's own line of imports
    assert last.split() == ["django_tasks_rq.backend", "redis://127.0.0.1:6399/3", "True"]


def test_production_passes_the_deployment_checklist_without_warnings(office_certificate):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="jiuzhu.settings.prod",
        DJANGO_SECRET_KEY="k8#Tq2v!mZ0r$Lp7@Xw4^Hn9&Bc1*Fd6(Gs3)Jy5-Ue8=Oa2+Ri0",
        DJANGO_ALLOWED_HOSTS="jiuzhu.example",
        **KEYS,
        JIUZHU_SIGNING_PKCS12=str(office_certificate["path"]),
        JIUZHU_SIGNING_PASSPHRASE=office_certificate["passphrase"],
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


@pytest.mark.django_db
def test_seed_demo_creates_one_account_per_role(charter, settings):
    settings.DEBUG = True  # pytest-django runs tests with DEBUG off
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # twice: nothing duplicated
    roles = {
        u.username: sorted(u.groups.values_list("name", flat=True)) for u in User.objects.all()
    }
    assert {k: roles[k] for k in ("office", "leader", "liaison", "liaison2", "member")} == {
        "office": ["办公室"],
        "leader": ["领导"],
        "liaison": ["联络员"],
        "liaison2": ["联络员"],
        "member": ["成员"],
    }
    assert User.objects.get(username="liaison").unit.name == "旗民政局"
    assert User.objects.get(username="liaison2").unit.name == "旗教体局"
    assert all(u.check_password("jiuzhu-demo") for u in User.objects.all())
    liaison_users = {u for u, r in roles.items() if r == ["联络员"]}
    assert Liaison.objects.filter(end__isnull=True).count() == len(liaison_users)


@pytest.mark.django_db
def test_seed_demo_fills_a_believable_year(charter, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    plenary = Meeting.objects.get(kind=Meeting.Kind.PLENARY)
    assert plenary.status == Meeting.Status.CLOSED  # its minutes are issued
    minutes = plenary.minutes
    assert minutes.status == Minutes.Status.ISSUED and minutes.number == 1
    acknowledged = minutes.distributions.filter(acknowledged_at__isnull=False).count()
    assert 0 < acknowledged < minutes.distributions.count()
    special = Meeting.objects.get(kind=Meeting.Kind.SPECIAL)
    assert special.status == Meeting.Status.DRAFT
    states = set(AgendaItem.objects.values_list("status", flat=True))
    assert {"submitted", "returned", "accepted", "scheduled", "deliberated"} <= states
    written = Meeting.objects.get(kind=Meeting.Kind.WRITTEN, title__contains="实施细则")
    assert written.status == Meeting.Status.NOTIFIED
    assert 0 < written.opinions.count() < written.invited_units.count()
    assert Meeting.objects.count() == 4  # the second run added nothing
    today = timezone.localdate()
    lights = set(Task.objects.with_light(today).values_list("light", flat=True))
    assert lights == {"red", "yellow", "green", "closed"}
    assert Extension.objects.filter(status="pending").count() == 1
    assert sorted(Escalation.objects.values_list("level", flat=True)) == [1, 2, 3]
    case_states = set(Case.objects.values_list("status", flat=True))
    assert {"submitted", "verifying", "implementing", "refused"} <= case_states
    assert Verification.objects.filter(answered_at__isnull=True).exists()
    assert Verification.objects.filter(answered_at__isnull=False).exists()
    assert Task.objects.filter(source=Task.Source.CASE).count() == 3
    for case in Case.objects.all():
        validate_id(case.id_number)  # well-formed, invented
    from duties.models import Report, ReportRound

    assert ReportRound.objects.filter(status="published").count() == 1
    last = ReportRound.objects.filter(status="open").get()
    assert {"accepted", "submitted", "returned", "draft", "pending"} == set(
        last.reports.values_list("status", flat=True)
    )
    assert all(r.light_on(today) == "red" for r in last.reports.filter(status__in=Report.EDITABLE))
    from duties.models import Policy, PolicyReview, Scheme

    assert Policy.objects.values("unit").distinct().count() >= 4
    assert Policy.objects.filter(status="revised", revised_by__isnull=False).exists()
    assert PolicyReview.objects.get().confirmations.filter(confirmed_at__isnull=True).exists()
    published = Scheme.objects.get(year=today.year - 1)
    assert published.status == "published"
    vetoed = published.results.exclude(veto_reason="")
    assert [r.grade for r in vetoed] == ["fail"]
    assert Scheme.objects.get(year=today.year).status == "draft"


@pytest.mark.django_db
def test_seed_demo_refuses_when_debug_is_off(charter, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="生产环境"):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_load_charter_on_an_empty_database_writes_first_history_rows(db):
    call_command("load_charter", verbosity=0)
    assert Seat.objects.count() == 30
    assert Seat.history.count() == 30


def test_every_page_uses_bootstrap_from_static_not_a_cdn():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, path
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    assert "{% static 'vendor/bootstrap/css/bootstrap.min.css' %}" in base
    assert (ROOT / "static" / "vendor" / "bootstrap" / "css" / "bootstrap.min.css").exists()


@pytest.mark.django_db
def test_the_login_page_loads_no_script_and_signed_in_pages_load_bootstraps_bundle(client, office):
    """Nothing on a page that it does not use (issue 12, bench/slowlink.py): signed out there is
    no navigation to collapse or drop down, no form to confirm, no search box."""
    login = client.get("/accounts/login/").content.decode()
    assert "bootstrap.min.css" in login and "<script" not in login
    client.force_login(office)
    home = client.get("/").content.decode()
    assert "vendor/bootstrap/js/bootstrap.bundle.min.js" in home and "js/jiuzhu.js" in home


@pytest.mark.parametrize(
    "redis, expected",
    [
        (
            "redis://127.0.0.1:6379/0",
            "django_redis.cache.RedisCache django.contrib.sessions.backends.cached_db True",
        ),
        (
            None,
            "django.core.cache.backends.locmem.LocMemCache django.contrib.sessions.backends.db True",
        ),
    ],
)
def test_redis_holds_sessions_only_and_sessions_renew_on_every_request(redis, expected):
    code = (
        "from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, s.SESSION_SAVE_EVERY_REQUEST)"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "jiuzhu.settings.prod",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "jiuzhu.example",
        **KEYS,
    }
    if redis:
        env["JIUZHU_REDIS_URL"] = redis
    result = manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_production_reads_its_keys_from_a_key_file(tmp_path):
    from cases.crypto import new_key_file

    keys = new_key_file(tmp_path / "keys.json")
    result = manage(
        "shell",
        "-c",
        "from cases import crypto; print(crypto.decrypt(crypto.encrypt('王五')), crypto.keys().data_keys)",
        DJANGO_SETTINGS_MODULE="jiuzhu.settings.prod",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="jiuzhu.example",
        JIUZHU_KEY_FILE=str(tmp_path / "keys.json"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"王五 ('{keys['data_keys'][0]}',)"
