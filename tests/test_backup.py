"""A populated database and its files, backed up and restored into an empty database: identical."""

import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cases import crypto
from cases import services as cases_services
from jiuzhu.backup import (
    BackupError,
    create_backup,
    file_hashes,
    open_database,
    restore_backup,
    table_checksums,
    verify,
)
from meetings import services
from members.permissions import Role
from tests.cases.test_cases import ADDRESS, APPLICANT_ID, CHILD_ID, PHONE, case_data
from tests.factories import approved_minutes, make_item, make_user


@pytest.fixture
def empty_database(tmp_path):
    """A second, empty database of the same kind, reachable as the alias "restored"."""
    target = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        target["NAME"] = str(tmp_path / "restored.sqlite3")
    else:
        name = f"jiuzhu_restore_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        target["NAME"] = name
    yield target
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_row_and_file(charter, empty_database, tmp_path):
    office = make_user("office", Role.OFFICE, "旗民政局")
    leader = make_user("leader", Role.LEADER, "旗人民政府")
    liaison = make_user("liaison", Role.LIAISON, "旗民政局")
    services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    make_item(liaison, files=[SimpleUploadedFile("测算.pdf", b"%PDF-1.4 numbers")])
    media = Path(settings.MEDIA_ROOT)
    archive = tmp_path / "backup.tar.gz"

    manifest = create_backup(archive, media_root=media)
    restored_media = tmp_path / "restored-media"
    restore_backup(archive, settings_dict=empty_database, media_root=restored_media)

    assert manifest["tables"]["meetings_minutes"]["rows"] == 1
    assert manifest["tables"]["members_tenure"]["rows"] == 30
    restored = open_database(empty_database)
    assert table_checksums(restored) == table_checksums() == manifest["tables"]
    assert file_hashes(restored_media) == file_hashes(media) == manifest["files"]
    assert any(name.startswith("minutes/") for name in manifest["files"])
    assert any(name.startswith("materials/") for name in manifest["files"])
    assert verify(manifest, connection=restored, media_root=restored_media) == []
    restored.close()


@pytest.mark.django_db(transaction=True)
def test_verify_notices_a_changed_row_and_a_changed_file(charter, empty_database, tmp_path):
    media = Path(settings.MEDIA_ROOT)
    make_item(
        make_user("liaison", Role.LIAISON, "旗民政局"),
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1 a")],
    )
    archive = tmp_path / "backup.tar.gz"
    manifest = create_backup(archive, media_root=media)
    restored_media = tmp_path / "restored-media"
    restore_backup(archive, settings_dict=empty_database, media_root=restored_media)
    restored = open_database(empty_database)
    with restored.cursor() as cursor:
        cursor.execute("UPDATE members_person SET name = '改过' WHERE id = 1")
    if not restored.get_autocommit():
        restored.commit()
    next(p for p in restored_media.rglob("*") if p.is_file()).write_bytes(b"tampered")
    problems = verify(manifest, connection=restored, media_root=restored_media)
    restored.close()
    assert any("members_person" in p for p in problems)
    assert any("文件" in p for p in problems)


def _database_text(archive: Path, tmp_path: Path) -> bytes:
    """The archive's database as an attacker would read it: the SQLite file's bytes, or the SQL
    that pg_restore makes of the (compressed) dump."""
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(tmp_path / "x", filter="data")
    if (tmp_path / "x" / "database.sqlite3").exists():
        return (tmp_path / "x" / "database.sqlite3").read_bytes()
    result = subprocess.run(
        ["pg_restore", "-f", "-", str(tmp_path / "x" / "database.pgdump")],
        capture_output=True,
        check=True,
    )
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_a_backup_names_nobody_and_says_the_key_is_not_inside(charter, tmp_path):
    case = cases_services.register_case(
        case_data(), by=make_user("naln", Role.LIAISON, "纳林陶亥镇")
    )
    archive = tmp_path / "backup.tar.gz"
    manifest = create_backup(archive, media_root=Path(settings.MEDIA_ROOT))
    content = _database_text(archive, tmp_path)
    assert b"cases_case" in content or b"gAAAAA" in content  # the rows are there…
    for secret in ("张三丰", "张小明", APPLICANT_ID, CHILD_ID, PHONE, ADDRESS):
        assert secret.encode() not in content, secret  # …as ciphertext only
    assert manifest["keys"]["included"] is False
    assert "不含个人信息加密密钥" in manifest["keys"]["note"]
    assert manifest["keys"]["data_keys"] == [crypto.fingerprint(settings.DATA_KEYS[0])]
    for key in (*settings.DATA_KEYS, settings.SEARCH_KEY):
        assert key.encode() not in archive.read_bytes()
        assert key.encode() not in content
    assert case.id_number_hmac.encode() in content or connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_an_archive_whose_keys_are_not_configured(
    charter, empty_database, tmp_path, settings
):
    cases_services.register_case(case_data(), by=make_user("naln", Role.LIAISON, "纳林陶亥镇"))
    archive = tmp_path / "backup.tar.gz"
    create_backup(archive, media_root=Path(settings.MEDIA_ROOT))
    old = list(settings.DATA_KEYS)
    settings.DATA_KEYS = [Fernet.generate_key().decode()]
    restored_media = tmp_path / "restored-media"
    with pytest.raises(BackupError, match="加密密钥与备份时不一致，恢复已停止"):
        restore_backup(archive, settings_dict=empty_database, media_root=restored_media)
    restored = open_database(empty_database)
    assert "cases_case" not in restored.introspection.table_names()  # nothing was written
    restored.close()
    assert not restored_media.exists()
    # A new key in front of the old one (a rotation under way) still opens the archive.
    settings.DATA_KEYS = [Fernet.generate_key().decode(), *old]
    restore_backup(archive, settings_dict=empty_database, media_root=restored_media)
    # A different search key would break every search by ID number: refused too.
    settings.DATA_KEYS, settings.SEARCH_KEY = old, "another-search-key"
    with pytest.raises(BackupError, match="检索密钥"):
        restore_backup(archive, settings_dict=empty_database, media_root=restored_media)
