"""The test suite: dev settings with a fast password hasher (tests log in hundreds of times)."""

import tempfile
from pathlib import Path

from .dev import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]

# Uploaded materials and issued PDFs of the test run go to a throwaway folder.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="jiuzhu-test-media-"))

# Never the demo certificate: tests/conftest.py makes one for the run (tests/certificates.py).
SIGNING_PKCS12 = None
SIGNING_PASSPHRASE = ""
SIGNING_TSA_URL = None
