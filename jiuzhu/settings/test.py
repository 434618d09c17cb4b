"""The test suite: dev settings with a fast password hasher (tests log in hundreds of times)."""

import tempfile
from pathlib import Path

from .dev import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]

# Uploaded materials and issued PDFs of the test run go to a throwaway folder.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="jiuzhu-test-media-"))

# Fixed keys of the personal fields (cases/crypto.py), so the suite never makes a key file.
DATA_KEYS = ["H7QjViOK0-C0BbKTi-UglGiEu1PeLo-w_hkTQi_sFrQ="]
SEARCH_KEY = "test-search-key-0123456789abcdef"  # noqa: S105
DATA_KEY_FILE = None
DATA_KEY_FILE_CREATE = False

# Never the demo certificate: tests/conftest.py makes one for the run (tests/certificates.py).
SIGNING_PKCS12 = None
SIGNING_PASSPHRASE = ""
SIGNING_TSA_URL = None
