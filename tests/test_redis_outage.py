"""Redis holds sessions only (cached_db), and its outage is a cache miss, not an error page.

A real redis-server of the test's own is started on a free port and killed mid-test.
"""

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.urls import reverse

from tests.factories import PASSWORD


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_server():
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: scripts/install-system-deps test installs it"
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield process, client, port
    process.kill()
    process.wait()


@pytest.fixture
def redis_sessions(settings, redis_server):
    process, client, port = redis_server
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    return process, client


PAGES = ["home", "members:roster", "duties:catalogue", "meetings:meeting-list"]


def test_pages_keep_working_and_nobody_is_logged_out_when_redis_goes_down(
    client, office, redis_sessions
):
    process, redis_client = redis_sessions
    response = client.post(reverse("login"), {"username": "office", "password": PASSWORD})
    assert response.status_code == 302
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200
    keys = redis_client.keys("*")
    assert keys and all(b"session" in key for key in keys)  # sessions, and nothing rendered

    process.kill()
    process.wait()
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name  # the session read from the database
        assert "office" in response.content.decode()

    client.logout()
    response = client.post(reverse("login"), {"username": "office", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_no_rendered_page_is_written_to_the_cache(client, office, liaison, redis_sessions):
    _, redis_client = redis_sessions
    for user in (office, liaison):
        client.force_login(user)
        for name in PAGES:
            assert client.get(reverse(name)).status_code == 200
    values = [redis_client.get(key) or b"" for key in redis_client.keys("*")]
    assert values and not [v for v in values if b"<html" in v or "旗民政局".encode() in v]


def test_a_restore_forgets_only_this_apps_cached_sessions(client, office, settings, redis_server):
    from jiuzhu.management.commands.restore import forget_cached_sessions

    _, redis_client, port = redis_server
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "jiuzhu",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client.post(reverse("login"), {"username": "office", "password": PASSWORD})
    redis_client.set("another-program:key", "kept")
    assert any(k.startswith(b"jiuzhu:") for k in redis_client.keys("*"))
    forget_cached_sessions()
    assert redis_client.keys("*") == [b"another-program:key"]
