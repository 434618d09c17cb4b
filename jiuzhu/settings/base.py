"""Settings shared by every environment; dev.py, test.py and prod.py start from here."""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated addresses or CIDRs, e.g. 10.12.0.0/16,192.168.3.7; empty → []."""
    value = env(name) or ""
    try:
        return [
            ipaddress.ip_network(n.strip(), strict=False) for n in value.split(",") if n.strip()
        ]
    except ValueError as e:
        raise ImproperlyConfigured(f"环境变量 {name} 不是以逗号分隔的 IP 地址或网段：{e}") from e


INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "django_tasks_db",  # the database backend and db_worker of Django's Tasks framework
    "members",
    "duties",
    "meetings",
    "cases",
    "jiuzhu",  # the project's own commands (seed_demo); nothing imports jiuzhu
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jiuzhu.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The Django admin answers only from ADMIN_NETWORKS (404 elsewhere, and when it is off).
    "jiuzhu.middleware.AdminNetworkMiddleware",
    # Every page needs login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a locked-out login attempt into the Chinese lock-out page.
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes): after 5 wrong passwords for one account from one address, that
# pair is refused for 15 minutes. The axes backend runs first, so a locked-out attempt is
# refused before any password hash is computed. The office can lift a lock early.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "members.permissions.throttle_username"

# The Django admin (system administrators, IT): where it lives and who may reach it.
# JIUZHU_ADMIN_PATH moves it off the guessable /admin/ (e.g. "xitong-7f3k/").
ADMIN_PATH = (env("JIUZHU_ADMIN_PATH") or "admin/").strip().strip("/") + "/"
if ADMIN_PATH == "/":
    raise ImproperlyConfigured("JIUZHU_ADMIN_PATH 不能为空。")
# None: no network check (development, tests). prod.py sets the staff networks from
# JIUZHU_ADMIN_NETWORKS; an empty list there turns the admin off (every admin URL is a 404).
ADMIN_NETWORKS = None
# The reverse proxies (CIDRs) whose X-Forwarded-For is believed when the admin checks a client's
# address. Empty (the default): REMOTE_ADDR only — a header any client can send proves nothing.
TRUSTED_PROXIES = env_networks("JIUZHU_TRUSTED_PROXIES")

ROOT_URLCONF = "jiuzhu.urls"
WSGI_APPLICATION = "jiuzhu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "members.context_processors.roles",
                "members.context_processors.inbox",
                "jiuzhu.context_processors.navigation",
            ],
            # Needed on every page without {% load %}: {% form_token %} (members/idempotency.py),
            # like {% csrf_token %}, and {{ unit|unit_short }} (one short name per unit).
            "builtins": ["members.templatetags.form_token", "members.templatetags.members_tags"],
        },
    },
]

# SQLite by default (nothing to set up); PostgreSQL through DATABASE_URL=postgres://…
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Client-side cursors for .iterator() too: a form's choices (ModelChoiceField iterates its
    # queryset) would otherwise cost DECLARE, FETCH and CLOSE round trips on every page; the
    # largest iteration, an Excel export of the whole ledger, fits in memory many times over.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers queue instead of
    # failing with "database is locked" when one upgrades a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # secure_delete: a deleted or erased value is overwritten, not left in a free page
        # (Debian builds SQLite so by default; other builds don't).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;",
    }

# Nothing rendered is cached: every page is read from the database (issue 12). Redis is optional,
# only for sessions: with JIUZHU_REDIS_URL (e.g. redis://127.0.0.1:6379/0, Debian's redis-server)
# sessions are read from it and still written to the database (cached_db), so a Redis restart
# logs nobody out. django-redis's IGNORE_EXCEPTIONS makes an unreachable Redis a cache miss
# (half a second at most), so the session is read from the database and pages keep working.
REDIS_URL = env("JIUZHU_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("JIUZHU_CACHE_PREFIX", "jiuzhu"),
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "jiuzhu",
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "members.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Rows per page of every list (ledger, items, meetings, minutes, cases, …): two screens of an
# office PC, and a page that stays small on a slow county link.
LIST_PAGE_SIZE = 20

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded files are never served from a public URL: only permission-checked views read them.
MEDIA_ROOT = Path(env("JIUZHU_MEDIA_ROOT", str(BASE_DIR / "media")))

# Keys of the personal fields of cases (cases/crypto.py): never in the database, never in a backup.
# JIUZHU_DATA_KEYS: comma-separated Fernet keys, newest first (the first encrypts, all decrypt);
# JIUZHU_SEARCH_KEY: the HMAC key of the ID-number search columns; or both in JIUZHU_KEY_FILE
# (JSON {"data_keys": [...], "search_key": "..."}). Rotation: README.md.
DATA_KEYS = [k.strip() for k in (env("JIUZHU_DATA_KEYS") or "").split(",") if k.strip()]
SEARCH_KEY = (env("JIUZHU_SEARCH_KEY") or "").strip()
DATA_KEY_FILE = env("JIUZHU_KEY_FILE") or None
DATA_KEY_FILE_CREATE = False  # development creates its key file on first use

# Closed or refused cases whose last step is older than this many years have their personal
# fields erased by `manage.py personal_data erase` (statistics are kept). PIPL Art. 47.
CASE_RETENTION_YEARS = int(env("JIUZHU_CASE_RETENTION_YEARS", "10"))

# Extra folders of licensed fonts (仿宋_GB2312, 方正小标宋简体, …) for the minutes PDF, e.g.
# JIUZHU_PDF_FONT_DIRS=/srv/jiuzhu/fonts. Never inside static/ (collectstatic would publish them).
PDF_FONT_DIRS = [d for d in (env("JIUZHU_PDF_FONT_DIRS") or "").split(":") if d]


def env_list(name: str) -> list[str]:
    """A colon-separated list of paths (like PATH), empty when unset."""
    return [item for item in (env(name) or "").split(":") if item.strip()]


# The office's digital signature on every issued 纪要 (meetings/signing.py, PAdES with pyHanko):
#   JIUZHU_SIGNING_PKCS12       the office's certificate and private key, a PKCS#12 (.p12/.pfx)
#                               file readable only by the account that runs the app, outside
#                               JIUZHU_MEDIA_ROOT (which goes into backups) and outside static/
#   JIUZHU_SIGNING_PASSPHRASE   its passphrase
#   JIUZHU_SIGNING_TSA_URL      optional: an RFC 3161 time-stamping service (PAdES B-T); without
#                               it the signature is baseline B-B (the signing time is the server's)
#   JIUZHU_SIGNING_TSA_CERTIFICATES       optional: the time-stamping service's certificate(s)
#   JIUZHU_SIGNING_PREVIOUS_CERTIFICATES  optional: the office's earlier certificates (PEM/DER
#                               files), so the 核验 page still accepts files signed before a renewal
# Without a usable certificate nothing can be issued; `check --deploy` reports it.
SIGNING_PKCS12 = env("JIUZHU_SIGNING_PKCS12")
SIGNING_PASSPHRASE = env("JIUZHU_SIGNING_PASSPHRASE", "")
SIGNING_TSA_URL = env("JIUZHU_SIGNING_TSA_URL")
SIGNING_TSA_CERTIFICATES = env_list("JIUZHU_SIGNING_TSA_CERTIFICATES")
SIGNING_PREVIOUS_CERTIFICATES = env_list("JIUZHU_SIGNING_PREVIOUS_CERTIFICATES")

# The 核验 page (meetings:minutes-verify) for people without an account: off by default; an
# intranet that wants any unit's clerk to check a received file sets JIUZHU_VERIFY_PUBLIC=1.
VERIFY_PUBLIC = env_bool("JIUZHU_VERIFY_PUBLIC", False)
# An issued 纪要 is well under 1 MB; anything far larger is not one of ours.
VERIFY_MAX_BYTES = 20 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content Security Policy (Django's own middleware): nothing inline, nothing from elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Sessions end after 2 hours without a request (an office PC left unlocked), and when the
# browser closes: Django's own idle timeout, by saving the session (and so moving its expiry) on
# every request: one small UPDATE per page (the price of not keeping a home-made middleware that
# renewed it every 5 minutes instead). A disabled account is logged out on its next request (ModelBackend.get_user
# refuses inactive users).
SESSION_COOKIE_AGE = int(timedelta(hours=2).total_seconds())
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Background work goes through Django's Tasks framework (django.tasks). The backend is
# django-tasks-db: tasks are rows in this database and `manage.py db_worker` (started by
# `make run` beside the web server) runs them; nothing else to set up.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Several app servers: JIUZHU_TASKS=rq keeps the queue in Redis instead (django-tasks-rq, over
# django-rq and RQ), run by `manage.py rqworker default --job-class django_tasks_rq.Job
# --with-scheduler` on any of them (README.md). JIUZHU_RQ_URL, else JIUZHU_REDIS_URL, names it.
TASKS_ENGINE = env("JIUZHU_TASKS", "db")
if TASKS_ENGINE == "rq":
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {
        "default": {"URL": env("JIUZHU_RQ_URL") or REDIS_URL or "redis://127.0.0.1:6379/0"}
    }
elif TASKS_ENGINE != "db":
    raise ImproperlyConfigured(
        "环境变量 JIUZHU_TASKS 只能是 db（默认，任务存放在数据库中）或 rq（Redis）。"
    )

# E-mail (站内 + 邮件 notifications) through Django 6.1's MAILERS: SMTP from the environment
# (EMAIL_HOST, EMAIL_PORT, EMAIL_USE_TLS / EMAIL_USE_SSL, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD);
# EMAIL_BACKEND=console or file for development (dev.py writes files by default). See README.md.
EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
}


def mailer(kind: str) -> dict:
    if kind == "smtp":
        options = {
            "host": env("EMAIL_HOST", "localhost"),
            "port": int(env("EMAIL_PORT", "25")),
            "username": env("EMAIL_HOST_USER", ""),
            "password": env("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS"),
            "use_ssl": env_bool("EMAIL_USE_SSL"),
            "timeout": int(env("EMAIL_TIMEOUT", "20")),
        }
    elif kind == "file":
        options = {"file_path": env("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))}
    else:
        options = {}
    return {"BACKEND": EMAIL_BACKENDS[kind], "OPTIONS": options}


MAILERS = {"default": mailer(env("EMAIL_BACKEND", "smtp"))}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "社会救助联席会议办公室 <jiuzhu@localhost>")
# Links in e-mail need the site's address (there is no request in the worker).
SITE_URL = env("JIUZHU_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("JIUZHU_LOG_LEVEL", "WARNING")},
}
