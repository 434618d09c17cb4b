"""Personal fields of cases are encrypted at rest, with keys held outside the database.

The database is read here as an attacker with a dump would: raw SQL, raw file bytes, the backup
archive. None of them holds a name, ID number, phone or address of a case.
"""

import datetime
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from cases import crypto, services
from cases.identity import make_id
from cases.models import Case, HouseholdMember
from members.permissions import Role
from tests.cases.test_cases import ADDRESS, APPLICANT_ID, CHILD_ID, PHONE, case_data
from tests.factories import make_user

ROOT = Path(__file__).resolve().parent.parent.parent
SECRETS = ("张三丰", "张小明", APPLICANT_ID, CHILD_ID, PHONE, ADDRESS)


@pytest.fixture
def town_liaison(charter):
    return make_user("naln", Role.LIAISON, "纳林陶亥镇")


def raw_cells(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return [str(c) for row in cursor.fetchall() for c in row if c is not None]


def test_the_database_rows_hold_no_name_id_phone_or_address(town_liaison):
    case = services.register_case(case_data(), by=town_liaison)
    cells = raw_cells("cases_case") + raw_cells("cases_householdmember")
    for secret in SECRETS:
        assert not [c for c in cells if secret in c], secret
    # …while the application reads them back as they were entered.
    case = Case.objects.get(pk=case.pk)
    assert (case.applicant, case.id_number, case.phone, case.address) == (
        "张三丰",
        APPLICANT_ID,
        PHONE,
        ADDRESS,
    )
    assert case.household.get().name == "张小明"


def test_the_same_value_encrypts_differently_each_time():
    assert crypto.encrypt("张三丰") != crypto.encrypt("张三丰")
    assert crypto.decrypt(crypto.encrypt("张三丰")) == "张三丰"


def test_an_id_number_is_found_by_its_keyed_hash_not_its_value(town_liaison):
    case = services.register_case(case_data(), by=town_liaison)
    assert case.id_number_hmac == crypto.search_hash(APPLICANT_ID) != APPLICANT_ID
    assert len(case.id_number_hmac) == 64
    assert list(services.find_cases_by_id_number(APPLICANT_ID.lower())) == [case]  # x or X
    assert list(services.find_cases_by_id_number(CHILD_ID)) == [case]  # a household member
    assert (
        list(services.find_cases_by_id_number(make_id("152627", datetime.date(1970, 1, 1), 5)))
        == []
    )
    assert list(services.find_cases_by_id_number("不是号码")) == []
    assert HouseholdMember.objects.get().id_number_hmac == crypto.search_hash(CHILD_ID)


def test_an_encrypted_field_cannot_be_searched_by_mistake():
    with pytest.raises(FieldError):
        list(Case.objects.filter(id_number=APPLICANT_ID))


def test_another_key_cannot_read_the_rows(town_liaison, settings):
    case = services.register_case(case_data(), by=town_liaison)
    from cryptography.fernet import Fernet

    settings.DATA_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.KeyMismatch, match="无法解密"):
        Case.objects.get(pk=case.pk)


def test_a_new_key_in_front_of_the_old_one_reads_old_rows_and_rotation_moves_them(
    town_liaison, settings
):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    case = services.register_case(case_data(), by=town_liaison)
    old = list(settings.DATA_KEYS)
    new = Fernet.generate_key().decode()
    settings.DATA_KEYS = [new, *old]
    assert Case.objects.get(pk=case.pk).applicant == "张三丰"  # old rows still read
    call_command("rotate_data_keys", verbosity=0)
    settings.DATA_KEYS = [new]  # the old key can go once every row is rotated
    case = Case.objects.get(pk=case.pk)
    assert (case.applicant, case.household.get().name) == ("张三丰", "张小明")


def test_development_makes_its_key_file_once(tmp_path, settings):
    settings.DATA_KEYS, settings.SEARCH_KEY = [], ""
    settings.DATA_KEY_FILE, settings.DATA_KEY_FILE_CREATE = str(tmp_path / "keys.json"), True
    token = crypto.encrypt("王五")
    assert (tmp_path / "keys.json").stat().st_mode & 0o777 == 0o600
    crypto.keys.cache_clear()
    assert crypto.decrypt(token) == "王五"  # the same file, read again


def test_without_keys_nothing_is_written(settings):
    settings.DATA_KEYS, settings.SEARCH_KEY, settings.DATA_KEY_FILE = [], "", None
    with pytest.raises(Exception, match="没有配置个人信息加密密钥"):
        crypto.encrypt("王五")


# A database made before encryption: plain values in the rows, names in the history tables.
INSERT = [
    (
        "INSERT INTO cases_case (year, number, applicant, id_number, phone, address, category, "
        "facts, requested_help, found_by, urgency, status, refuse_reason, registered_at, "
        "registered_by_id, town_id) VALUES (2026, 1, ?, ?, ?, ?, 'illness', '因病致困', '医疗救助', "
        "'applied', 'urgent', 'received', '', '2026-06-01 00:00:00', "
        "(SELECT id FROM members_user LIMIT 1), (SELECT id FROM members_unit LIMIT 1))",
        ("张三丰", APPLICANT_ID, PHONE, ADDRESS),
    ),
    (
        "INSERT INTO cases_householdmember (name, relation, id_number, condition, case_id) "
        "VALUES (?, '子女', ?, '在校学生', (SELECT id FROM cases_case))",
        ("张小明", CHILD_ID),
    ),
    (
        "INSERT INTO cases_historicalcase (id, year, number, applicant, category, facts, "
        "requested_help, found_by, urgency, status, refuse_reason, registered_at, history_date, "
        "history_type) SELECT id, year, number, applicant, category, facts, requested_help, "
        "found_by, urgency, status, refuse_reason, registered_at, registered_at, '+' FROM cases_case",
        (),
    ),
    (
        "INSERT INTO cases_historicalhouseholdmember (id, name, relation, condition, history_date, "
        "history_type, case_id) SELECT id, name, relation, condition, '2026-06-01', '+', case_id "
        "FROM cases_householdmember",
        (),
    ),
]


def test_migrating_an_sqlite_file_leaves_no_plain_value_in_any_page(tmp_path):
    """0004 dropped names from history, 0006 encrypted the rows; the old values would linger in
    the file's free pages, so 0007 rewrites the file (VACUUM). The whole file is scanned."""
    db = tmp_path / "db.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIUZHU_"))},
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "jiuzhu.settings.dev",
        "JIUZHU_KEY_FILE": str(tmp_path / "keys.json"),
        "DJANGO_SUPERUSER_PASSWORD": "x-only-for-this-test",
    }

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr[-2000:]

    manage("migrate", "cases", "0003", "-v0")
    manage("migrate", "members", "-v0")  # the user model of today (createsuperuser below)
    manage("loaddata", "charter", "-v0")
    manage("createsuperuser", "--noinput", "--username", "it", "--email", "it@example.cn")
    with sqlite3.connect(db) as conn:
        for sql, params in INSERT:
            conn.execute(sql, params)
    conn.close()
    assert "张三丰".encode() in db.read_bytes()
    manage("migrate", "-v0")
    content = b"".join(p.read_bytes() for p in tmp_path.glob("db.sqlite3*"))
    for secret in SECRETS:
        assert secret.encode() not in content, secret
    with sqlite3.connect(db) as conn:
        token = conn.execute("SELECT applicant FROM cases_case").fetchone()[0]
    conn.close()
    assert token.startswith("gAAAAA")  # a Fernet token
