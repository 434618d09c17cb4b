import re

import pytest
from django.urls import reverse

from meetings import services
from tests.factories import approved_minutes, make_item

pytestmark = pytest.mark.django_db


def todo_count(html, label):
    match = re.search(rf"{label}<span class=\"badge[^\"]*\">(\d+)</span>", html)
    assert match, f"{label} not on the page"
    return int(match.group(1))


def test_each_role_sees_what_waits_for_it(client, office, leader, liaison, liaison2):
    make_item(liaison)
    minutes = approved_minutes(office, leader, liaison)
    client.force_login(office)
    html = client.get(reverse("home")).content.decode()
    assert todo_count(html, "待审核的议题") == 1
    assert todo_count(html, "已审签待印发的纪要") == 1
    services.issue_minutes(minutes, by=office)
    client.force_login(liaison2)
    html = client.get(reverse("home")).content.decode()
    assert todo_count(html, "待签收的纪要") == 1
    assert "待审核的议题" not in html
    services.acknowledge(minutes, by=liaison2)
    assert todo_count(client.get(reverse("home")).content.decode(), "待签收的纪要") == 0
    client.force_login(leader)
    assert todo_count(client.get(reverse("home")).content.decode(), "待审签的纪要") == 0
