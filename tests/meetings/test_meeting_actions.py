"""The meeting and agenda item pages offer an action exactly when its service would accept it.

Each state is reached through the services; for every role the set the page offers
(meetings.permissions.meeting_actions / item_actions) is compared with the set of calls the
service accepts (each tried in a transaction that is rolled back).
"""

import datetime

import pytest
import time_machine
from django.db import transaction

from meetings import permissions as perms
from meetings import services
from meetings.models import AgendaItem, Meeting
from tests.factories import approve_minutes_of, aware, make_item, make_meeting


class Rollback(Exception):
    pass


def accepted(call, *args) -> bool:
    try:
        with transaction.atomic():
            call(*args)
            raise Rollback
    except Rollback:
        return True
    except services.MeetingsError:
        return False


def _rows(meeting):
    return [(a.pk, a.status, "", "") for a in meeting.attendances.filter(seat__isnull=False)]


MEETING_CALLS = {
    "edit": lambda m, u: services.update_meeting(
        m,
        services.MeetingData(
            kind=m.kind,
            title=m.title,
            starts_at=m.starts_at,
            place=m.place or "会议室",
            convener_seat=m.convener_seat,
            invited_units=list(m.invited_units.all()),
            opinion_deadline=m.opinion_deadline,
        ),
        by=u,
    ),
    "notify": lambda m, u: services.notify_meeting(m, by=u),
    "hold": lambda m, u: services.hold_meeting(m, by=u),
    "cancel": lambda m, u: services.cancel_meeting(m, by=u),
    "attendance": lambda m, u: services.record_attendance(m, _rows(m), by=u),
    "observer": lambda m, u: services.add_observer(m, by=u, name="李明", post="旗民政局副局长"),
    "draft-minutes": lambda m, u: services.create_minutes(m, by=u),
    "opinion": lambda m, u: services.record_opinion(m, by=u, choice="agree"),
}

NOW = aware(2026, 6, 3, 10)


def _meeting_in(state, kind, office, liaison, leader=None):
    starts = (
        aware(2026, 6, 5) if state in ("draft", "empty", "notified-early") else aware(2026, 6, 1)
    )
    kw = {"starts_at": starts}
    if kind == "written":
        kw["opinion_deadline"] = aware(2026, 6, 2) if state == "late" else aware(2026, 6, 10)
    meeting = make_meeting(office, kind=kind, **kw)
    if state == "empty":
        return meeting
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    services.schedule_item(item, by=office, meeting=meeting)
    if state == "draft":
        return meeting
    services.notify_meeting(meeting, by=office)
    if state in ("notified-early", "notified", "late"):
        return meeting
    services.hold_meeting(meeting, by=office)
    if state == "held":
        return meeting
    if state == "with-minutes":
        services.create_minutes(meeting, by=office)
        return meeting
    if state == "closed":  # the minutes issued: the meeting ends by itself
        services.issue_minutes(approve_minutes_of(meeting, office, leader), by=office)
        meeting.refresh_from_db()
        assert meeting.status == Meeting.Status.CLOSED
        return meeting
    raise AssertionError(state)


STATES = ["empty", "draft", "notified-early", "notified", "late", "held", "with-minutes", "closed"]


# Only a written review has an opinion deadline to be late for.
CASES = [(s, "special") for s in STATES if s != "late"] + [(s, "written") for s in STATES]


@pytest.mark.parametrize(("state", "kind"), CASES)
def test_the_meeting_page_offers_exactly_what_the_services_accept(
    state, kind, office, leader, liaison, liaison2, member
):
    with time_machine.travel(NOW, tick=False):
        meeting = _meeting_in(state, kind, office, liaison, leader)
        for user in (office, leader, liaison, liaison2, member):
            meeting = Meeting.objects.get(pk=meeting.pk)
            offered = perms.meeting_actions(user, meeting)
            works = {
                name
                for name, call in MEETING_CALLS.items()
                if accepted(call, Meeting.objects.get(pk=meeting.pk), user)
            }
            assert offered == works, (user.username, state, kind)


def test_a_meeting_before_its_time_says_why_it_cannot_be_marked_held(office, liaison, client):
    with time_machine.travel(NOW, tick=False):
        meeting = _meeting_in("notified-early", "special", office, liaison)
        client.force_login(office)
        page = client.get(meeting.get_absolute_url()).content.decode()
    assert "会议开始后才能标记为已召开。" in page
    assert "标记为已召开</button>" not in page


def test_a_held_meeting_offers_attendance_also_when_closed(office, leader, liaison, client):
    with time_machine.travel(NOW, tick=False):
        meeting = _meeting_in("closed", "special", office, liaison, leader)
        client.force_login(office)
        page = client.get(meeting.get_absolute_url()).content.decode()
    assert "登记出席情况" in page and "起草纪要" not in page
    assert "已结束：</strong>会议纪要已印发，会议结束" in page
    assert "结束会议" not in page


@pytest.mark.parametrize(
    ("state", "kind", "says"),
    [
        ("draft", "special", "参会单位还看不到这次会议"),
        ("notified", "special", "会议开始后由办公室标记为已召开"),
        ("notified", "written", "截止后由办公室结束审议"),
        ("held", "special", "办公室起草纪要，经领导审签后印发"),
        ("held", "written", "书面审议已结束，意见已汇总"),
    ],
)
def test_the_meeting_page_says_what_its_state_means(state, kind, says, office, liaison, client):
    with time_machine.travel(NOW, tick=False):
        meeting = Meeting.objects.get(pk=_meeting_in(state, kind, office, liaison).pk)
        client.force_login(office)
        page = client.get(meeting.get_absolute_url()).content.decode()
    assert meeting.status == state
    assert f"{meeting.get_status_display()}：</strong>" in page and says in page


def test_issuing_the_minutes_ends_the_meeting_and_records_it(office, leader, liaison):
    with time_machine.travel(NOW, tick=False):
        meeting = _meeting_in("held", "special", office, liaison)
        minutes = approve_minutes_of(meeting, office, leader)
        assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.HELD
        services.issue_minutes(minutes, by=office)
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.status == Meeting.Status.CLOSED and meeting.status_changed_at == NOW
    assert meeting.history.first().status == Meeting.Status.CLOSED


ITEM_CALLS = {
    "edit": lambda i, u: services.update_item(
        i, by=u, version=i.version, title=i.title, background="补充", proposal=i.proposal
    ),
    "withdraw": lambda i, u: services.withdraw_item(i, by=u),
    "review": lambda i, u: services.review_item(i, by=u, action="accept"),
    "schedule": lambda i, u: services.schedule_item(
        i, by=u, meeting=make_meeting(u, starts_at=aware(2026, 7, 1))
    ),
}


def _item_in(state, office, liaison):
    item = make_item(liaison)
    if state == AgendaItem.Status.SUBMITTED:
        return item
    if state == AgendaItem.Status.RETURNED:
        services.review_item(item, by=office, action="return", comment="请补充材料")
    elif state == AgendaItem.Status.REJECTED:
        services.review_item(item, by=office, action="reject", comment="不属于本会议")
    elif state == AgendaItem.Status.WITHDRAWN:
        services.withdraw_item(item, by=liaison)
    else:
        services.review_item(item, by=office, action="accept")
        if state == AgendaItem.Status.SCHEDULED:
            meeting = make_meeting(office, starts_at=aware(2026, 6, 20))
            services.schedule_item(item, by=office, meeting=meeting)
    return item


@pytest.mark.parametrize(
    "state",
    [
        AgendaItem.Status.SUBMITTED,
        AgendaItem.Status.RETURNED,
        AgendaItem.Status.REJECTED,
        AgendaItem.Status.WITHDRAWN,
        AgendaItem.Status.ACCEPTED,
        AgendaItem.Status.SCHEDULED,
    ],
)
def test_the_item_page_offers_exactly_what_the_services_accept(
    state, office, leader, liaison, liaison2, member
):
    with time_machine.travel(datetime.datetime(2026, 6, 3, 2, tzinfo=datetime.UTC), tick=False):
        item = _item_in(state, office, liaison)
        for user in (office, leader, liaison, liaison2, member):
            item = AgendaItem.objects.get(pk=item.pk)
            offered = perms.item_actions(user, item)
            works = set()
            for name, call in ITEM_CALLS.items():
                # Making the meeting to schedule on needs the office; others are refused anyway.
                if name == "schedule" and not perms.can_manage_meetings(user):
                    ok = accepted(
                        lambda i, u: services.schedule_item(
                            i, by=u, meeting=Meeting.objects.order_by("pk").last()
                        ),
                        AgendaItem.objects.get(pk=item.pk),
                        user,
                    )
                else:
                    ok = accepted(call, AgendaItem.objects.get(pk=item.pk), user)
                if ok:
                    works.add(name)
            assert offered == works, (user.username, state)
