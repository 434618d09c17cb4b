"""Local development: `make run`. DEBUG on, a fixed local-only secret key, localhost only."""

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "django-insecure-jiuzhu-local-development-only"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# Mail in development is written to files under sent-mail/ (one .log file per connection);
# EMAIL_BACKEND=console prints it instead, EMAIL_BACKEND=smtp uses EMAIL_HOST etc.
MAILERS = {"default": mailer(env("EMAIL_BACKEND", "file"))}  # noqa: F405
