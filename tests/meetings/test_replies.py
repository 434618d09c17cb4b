"""会议回执: each invited unit answers (attend, delegate, leave) until the end of the day before the
meeting; the office sees who has not; the attendance starts from the replies; a reminder goes to
the units that have not answered two days before."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from jiuzhu.reminders import send_reminders
from meetings import services
from meetings.models import Attendance, Reply
from members.models import Notification, Seat
from tests.factories import make_item, make_meeting

pytestmark = pytest.mark.django_db

MEETING_AT = datetime.datetime(2026, 10, 15, 9)  # a Thursday


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


@pytest.fixture
def meeting(office, liaison):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    with time_machine.travel(at(2026, 10, 8, 9)):
        meeting = make_meeting(
            office,
            units=("旗民政局", "旗教体局", "旗财政局"),
            starts_at=timezone.make_aware(MEETING_AT),
        )
        services.schedule_item(item, by=office, meeting=meeting)
        services.notify_meeting(meeting, by=office)
    return meeting


def test_a_unit_replies_and_changes_its_reply_until_the_deadline(meeting, liaison):
    with time_machine.travel(at(2026, 10, 9, 10)):
        services.record_reply(meeting, by=liaison, answer="leave", reason="外出学习")
        services.record_reply(
            meeting, by=liaison, answer="delegate", delegate_name="李四", delegate_post="副局长"
        )
    reply = Reply.objects.get()
    assert (reply.answer, reply.delegate_name, reply.reason) == ("delegate", "李四", "")
    with (
        time_machine.travel(at(2026, 10, 15, 0, 0)),
        pytest.raises(services.MeetingsError, match="已过回执截止时间"),
    ):
        services.record_reply(meeting, by=liaison, answer="attend")


@pytest.mark.parametrize(
    "kw, error",
    [
        ({"answer": "delegate", "delegate_name": "李四"}, "受委托人姓名和职务"),
        ({"answer": "leave"}, "请写明事由"),
        ({"answer": "maybe"}, "请选择出席、委托出席或请假"),
    ],
)
def test_bad_replies_are_refused_in_chinese(meeting, liaison, kw, error):
    with (
        time_machine.travel(at(2026, 10, 9, 10)),
        pytest.raises(services.MeetingsError, match=error),
    ):
        services.record_reply(meeting, by=liaison, **kw)
    assert Reply.objects.count() == 0


def test_a_unit_not_invited_cannot_reply(meeting, liaison2, office):
    meeting.invited_units.remove(meeting.invited_units.get(name="旗教体局"))
    with time_machine.travel(at(2026, 10, 9, 10)), pytest.raises(services.MeetingsError):
        services.record_reply(meeting, by=liaison2, answer="attend")


def test_the_office_sees_who_has_not_answered(client, meeting, office, liaison):
    with time_machine.travel(at(2026, 10, 9, 10)):
        client.force_login(liaison)
        response = client.post(
            reverse("meetings:meeting-reply", args=[meeting.pk]),
            {"answer": "leave", "reason": "外出学习"},
        )
        assert response.status_code == 302
        page = client.get(meeting.get_absolute_url()).content.decode()
        assert "本单位回执" in page and "修改本单位回执" in page
        client.force_login(office)
        page = client.get(meeting.get_absolute_url()).content.decode()
    assert "会议回执（1/3 个单位已答复" in page
    assert "旗民政局：<strong>请假</strong> — 外出学习" in page
    assert page.count(">未答复<") == 2


def test_the_attendance_starts_from_the_replies(meeting, office, liaison):
    with time_machine.travel(at(2026, 10, 9, 10)):
        services.record_reply(
            meeting, by=liaison, answer="delegate", delegate_name="李四", delegate_post="副局长"
        )
    with time_machine.travel(at(2026, 10, 15, 10)):
        services.hold_meeting(meeting, by=office)
    seat = Seat.objects.filter(unit__name="旗民政局").first()
    row = Attendance.objects.get(meeting=meeting, seat=seat)
    assert (row.status, row.delegate_name, row.delegate_post) == ("delegate", "李四", "副局长")
    others = Attendance.objects.filter(meeting=meeting).exclude(unit__name="旗民政局")
    assert {a.status for a in others} == {"present"}


def test_units_without_a_reply_are_reminded_two_days_before(meeting, liaison, liaison2):
    with time_machine.travel(at(2026, 10, 9, 10)):
        services.record_reply(meeting, by=liaison, answer="attend")
    assert "reply-missing" not in send_reminders(datetime.date(2026, 10, 12))  # 3 days before
    assert send_reminders(datetime.date(2026, 10, 13)).get("reply-missing") == 1
    assert Notification.objects.filter(
        recipient=liaison2, title__startswith="请填报会议回执"
    ).exists()
    assert not Notification.objects.filter(recipient=liaison, title__startswith="请填报会议回执")


def test_the_office_chases_the_units_that_have_not_answered(
    client, meeting, office, liaison, liaison2, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 10, 9, 10)):
        services.record_reply(meeting, by=liaison, answer="attend")
        client.force_login(office)
        page = client.get(meeting.get_absolute_url()).content.decode()
        assert "全部未答复的单位" in page and "发送催回执" in page
        url = reverse("meetings:meeting-chase", args=[meeting.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"late": "1", "text": "请今天答复"}, follow=True)
        assert "已向旗财政局、旗教体局发送催回执" in response.content.decode() or (
            "已向旗教体局、旗财政局发送催回执" in response.content.decode()
        )
        n = Notification.objects.get(recipient=liaison2, title__startswith="催回执")
        assert n.title == f"催回执：请填报会议回执：{meeting.title}" and n.body == "请今天答复"
        assert not Notification.objects.filter(recipient=liaison, title__startswith="催回执")
        response = client.post(url, {"late": "1"}, follow=True)
        assert "每个单位每天最多催回执一次" in response.content.decode()
