"""Production (DEBUG off). Refuses to start without its secret key and allowed hosts.

Required environment:
  DJANGO_SECRET_KEY       a long random string
  DJANGO_ALLOWED_HOSTS    comma-separated host names, e.g. jiuzhu.yjhl.gov.cn,10.1.2.3
  JIUZHU_DATA_KEYS and JIUZHU_SEARCH_KEY, or JIUZHU_KEY_FILE: the keys of the personal fields of
                          cases (README.md, 个人信息加密)
Optional: DATABASE_URL, JIUZHU_MEDIA_ROOT, DJANGO_CSRF_TRUSTED_ORIGINS (comma-separated),
JIUZHU_ADMIN_PATH, JIUZHU_ADMIN_NETWORKS (the Django admin is off without it),
JIUZHU_TRUSTED_PROXIES.
The office's signing certificate (JIUZHU_SIGNING_PKCS12 + JIUZHU_SIGNING_PASSPHRASE, base.py) is
not required to start: without it the app runs but refuses to issue minutes, and
`check --deploy` reports it (meetings/checks.py).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATA_KEY_FILE, DATA_KEYS, MIDDLEWARE, SEARCH_KEY, STORAGES, env, env_networks

DEBUG = False


def _required(name: str) -> str:
    value = (env(name) or "").strip()
    if not value:
        raise ImproperlyConfigured(f"生产环境必须设置环境变量 {name}。")
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in _required("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]
# The personal fields of cases can't be read or written without their keys: refuse to start.
if not (DATA_KEYS and SEARCH_KEY) and not DATA_KEY_FILE:
    raise ImproperlyConfigured(
        "生产环境必须设置环境变量 JIUZHU_DATA_KEYS 和 JIUZHU_SEARCH_KEY（或 JIUZHU_KEY_FILE），"
        "即个案个人信息的加密密钥；见 README.md。"
    )
_data_keys = DATA_KEYS
if DATA_KEY_FILE and not (DATA_KEYS and SEARCH_KEY):
    from cases.crypto import read_key_file

    # A missing or malformed file fails now, not at the first save.
    _data_keys = read_key_file(DATA_KEY_FILE)["data_keys"]
from cryptography.fernet import Fernet  # noqa: E402

try:
    [Fernet(k) for k in _data_keys]
except ValueError as e:
    raise ImproperlyConfigured(
        "JIUZHU_DATA_KEYS 格式不正确：每个都应是 Fernet 密钥（32 字节的 URL 安全 Base64）。"
    ) from e

CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in (env("DJANGO_CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()
]

# The Django admin answers only to the staff networks listed here (comma-separated CIDRs, e.g.
# 10.12.30.0/24); unset or empty, the admin is off: every admin URL, its login included, is a 404.
ADMIN_NETWORKS = env_networks("JIUZHU_ADMIN_NETWORKS")

# WhiteNoise serves the collected static files (Bootstrap included) right after SecurityMiddleware.
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS everywhere; the reverse proxy (nginx) terminates TLS and says so in this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
