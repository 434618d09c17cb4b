"""Backups that restore: the database and the stored files (materials, issued PDFs and their OFD
copies), in one archive.

An archive (.tar.gz) holds:
  database.sqlite3 or database.pgdump   the database (SQLite backup API, or pg_dump -Fc)
  media/...                             every stored file, as stored
  manifest.json                         row count and checksum of every table, SHA-256 of every file,
                                        and the fingerprints of the keys the personal fields need

The keys of the personal fields of cases (cases/crypto.py) are never in an archive: the database
holds only their ciphertext, so an archive alone names nobody. The manifest says so and records
each key's fingerprint; a restore refuses to start, before anything is overwritten, when the
keys configured now are not the ones the archive needs.

Restoring writes the database and files to the target, then checks them against the manifest.

Why not django-dbbackup (5.4.0, read for this): it dumps the database (dbbackup) and the media
(mediabackup) as two separate archives with no record of what they held, and dbrestore/mediarestore
load them without checking anything; a restore from a half-written or mismatched pair looks fine
until a user opens a missing PDF. What this module adds is exactly that check: one archive for both,
a manifest of every table's row count and checksum and every file's SHA-256, and a restore that
refuses to report success unless the restored database and files match it. The dumping itself uses
the same tools dbbackup would (pg_dump -Fc / pg_restore, SQLite's backup API), so there is little
home-made code left to replace.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.apps import apps
from django.db import connections

from cases import crypto

KEYS_NOTE = (
    "本备份不含个人信息加密密钥（JIUZHU_DATA_KEYS、JIUZHU_SEARCH_KEY 或 JIUZHU_KEY_FILE）："
    "个案的姓名、身份证号、电话、住址在备份中是密文。请把密钥另行保管，恢复时须配置同样的密钥。"
)


class BackupError(Exception):
    """str(e) is the Chinese message the operator sees."""


def tables() -> dict[str, str]:
    """Every table of the project's models, with its primary-key column (a unique order)."""
    names = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            names[model._meta.db_table] = model._meta.pk.column
    return dict(sorted(names.items()))


def open_database(settings_dict):
    """A connection of its own to the database `settings_dict` describes (e.g. a restore target)."""
    from django.db import DEFAULT_DB_ALIAS
    from django.db.utils import load_backend

    backend = load_backend(settings_dict["ENGINE"])
    return backend.DatabaseWrapper(dict(settings_dict), alias=f"{DEFAULT_DB_ALIAS}-restore")


def table_checksums(connection=None) -> dict[str, dict]:
    """Row count and a SHA-256 over every row (in primary-key order) of every table."""
    connection = connection or connections["default"]
    existing = set(connection.introspection.table_names())
    result = {}
    with connection.cursor() as cursor:
        for table, pk in tables().items():
            if table not in existing:
                continue
            quoted, order = connection.ops.quote_name(table), connection.ops.quote_name(pk)
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY {order}")  # noqa: S608 — our names
            digest, count = hashlib.sha256(), 0
            for row in cursor.fetchall():
                digest.update(repr(tuple(_canonical(v) for v in row)).encode())
                count += 1
            result[table] = {"rows": count, "sha256": digest.hexdigest()}
    return result


def _canonical(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, memoryview | bytes):
        return hashlib.sha256(bytes(value)).hexdigest()
    return str(value) if value is not None else None


def file_hashes(root: Path) -> dict[str, str]:
    root = Path(root)
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _pg_env(settings_dict) -> dict:
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    return env


def create_backup(path: Path, *, media_root: Path, alias="default") -> dict:
    connection = connections[alias]
    manifest = {
        "created": datetime.datetime.now(datetime.UTC).isoformat(),
        "vendor": connection.vendor,
        "tables": table_checksums(connection),
        "files": file_hashes(media_root),
        "keys": {"included": False, "note": KEYS_NOTE, **crypto.fingerprints()},
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if connection.vendor == "sqlite":
            db_file = tmp / "database.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(db_file)
            with target:
                connection.connection.backup(target)
            target.close()
        elif connection.vendor == "postgresql":
            db_file = tmp / "database.pgdump"
            s = connection.settings_dict
            result = subprocess.run(
                ["pg_dump", "-Fc", "--no-owner", "-f", str(db_file), s["NAME"]],
                env=_pg_env(s),
                capture_output=True,
                text=True,
            )
            if result.returncode:
                raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
        else:
            raise BackupError(f"不支持的数据库：{connection.vendor}")
        with tarfile.open(path, "w:gz") as tar:
            tar.add(db_file, arcname=db_file.name)
            if Path(media_root).exists():
                tar.add(media_root, arcname="media")
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return manifest


def check_keys(manifest: dict) -> None:
    """Refuse an archive whose personal fields the keys configured now can't open."""
    needed = manifest.get("keys")
    if needed is None:
        return  # an archive from before encryption: plain values, which migrate encrypts
    have = crypto.fingerprints()
    missing = [fp for fp in needed["data_keys"] if fp not in have["data_keys"]]
    if missing or needed["search_key"] != have["search_key"]:
        raise BackupError(
            "当前配置的个人信息加密密钥与备份时不一致，恢复已停止，数据库和文件均未改动。"
            f"备份需要的密钥指纹：数据密钥 {'、'.join(needed['data_keys'])}，"
            f"检索密钥 {needed['search_key']}；当前：数据密钥 {'、'.join(have['data_keys'])}，"
            f"检索密钥 {have['search_key']}。请配置备份时的密钥后再恢复。"
        )


def restore_backup(path: Path, *, settings_dict: dict, media_root: Path) -> dict:
    """Restore into the database described by `settings_dict` and into `media_root`."""
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(path, "r:gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        check_keys(manifest)
        tar.extractall(tmp, filter="data")
        tmp = Path(tmp)
        engine = settings_dict["ENGINE"]
        if "sqlite3" in engine:
            if manifest["vendor"] != "sqlite":
                raise BackupError("这是 PostgreSQL 的备份，不能恢复到 SQLite。")
            source = sqlite3.connect(tmp / "database.sqlite3")
            target = sqlite3.connect(settings_dict["NAME"])
            with target:
                source.backup(target)
            source.close()
            target.close()
        elif "postgresql" in engine:
            if manifest["vendor"] != "postgresql":
                raise BackupError("这是 SQLite 的备份，不能恢复到 PostgreSQL。")
            result = subprocess.run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "-d",
                    settings_dict["NAME"],
                    str(tmp / "database.pgdump"),
                ],
                env=_pg_env(settings_dict),
                capture_output=True,
                text=True,
            )
            if result.returncode:
                raise BackupError(f"pg_restore 失败：{result.stderr.strip()}")
        else:
            raise BackupError(f"不支持的数据库：{engine}")
        media_root = Path(media_root)
        if (tmp / "media").exists():
            media_root.mkdir(parents=True, exist_ok=True)
            shutil.copytree(tmp / "media", media_root, dirs_exist_ok=True)
    return manifest


def verify(manifest: dict, *, connection, media_root: Path) -> list[str]:
    """Differences between a restored database and files and the manifest (empty: identical)."""
    problems = []
    restored = table_checksums(connection)
    for table, expected in manifest["tables"].items():
        if restored.get(table) != expected:
            problems.append(f"表 {table} 不一致：备份 {expected}，恢复后 {restored.get(table)}")
    files = file_hashes(media_root)
    for name, sha in manifest["files"].items():
        if files.get(name) != sha:
            problems.append(f"文件 {name} 缺失或内容不一致")
    problems += issued_file_problems(connection, files)
    return problems


def issued_file_problems(connection, files: dict[str, str]) -> list[str]:
    """Each issued minutes' PDF and OFD copy, as the restored database names them, must be among
    the restored files with the SHA-256 recorded at issuance (a backup taken while a file was
    missing would otherwise restore "identical" and still be broken)."""
    problems = []
    table = connection.ops.quote_name("meetings_minutes")
    if "meetings_minutes" not in connection.introspection.table_names():
        return problems
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT year, number, pdf, pdf_sha256, ofd, ofd_sha256 FROM {table} "  # noqa: S608
            "WHERE status = 'issued'"
        )
        for year, number, *pairs in cursor.fetchall():
            for kind, (name, sha) in zip(("PDF", "OFD"), (pairs[:2], pairs[2:]), strict=True):
                if name and files.get(name) != sha:
                    problems.append(
                        f"纪要〔{year}〕第{number}期的 {kind} 文件 {name} 缺失或与印发时不一致"
                    )
    return problems
