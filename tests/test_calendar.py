"""The calendar: meetings and deadlines within what the user may see, a month and a week view,
and a personal iCalendar feed at a secret URL that the user can renew."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from cases import services as cases_services
from cases.identity import make_id
from duties import services as duties_services
from duties.models import Task
from meetings import services
from members.models import CalendarFeed, Unit
from tests.factories import make_item, make_meeting

pytestmark = pytest.mark.django_db


def unit(name):
    return Unit.objects.get(name=name)


@pytest.fixture
def world(office, liaison):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(
        office,
        title="十月专题会议",
        units=("旗民政局",),
        starts_at=timezone.make_aware(datetime.datetime(2026, 10, 13, 15)),
    )
    services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    duties_services.create_task(
        title="民政局的事项",
        source=Task.Source.OFFICE,
        lead_unit=unit("旗民政局"),
        deadline=datetime.date(2026, 10, 20),
        by=office,
    )
    duties_services.create_task(
        title="教体局的事项",
        source=Task.Source.OFFICE,
        lead_unit=unit("旗教体局"),
        deadline=datetime.date(2026, 10, 21),
        by=office,
    )
    case = cases_services.register_case(
        cases_services.CaseData(
            applicant="王小五",
            id_number=make_id("152627", datetime.date(1970, 1, 1), 11),
            phone="13900001111",
            town=unit("札萨克镇"),
            address="札萨克镇某村",
            category="illness",
            facts="因病致困",
            requested_help="医疗救助",
            found_by="active",
        ),
        by=office,
    )
    return {"meeting": meeting, "case": case}


def test_the_month_shows_what_the_user_may_see(client, world, liaison, liaison2):
    client.force_login(liaison)
    page = client.get(reverse("calendar") + "?month=2026-10").content.decode()
    assert "日历 · 2026年10月" in page
    assert "十月专题会议" in page and "15:00" in page and "督办时限：民政局的事项" in page
    assert "教体局的事项" not in page and "王" not in page.split("日历 · ")[1].split("订阅")[0]
    client.force_login(liaison2)
    page = client.get(reverse("calendar") + "?month=2026-10").content.decode()
    assert "十月专题会议" not in page and "督办时限：教体局的事项" in page


def test_the_week_view_and_bad_input(client, world, office):
    client.force_login(office)
    page = client.get(reverse("calendar") + "?week=2026-10-14").content.decode()
    assert "2026年10月12日 — 10月18日" in page and "十月专题会议" in page
    assert "民政局的事项" not in page  # the 20th is next week
    for bad in ("?week=xx", "?month=2026-13", "?month=99999-1", "?week=0001-01-01"):
        assert client.get(reverse("calendar") + bad).status_code == 200


def test_the_feed_parses_and_a_renewed_secret_refuses_the_old_url(client, world, liaison):
    client.force_login(liaison)
    client.post(reverse("calendar-feed-renew"))
    old = CalendarFeed.objects.get(user=liaison).token
    client.logout()  # a calendar program has no session
    url = reverse("calendar-feed", args=[old])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"十月专题会议", "督办时限：民政局的事项"}
    meeting = events["十月专题会议"]
    assert meeting.decoded("dtstart") == world["meeting"].starts_at
    assert str(meeting["location"]) == "旗政府第一会议室"
    assert events["督办时限：民政局的事项"].decoded("dtstart") == datetime.date(2026, 10, 20)
    assert "王小五" not in response.content.decode() and "急难" not in response.content.decode()
    client.force_login(liaison)
    client.post(reverse("calendar-feed-renew"))
    new = CalendarFeed.objects.get(user=liaison).token
    client.logout()
    assert new != old
    assert client.get(url).status_code == 404
    assert client.get(reverse("calendar-feed", args=[new])).status_code == 200


def test_a_disabled_account_or_a_guessed_secret_gets_nothing(client, world, liaison):
    assert client.get(reverse("calendar-feed", args=["guess"])).status_code == 404
    CalendarFeed.objects.create(user=liaison, token="t" * 43)
    liaison.is_active = False
    liaison.save()
    assert client.get(reverse("calendar-feed", args=["t" * 43])).status_code == 404
