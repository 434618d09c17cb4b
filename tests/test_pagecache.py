"""Cached pages (jiuzhu/pagecache.py) and the cached signed-in user (members/backends.py).

The test settings turn both on (one process, one cache), so every other test that reads a page
after changing data also checks that no cached copy outlived the change. These tests check the
mechanism itself: what is kept, what moves a generation on, what is never shared.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import AccessLog
from duties import services as duties_services
from duties.models import Task
from jiuzhu import pagecache
from meetings.models import AgendaItem
from members.models import Unit
from members.permissions import Role
from tests.factories import make_item

pytestmark = pytest.mark.django_db
LEDGER = "/duties/tasks/"


def task(office, title="冬季取暖补贴发放", unit="旗民政局", days=10):
    return duties_services.create_task(
        title=title,
        source=Task.Source.OFFICE,
        lead_unit=Unit.objects.get(name=unit),
        responsible_units=[],
        deadline=timezone.localdate() + datetime.timedelta(days=days),
        by=office,
    )


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_a_page_seen_before_is_served_from_the_cache_until_its_data_changes(client, office):
    task(office, "第一件事项")
    client.force_login(office)
    first, n_first = queries(client, LEDGER)
    again, n_again = queries(client, LEDGER)
    assert "第一件事项" in first and n_again < n_first and n_again == 1  # the session alone
    task(office, "第二件事项")  # a write to duties: the ledger's generation moves on
    after, _ = queries(client, LEDGER)
    assert "第二件事项" in after


def test_a_queryset_update_behind_the_services_also_counts_as_a_change(client, office):
    t = task(office, "原来的标题")
    client.force_login(office)
    assert "原来的标题" in queries(client, LEDGER)[0]
    Task.objects.filter(pk=t.pk).update(title="改过的标题")
    assert "改过的标题" in queries(client, LEDGER)[0]


def test_a_write_moves_on_only_its_own_app(office, liaison):
    before = dict(zip(pagecache.APPS, pagecache.generations(pagecache.APPS), strict=True))
    make_item(liaison)  # meetings
    after = dict(zip(pagecache.APPS, pagecache.generations(pagecache.APPS), strict=True))
    assert after["meetings"] > before["meetings"]
    assert after["duties"] == before["duties"] and after["cases"] == before["cases"]


def test_sessions_throttling_and_the_access_log_move_nothing_on(client, office):
    from cases.models import Case

    before = pagecache.generations(pagecache.APPS)
    client.force_login(office)  # a session row, the user's last_login (members) …
    before = pagecache.generations(pagecache.APPS)
    client.get(LEDGER)  # … the session's renewal
    client.post(reverse("login"), {"username": "office", "password": "wrong"})  # axes
    AccessLog.objects.bulk_create([])  # nothing
    assert pagecache.generations(pagecache.APPS) == before
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_accesslog WHERE id < 0")
    assert pagecache.generations(pagecache.APPS) == before
    assert Case.objects.count() == 0


def test_the_csrf_token_of_a_cached_page_is_the_requests_own(office, liaison):
    t = task(office, "需要反馈的事项")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(liaison)
    url = t.get_absolute_url()
    browser.get(url)
    html, n = queries(browser, url)  # from the cache
    assert n <= 2
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert "__jiuzhu_csrf_token__" not in html
    response = browser.post(
        reverse("duties:task-feedback", args=[t.pk]),
        {"csrfmiddlewaretoken": token, "text": "已完成摸底。", "date": timezone.localdate()},
    )
    assert response.status_code == 302  # accepted: the token matched this browser's secret
    assert t.feedback.filter(text="已完成摸底。").exists()


def test_the_message_after_a_post_is_shown_even_on_a_cached_page(client, office, liaison):
    t = task(office, "需要反馈的事项")
    client.force_login(liaison)
    client.get(t.get_absolute_url())
    response = client.post(
        reverse("duties:task-feedback", args=[t.pk]),
        {"text": "", "date": timezone.localdate()},  # refused: nothing written
        follow=True,
    )
    assert "请填写进展情况" in response.content.decode()
    assert "请填写进展情况" not in client.get(t.get_absolute_url()).content.decode()


def test_users_never_share_a_cached_page(client, office, liaison, liaison2):
    task(office, "民政局的事项", unit="旗民政局")
    task(office, "教体局的事项", unit="旗教体局")
    client.force_login(liaison)
    mine = client.get(LEDGER).content.decode()
    client.force_login(liaison2)
    theirs = client.get(LEDGER).content.decode()
    assert "民政局的事项" in mine and "教体局的事项" not in mine
    assert "教体局的事项" in theirs and "民政局的事项" not in theirs


def test_the_role_is_checked_before_the_cache(client, office):
    client.force_login(office)
    assert client.get(reverse("cases:case-list")).status_code == 200
    office.groups.set([])  # no role left: every page refuses
    assert client.get(reverse("cases:case-list")).status_code == 403
    office.groups.set([Group.objects.get(name=Role.MEMBER.value)])
    assert client.get(reverse("cases:case-list")).status_code == 200


def test_an_item_changed_by_its_liaison_shows_at_once_to_the_office(client, office, liaison):
    item = make_item(liaison, title="初稿标题")
    client.force_login(office)
    assert "初稿标题" in client.get(reverse("meetings:item-list")).content.decode()
    AgendaItem.objects.filter(pk=item.pk).update(title="改后的标题")
    assert "改后的标题" in client.get(reverse("meetings:item-list")).content.decode()


def test_a_changed_password_ends_the_cached_users_sessions(client, office):
    client.force_login(office)
    assert client.get(LEDGER).status_code == 200
    office.set_password("another-long-password-2026")
    office.save()
    assert client.get(LEDGER).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_in_a_real_transaction_the_generation_moves_on_at_the_commit(charter):
    from django.contrib.auth import get_user_model

    before = pagecache.generations(["members"])
    with transaction.atomic():
        get_user_model().objects.create(username="someone")
        with transaction.atomic():
            Unit.objects.filter(name="旗民政局").update(short_name="民政局")
        assert pagecache.generations(["members"]) == before  # not yet: nothing is committed
    assert pagecache.generations(["members"]) > before
    # A rolled-back transaction changed nothing, and moves nothing on.
    before = pagecache.generations(["members"])
    with pytest.raises(RuntimeError), transaction.atomic():
        get_user_model().objects.create(username="nobody")
        raise RuntimeError
    assert pagecache.generations(["members"]) == before


def test_an_unreachable_redis_is_a_cache_miss_and_pages_still_render(client, office, settings):
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "jiuzhu.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    assert cache.get("anything") is None and cache.get_many(["a", "b"]) == {}
    cache.set("anything", 1)
    with pytest.raises(ValueError):
        cache.incr("anything")
    task(office, "照常显示的事项")
    client.force_login(office)
    for _ in range(2):
        response = client.get(LEDGER)
        assert response.status_code == 200 and "照常显示的事项" in response.content.decode()


def test_a_page_that_used_its_csp_nonce_is_not_kept(rf, office):
    from django.http import HttpResponse
    from django.middleware.csp import ContentSecurityPolicyMiddleware

    from jiuzhu.pagecache import cached_page

    calls = []

    @cached_page("members")
    def view(request):
        calls.append(1)
        return HttpResponse(f'<script nonce="{request._csp_nonce}"></script>')

    for _ in range(2):
        request = rf.get("/x/")
        request.user = office
        request.session = {}
        request._messages = []
        ContentSecurityPolicyMiddleware(view)(request)
    assert len(calls) == 2
