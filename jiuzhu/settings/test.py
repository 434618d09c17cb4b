"""The test suite: dev settings with a fast password hasher (tests log in hundreds of times)."""

import tempfile
from pathlib import Path

from .dev import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]

# Uploaded materials and issued PDFs of the test run go to a throwaway folder.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="jiuzhu-test-media-"))

# The test run is one process with one cache, so the shared-cache features are safe here, and
# every test that reads a page after changing data checks that no cached copy outlived the change.
PAGE_CACHE_SECONDS = 60
AUTH_USER_CACHE_SECONDS = 300
