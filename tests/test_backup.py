"""A populated database and its files, backed up and restored into an empty database: identical."""

import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from jiuzhu.backup import (
    create_backup,
    file_hashes,
    open_database,
    restore_backup,
    table_checksums,
    verify,
)
from meetings import services
from members.permissions import Role
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
