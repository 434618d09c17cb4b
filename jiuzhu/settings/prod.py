"""Production (DEBUG off). Refuses to start without its secret key and allowed hosts.

Required environment:
  DJANGO_SECRET_KEY       a long random string
  DJANGO_ALLOWED_HOSTS    comma-separated host names, e.g. jiuzhu.yjhl.gov.cn,10.1.2.3
Optional: DATABASE_URL, JIUZHU_MEDIA_ROOT, DJANGO_CSRF_TRUSTED_ORIGINS (comma-separated).
The office's signing certificate (JIUZHU_SIGNING_PKCS12 + JIUZHU_SIGNING_PASSPHRASE, base.py) is
not required to start: without it the app runs but refuses to issue minutes, and
`check --deploy` reports it (meetings/checks.py).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import MIDDLEWARE, STORAGES, env

DEBUG = False


def _required(name: str) -> str:
    value = (env(name) or "").strip()
    if not value:
        raise ImproperlyConfigured(f"生产环境必须设置环境变量 {name}。")
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in _required("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in (env("DJANGO_CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()
]

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
