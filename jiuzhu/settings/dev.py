"""Local development: `make run`. DEBUG on, a fixed local-only secret key, localhost only."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = True
SECRET_KEY = "django-insecure-jiuzhu-local-development-only"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# `make run` creates a self-signed demonstration certificate for the office here, once
# (`manage.py demo_certificate`; var/ is not in git). Demonstration only: a deployment sets
# JIUZHU_SIGNING_PKCS12 and JIUZHU_SIGNING_PASSPHRASE to the office's real certificate.
SIGNING_PKCS12 = env("JIUZHU_SIGNING_PKCS12", str(BASE_DIR / "var" / "signing" / "office-demo.p12"))
SIGNING_PASSPHRASE = env("JIUZHU_SIGNING_PASSPHRASE", "jiuzhu-demo")  # noqa: S105
