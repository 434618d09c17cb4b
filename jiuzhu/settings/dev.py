"""Local development: `make run`. DEBUG on, a fixed local-only secret key, localhost only."""

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "django-insecure-jiuzhu-local-development-only"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
