"""The keys that protect the personal fields of cases, kept outside the database.

A dump of the database or a backup alone names nobody: applicants' and household members' names,
ID numbers, phones and addresses are stored as Fernet tokens (the `cryptography` package:
AES-128-CBC with an HMAC-SHA256, a fresh IV each time), and an exact search by ID number goes
through a keyed hash (HMAC-SHA256) column, never the plain value.

Where the keys come from (settings, see jiuzhu/settings/base.py and README.md):
  DATA_KEYS      Fernet keys, newest first: the first encrypts, every one decrypts (MultiFernet),
                 so a new key is put in front and the old ones kept until `rotate_data_keys` has
                 re-encrypted every row;
  SEARCH_KEY     the HMAC key of the ID-number search columns (changing it means recomputing them,
                 which `rotate_data_keys --search-key` does);
  DATA_KEY_FILE  or both of them in a JSON file {"data_keys": [...], "search_key": "..."}; in
                 development the file is created on first use (DATA_KEY_FILE_CREATE).
"""

import functools
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver


class KeyMismatch(Exception):
    """A value that none of the configured keys opens; str(e) is the Chinese message."""


@dataclass(frozen=True)
class Keys:
    data_keys: tuple[str, ...]
    search_key: str

    @functools.cached_property
    def fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(k) for k in self.data_keys])


def new_key_file(path: Path) -> dict:
    """A fresh key file (development): one Fernet key and a search key, readable by the owner only."""
    content = {
        "data_keys": [Fernet.generate_key().decode()],
        "search_key": Fernet.generate_key().decode(),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(content, f, indent=1)
    return content


def read_key_file(path: Path, *, create: bool = False) -> dict:
    path = Path(path)
    if not path.exists():
        if not create:
            raise ImproperlyConfigured(f"找不到个人信息加密密钥文件 {path}。")
        try:
            return new_key_file(path)
        except FileExistsError:  # another process made it first
            pass
    try:
        content = json.loads(path.read_text())
        return {"data_keys": list(content["data_keys"]), "search_key": content["search_key"]}
    except (ValueError, KeyError, TypeError) as e:
        raise ImproperlyConfigured(
            f"个人信息加密密钥文件 {path} 格式不正确（应为 data_keys 和 search_key）。"
        ) from e


def load_keys() -> Keys:
    data_keys = list(getattr(settings, "DATA_KEYS", None) or [])
    search_key = getattr(settings, "SEARCH_KEY", None) or ""
    key_file = getattr(settings, "DATA_KEY_FILE", None)
    if key_file and not (data_keys and search_key):
        content = read_key_file(key_file, create=getattr(settings, "DATA_KEY_FILE_CREATE", False))
        data_keys = data_keys or content["data_keys"]
        search_key = search_key or content["search_key"]
    if not data_keys or not search_key:
        raise ImproperlyConfigured(
            "没有配置个人信息加密密钥：请设置 JIUZHU_DATA_KEYS 和 JIUZHU_SEARCH_KEY，"
            "或 JIUZHU_KEY_FILE（见 README.md）。"
        )
    keys = Keys(tuple(k.strip() for k in data_keys if k.strip()), search_key.strip())
    try:
        keys.fernet  # noqa: B018 — refuse a malformed key now, not at the first save
    except ValueError as e:
        raise ImproperlyConfigured(
            "个人信息加密密钥格式不正确：每个都应是 Fernet 密钥（32 字节的 URL 安全 Base64）。"
        ) from e
    return keys


@functools.cache
def keys() -> Keys:
    return load_keys()


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs):
    if setting in {"DATA_KEYS", "SEARCH_KEY", "DATA_KEY_FILE", "DATA_KEY_FILE_CREATE"}:
        keys.cache_clear()
        _decrypt.cache_clear()


def encrypt(text: str) -> str:
    return keys().fernet.encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _decrypt(token)
    except (InvalidToken, UnicodeEncodeError) as e:
        raise KeyMismatch(
            "个案个人信息无法解密：配置的加密密钥与数据库不一致（或数据库中有未加密的值）。"
        ) from e


# meetings/privacy.py reads every case's names and numbers on each save of a meeting, item or
# minutes: at ten years' volume (10,000 cases, 20,000 household members) that is 80,000 Fernet
# decryptions, about 4 s. A token never changes meaning, so its plain value is remembered (a
# process that holds the key can decrypt everything anyway). Cleared with the keys.
@functools.lru_cache(maxsize=200_000)
def _decrypt(token: str) -> str:
    return keys().fernet.decrypt(token.encode("ascii")).decode()


def rotate(token: str) -> str:
    """The same value under the newest key (MultiFernet.rotate)."""
    return keys().fernet.rotate(token.encode("ascii")).decode("ascii")


def search_hash(id_number: str) -> str:
    """The keyed hash an ID number is found by; "" for no number (an erased record)."""
    if not id_number:
        return ""
    return hmac.new(
        keys().search_key.encode(), id_number.strip().upper().encode(), hashlib.sha256
    ).hexdigest()


def fingerprint(key: str) -> str:
    """Names a key without revealing it (a key is 256 random bits: its hash cannot be reversed)."""
    return hashlib.sha256(b"jiuzhu-key-fingerprint:" + key.strip().encode()).hexdigest()[:16]


def fingerprints() -> dict:
    k = keys()
    return {
        "data_keys": [fingerprint(d) for d in k.data_keys],
        "search_key": fingerprint(k.search_key),
    }
