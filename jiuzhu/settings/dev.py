"""Local development: `make run`. DEBUG on, a fixed local-only secret key, localhost only."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATA_KEY_FILE, env

DEBUG = True
SECRET_KEY = "django-insecure-jiuzhu-local-development-only"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# The keys of the personal fields: made into this gitignored file on first use (cases/crypto.py).
DATA_KEY_FILE = DATA_KEY_FILE or str(BASE_DIR / ".jiuzhu-keys.json")
DATA_KEY_FILE_CREATE = True

# Mail in development is written to files under sent-mail/ (one .log file per connection);
# EMAIL_BACKEND=console prints it instead, EMAIL_BACKEND=smtp uses EMAIL_HOST etc.
MAILERS = {"default": mailer(env("EMAIL_BACKEND", "file"))}  # noqa: F405

# `make run` creates a self-signed demonstration certificate for the office here, once
# (`manage.py demo_certificate`; var/ is not in git). Demonstration only: a deployment sets
# JIUZHU_SIGNING_PKCS12 and JIUZHU_SIGNING_PASSPHRASE to the office's real certificate.
SIGNING_PKCS12 = env("JIUZHU_SIGNING_PKCS12", str(BASE_DIR / "var" / "signing" / "office-demo.p12"))
SIGNING_PASSPHRASE = env("JIUZHU_SIGNING_PASSPHRASE", "jiuzhu-demo")  # noqa: S105
