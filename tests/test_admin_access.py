"""The Django admin: at the path the settings name, reachable only from the staff networks.

In production (jiuzhu.settings.prod) JIUZHU_ADMIN_NETWORKS lists the networks; unset or empty,
the admin is off. X-Forwarded-For counts only from JIUZHU_TRUSTED_PROXIES.
"""

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from tests.test_settings import KEYS

ROOT = Path(__file__).resolve().parent.parent
STAFF = [ipaddress.ip_network("10.12.30.0/24"), ipaddress.ip_network("fd00:12::/64")]
PROXY = [ipaddress.ip_network("127.0.0.1/32")]


def get(client, path, addr, **headers):
    return client.get(path, REMOTE_ADDR=addr, **headers)


@pytest.mark.django_db
@override_settings(ADMIN_NETWORKS=STAFF)
@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/cases/case/"])
def test_the_admin_answers_inside_the_staff_networks(client, path):
    response = get(client, path, "10.12.30.7")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert "/login/" in response["Location"]
    assert get(client, path, "fd00:12::5").status_code in (200, 302)


@pytest.mark.django_db
@override_settings(ADMIN_NETWORKS=STAFF)
@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/cases/case/", "/admin/x"])
def test_outside_the_staff_networks_the_admin_is_a_404(client, path):
    response = get(client, path, "192.0.2.10")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()  # the site's own 404, no admin branding


@pytest.mark.django_db
@override_settings(ADMIN_NETWORKS=STAFF)
def test_a_superuser_outside_the_networks_gets_no_admin_either(client, django_user_model):
    admin = django_user_model.objects.create_superuser("it", password="x-Very-long-1")
    client.force_login(admin)
    assert get(client, "/admin/", "192.0.2.10").status_code == 404
    assert get(client, "/admin/", "10.12.30.7").status_code == 200


@pytest.mark.django_db
@override_settings(ADMIN_NETWORKS=STAFF)
def test_posting_a_password_from_outside_reaches_no_login(client):
    response = client.post(
        "/admin/login/", {"username": "it", "password": "guess"}, REMOTE_ADDR="192.0.2.10"
    )
    assert response.status_code == 404


@pytest.mark.django_db
@override_settings(ADMIN_NETWORKS=[])
def test_with_no_networks_the_admin_is_off(client):
    for addr in ("10.12.30.7", "127.0.0.1", "::1"):
        assert get(client, "/admin/login/", addr).status_code == 404


@pytest.mark.django_db
@override_settings(ADMIN_NETWORKS=STAFF)
def test_the_rest_of_the_site_is_not_affected(client):
    assert get(client, "/accounts/login/", "192.0.2.10").status_code == 200
    assert get(client, "/healthz", "192.0.2.10").status_code == 200


@pytest.mark.django_db
@override_settings(ADMIN_NETWORKS=STAFF, TRUSTED_PROXIES=[])
def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(client):
    spoofed = {"HTTP_X_FORWARDED_FOR": "10.12.30.7"}
    assert get(client, "/admin/login/", "192.0.2.10", **spoofed).status_code == 404
    assert get(client, "/admin/login/", "127.0.0.1", **spoofed).status_code == 404


@pytest.mark.django_db
@override_settings(ADMIN_NETWORKS=STAFF, TRUSTED_PROXIES=PROXY)
def test_behind_a_trusted_proxy_the_address_it_saw_counts(client):
    via_proxy = {"HTTP_X_FORWARDED_FOR": "10.12.30.7"}
    assert get(client, "/admin/login/", "127.0.0.1", **via_proxy).status_code == 200
    # A client that writes a staff address itself: the proxy appends the real one, read first.
    forged = {"HTTP_X_FORWARDED_FOR": "10.12.30.7, 192.0.2.10"}
    assert get(client, "/admin/login/", "127.0.0.1", **forged).status_code == 404
    # Only the trusted proxy's header counts: straight from outside, the header is ignored.
    assert get(client, "/admin/login/", "192.0.2.10", **via_proxy).status_code == 404
    garbage = {"HTTP_X_FORWARDED_FOR": "not-an-address"}
    assert get(client, "/admin/login/", "127.0.0.1", **garbage).status_code == 404


def _prod(code, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIUZHU_"))}
    full_env.update(
        **KEYS,  # production refuses to start without the keys of the personal fields
        DJANGO_SETTINGS_MODULE="jiuzhu.settings.prod",
        DJANGO_SECRET_KEY="k8#Tq2v!mZ0r$Lp7@Xw4^Hn9&Bc1*Fd6(Gs3)Jy5-Ue8=Oa2+Ri0",
        DJANGO_ALLOWED_HOSTS="jiuzhu.example",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
    )


def test_production_without_networks_turns_the_admin_off():
    result = _prod("from django.conf import settings; print(settings.ADMIN_NETWORKS)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_production_reads_the_path_and_the_networks_from_the_environment():
    code = (
        "from django.conf import settings; from django.urls import reverse; "
        "print(reverse('admin:index')); print(settings.ADMIN_NETWORKS)"
    )
    result = _prod(
        code,
        JIUZHU_ADMIN_PATH="/xitong-7f3k/",
        JIUZHU_ADMIN_NETWORKS="10.12.30.0/24, 10.12.31.9",
    )
    assert result.returncode == 0, result.stderr
    path, networks = result.stdout.strip().splitlines()
    assert path == "/xitong-7f3k/"
    assert networks == "[IPv4Network('10.12.30.0/24'), IPv4Network('10.12.31.9/32')]"


def test_production_refuses_a_malformed_network_list():
    result = _prod(
        "from django.conf import settings; print(settings.ADMIN_NETWORKS)",
        JIUZHU_ADMIN_NETWORKS="10.12.30.0/24,intranet",
    )
    assert result.returncode != 0
    assert "JIUZHU_ADMIN_NETWORKS" in result.stderr


def test_production_with_the_admin_configured_passes_the_deployment_checklist(
    office_certificate,
):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIUZHU_"))}
    full_env.update(
        **KEYS,
        JIUZHU_SIGNING_PKCS12=str(office_certificate["path"]),
        JIUZHU_SIGNING_PASSPHRASE=office_certificate["passphrase"],
        DJANGO_SETTINGS_MODULE="jiuzhu.settings.prod",
        DJANGO_SECRET_KEY="k8#Tq2v!mZ0r$Lp7@Xw4^Hn9&Bc1*Fd6(Gs3)Jy5-Ue8=Oa2+Ri0",
        DJANGO_ALLOWED_HOSTS="jiuzhu.example",
        JIUZHU_ADMIN_PATH="xitong-7f3k/",
        JIUZHU_ADMIN_NETWORKS="10.12.30.0/24",
        JIUZHU_TRUSTED_PROXIES="127.0.0.1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
