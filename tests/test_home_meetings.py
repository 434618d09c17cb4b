"""A unit's home lists the meetings it is invited to that are still ahead."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from tests.factories import make_item, make_meeting

pytestmark = pytest.mark.django_db


def notified(office, liaison, title, starts_at, **kw):
    item = make_item(liaison, title=f"{title}的议题")
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office, title=title, starts_at=starts_at, **kw)
    services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    return meeting


def section(html):
    start = html.index('id="cm-h"')
    return html[start : html.index("</section>", start)]


def test_a_liaison_sees_the_coming_meetings_of_its_unit_with_time_place_and_kind(
    client, office, liaison, liaison2, member
):
    now = timezone.now()
    soon = notified(office, liaison, "低保工作专题会", now + datetime.timedelta(days=3))
    notified(office, liaison, "已开过的会", now - datetime.timedelta(days=3))
    make_meeting(office, title="尚未通知的会", starts_at=now + datetime.timedelta(days=5))
    client.force_login(liaison)
    html = section(client.get(reverse("home")).content.decode())
    assert "低保工作专题会" in html and soon.get_absolute_url() in html
    assert timezone.localtime(soon.starts_at).strftime("%Y年%-m月%-d日 %H:%M") in html
    assert "旗政府第一会议室" in html and "专题会议" in html
    assert "已开过的会" not in html and "尚未通知的会" not in html
    # 教体局 is invited too; 财政局 (member's unit) is not.
    client.force_login(liaison2)
    assert "低保工作专题会" in section(client.get(reverse("home")).content.decode())
    client.force_login(member)
    assert "暂无已通知的会议" in section(client.get(reverse("home")).content.decode())


def test_the_office_home_has_no_such_list(client, office):
    client.force_login(office)
    assert 'id="cm-h"' not in client.get(reverse("home")).content.decode()


def test_a_written_review_shows_whether_the_unit_owes_its_opinion(client, office, liaison):
    now = timezone.now()
    review = notified(
        office,
        liaison,
        "书面审议低保方案",
        now + datetime.timedelta(days=1),
        kind="written",
        opinion_deadline=now + datetime.timedelta(days=4),
    )
    client.force_login(liaison)
    assert "待填报意见" in section(client.get(reverse("home")).content.decode())
    services.record_opinion(review, by=liaison, choice="agree", text="")
    assert "本单位已填报意见" in section(client.get(reverse("home")).content.decode())
