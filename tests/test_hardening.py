"""Hardening: login throttling, sessions, CSP, error pages, history of personal data."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def attempt(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_without_hashing_again(client, office, monkeypatch):
    for _ in range(4):
        response = attempt(client, "office", "wrong")
        assert response.status_code == 200 and "请输入一个正确的" in response.content.decode()
    assert attempt(client, "office", "wrong").status_code == 429  # the fifth locks
    calls = []
    original = ModelBackend.authenticate
    monkeypatch.setattr(
        ModelBackend,
        "authenticate",
        lambda self, *a, **kw: calls.append(1) or original(self, *a, **kw),
    )
    response = attempt(client, "office", PASSWORD)  # even the right password is refused now
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录已暂时锁定" in html and "约 15 分钟" in html
    assert calls == []  # refused before the password hasher ran
    assert "_auth_user_id" not in client.session


def test_the_office_lifts_a_lock(client, office, member):
    for _ in range(5):
        attempt(client, "member", "wrong")
    assert attempt(client, "member", PASSWORD).status_code == 429
    lock = AccessAttempt.objects.get(username="member")
    admin = Client()
    admin.force_login(office)
    assert "member" in admin.get(reverse("members:lockout-list")).content.decode()
    admin.post(reverse("members:lockout-reset", args=[lock.pk]))
    assert attempt(client, "member", PASSWORD).status_code == 302  # logged in


def test_a_lock_is_per_account_and_address(client, office, member):
    for _ in range(5):
        attempt(client, "member", "wrong")
    assert attempt(client, "office", PASSWORD).status_code == 302  # another account still works


def test_a_disabled_account_is_logged_out_on_its_next_request(client, office):
    client.force_login(office)
    assert client.get("/").status_code == 200
    office.is_active = False
    office.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_sessions_idle_out_after_two_hours_and_requests_renew_them(client, office, settings):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(office)
    key = client.session.session_key

    def minutes_left():
        return (Session.objects.get(pk=key).expire_date - timezone.now()).total_seconds() / 60

    Session.objects.filter(pk=key).update(
        expire_date=timezone.now() + timezone.timedelta(minutes=5)
    )
    response = client.get("/")
    assert 118 < minutes_left() <= 120  # renewed by the request: two hours from now
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]

    Session.objects.filter(pk=key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    assert client.get("/").status_code == 302  # idle too long: back to the login page


def test_the_health_check_of_a_load_balancer_costs_no_query(client, office):
    """A load balancer sends no session cookie. (A signed-in browser's request renews its
    session, /healthz included: SESSION_SAVE_EVERY_REQUEST is Django's idle timeout.)"""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/healthz").status_code == 200
    assert ctx.captured_queries == []


def test_every_html_page_carries_a_strict_csp(client, office):
    client.force_login(office)
    for url in (
        "/",
        "/members/",
        "/duties/",
        "/duties/tasks/",
        "/meetings/",
        "/cases/",
        LOGIN,
        "/nope/",
    ):
        response = client.get(url, follow=True)
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy, url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert "frame-ancestors 'none'" in policy


def test_error_pages_are_chinese_and_reveal_nothing(client, office, settings):
    settings.DEBUG = False
    client.force_login(office)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "Traceback" not in html and "urlpatterns" not in html
    response = client.get("/", HTTP_HOST="evil.example:bad port")
    assert response.status_code == 400 and "请求有误" in response.content.decode()


def test_a_database_outage_shows_a_chinese_503(client, office, monkeypatch):
    client.force_login(office)

    def down(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("members.views.roster_on", down)
    client.raise_request_exception = False
    response = client.get("/members/")
    assert response.status_code == 503
    html = response.content.decode()
    assert "数据库暂时无法连接" in html and "Connection refused" not in html


def test_a_500_page_is_chinese(client, office, monkeypatch):
    client.force_login(office)
    monkeypatch.setattr("members.views.roster_on", lambda *a, **k: 1 / 0)
    client.raise_request_exception = False
    response = client.get("/members/")
    assert response.status_code == 500
    assert (
        "系统出错" in response.content.decode() and "ZeroDivision" not in response.content.decode()
    )


@pytest.mark.parametrize("persona", ["office", "leader", "liaison", "member"])
def test_history_is_not_reachable_through_the_admin_by_any_role(client, personas, persona):
    client.force_login(personas[persona])
    for url in (
        "/admin/cases/case/",
        "/admin/cases/case/1/history/",
        "/admin/members/tenure/1/history/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_attachments_download_as_attachments(client, liaison):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import make_item

    item = make_item(liaison, files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")])
    client.force_login(liaison)
    url = reverse("meetings:material-download", args=[item.pk, item.materials.get().pk])
    response = client.get(url)
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 x"


@pytest.mark.parametrize("username", ["长" * 5000, "a\x00b", "x" * 151, ""])
def test_any_username_typed_at_login_is_refused_without_an_error(client, charter, username):
    """PostgreSQL refuses NUL characters and over-long values: the throttle records a clean name."""
    response = attempt(client, username, "whatever")
    assert response.status_code == 200
    for recorded in AccessAttempt.objects.values_list("username", flat=True):
        assert "\x00" not in recorded and len(recorded) <= 150
