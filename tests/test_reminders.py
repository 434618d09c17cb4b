"""Scheduled reminders on working days: 2026's National Day holiday (1–7 October) and its 调休
Saturday (10 October) from chinese-calendar, a day the office adds, and once a day per person."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from cases import services as cases_services
from cases.identity import make_id
from duties import services as duties_services
from duties.models import Task
from jiuzhu.reminders import send_reminders
from meetings import services
from members import workdays
from members.models import CalendarDay, Notification, Unit
from members.permissions import Role
from tests.factories import approved_minutes, make_item, make_meeting, make_user

pytestmark = pytest.mark.django_db

D = datetime.date


def unit(name):
    return Unit.objects.get(name=name)


def due(day):
    """The rules that fired on `day`, without the yearly plenary warning (tested on its own)."""
    return {k: v for k, v in send_reminders(day).items() if k != "plenary-missing"}


def titles(user, part=""):
    return sorted(
        Notification.objects.filter(recipient=user, kind="reminder", title__contains=part)
        .values_list("title", flat=True)
        .distinct()
    )


def test_the_calendar_knows_the_holiday_and_the_adjusted_saturday(db):
    assert not workdays.is_working_day(D(2026, 10, 1))  # 国庆节
    assert not workdays.is_working_day(D(2026, 10, 7))
    assert workdays.is_working_day(D(2026, 10, 10))  # 调休上班的星期六
    assert not workdays.is_working_day(D(2026, 10, 11))  # an ordinary Sunday
    assert workdays.working_days_between(D(2026, 9, 30), D(2026, 10, 12)) == 4
    assert workdays.next_working_day(D(2026, 9, 30)) == D(2026, 10, 8)
    assert workdays.known_until() >= 2026


def test_a_year_the_library_does_not_know_counts_monday_to_friday(db):
    year = workdays.known_until() + 2
    monday = D(year, 1, 1) + datetime.timedelta(days=(7 - D(year, 1, 1).weekday()) % 7)
    assert workdays.is_working_day(monday)
    assert not workdays.is_working_day(monday + datetime.timedelta(days=5))


def test_the_offices_own_day_overrides_the_library(db):
    CalendarDay.objects.create(date=D(2026, 10, 9), is_working_day=False, note="旗庆")
    CalendarDay.objects.create(date=D(2026, 10, 11), is_working_day=True, note="集中办公")
    assert not workdays.is_working_day(D(2026, 10, 9))
    assert workdays.is_working_day(D(2026, 10, 11))


@pytest.fixture
def task(office):
    return duties_services.create_task(
        title="冬季救助摸底",
        source=Task.Source.OFFICE,
        lead_unit=unit("旗民政局"),
        deadline=D(2026, 10, 12),  # a Monday after the holiday
        by=office,
    )


def test_due_in_three_working_days_counts_the_adjusted_saturday(task, liaison, liaison2):
    # Working days after 8 October up to the 12th: 9th, 10th (调休 Saturday), 12th.
    assert due(D(2026, 9, 30)) == {}  # 4 working days before: not yet
    assert due(D(2026, 10, 3)) == {}  # a holiday: nothing runs
    assert due(D(2026, 10, 8)) == {"task-due": 1}
    assert titles(liaison) == ["督办事项还有 3 个工作日到期：冬季救助摸底"]
    assert due(D(2026, 10, 9)) == {}
    assert titles(liaison2) == []


def test_a_day_off_added_by_the_office_moves_the_reminder(task, liaison):
    CalendarDay.objects.create(date=D(2026, 10, 9), is_working_day=False, note="旗庆")
    assert due(D(2026, 10, 8)) == {}
    assert due(D(2026, 9, 30)) == {"task-due": 1}


def test_an_overdue_part_is_reminded_once_a_working_day(task, liaison):
    assert due(D(2026, 10, 13)) == {"task-overdue": 1}
    assert due(D(2026, 10, 13)) == {"task-overdue": 0}  # fired twice: still once
    call_command("send_reminders", "--date", "2026-10-13", verbosity=0)
    assert Notification.objects.filter(recipient=liaison).count() == 1
    assert due(D(2026, 10, 14)) == {"task-overdue": 1}
    assert titles(liaison) == [
        "督办事项已逾期 1 天：冬季救助摸底",
        "督办事项已逾期 2 天：冬季救助摸底",
    ]


def test_a_finished_part_is_not_reminded(task, liaison):
    duties_services.add_feedback(task, by=liaison, text="已完成。", date=timezone.localdate())
    duties_services.mark_part_done(task, by=liaison)
    assert due(D(2026, 10, 13)) == {}


def test_unacknowledged_minutes_are_chased_after_three_working_days(
    office, leader, liaison, liaison2
):
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 9, 29, 10))):
        minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    services.acknowledge(minutes, by=liaison)
    # Working days after 29 September: 30th, 8 October, 9 October.
    assert due(D(2026, 10, 8)) == {}
    assert due(D(2026, 10, 9)) == {"minutes-unacknowledged": 1}
    assert titles(liaison2) == [f"催签：{minutes.number_label}纪要印发已 3 个工作日，请下载并签收"]
    assert titles(liaison) == []  # acknowledged


def test_a_verification_unanswered_for_five_working_days(office, liaison, liaison2):
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 9, 28, 10))):
        case = cases_services.register_case(
            cases_services.CaseData(
                applicant="王小五",
                id_number=make_id("152627", D(1970, 1, 1), 11),
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
        cases_services.request_verification(case, by=office, unit=unit("旗民政局"), subject="低保")
    # 29th, 30th, 8th, 9th, 10th (the 调休 Saturday): five working days on the Saturday.
    assert due(D(2026, 10, 9)) == {}
    assert due(D(2026, 10, 10)) == {"verification-overdue": 1}
    (title,) = titles(liaison)
    assert title == f"核对请求已 5 个工作日未答复：{case.number_label} 王某某（低保）"
    assert "王小五" not in title and titles(liaison2) == []


def test_meeting_tomorrow_and_opinions_due_tomorrow(office, liaison, liaison2):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(
        office,
        title="专题会议",
        units=("旗民政局",),
        starts_at=timezone.make_aware(datetime.datetime(2026, 10, 13, 15)),
    )
    services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    review_item = make_item(liaison, title="书面议题")
    services.review_item(review_item, by=office, action="accept")
    review = make_meeting(
        office,
        kind="written",
        title="书面审议",
        units=("旗民政局", "旗教体局"),
        opinion_deadline=timezone.make_aware(datetime.datetime(2026, 10, 13, 17)),
    )
    services.schedule_item(review_item, by=office, meeting=review)
    services.notify_meeting(review, by=office)
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 10, 12, 9))):
        services.record_opinion(review, by=liaison, choice="agree")
    assert due(D(2026, 10, 12)) == {"review-due": 1, "meeting-tomorrow": 1}
    assert titles(liaison) == ["会议提醒：专题会议"]
    n = Notification.objects.get(title="会议提醒：专题会议")
    assert "2026年10月13日 15:00" in n.body and "旗政府第一会议室" in n.body
    assert titles(liaison2) == ["书面审议意见明天截止：书面审议"]  # 民政局 answered


def test_the_plenary_not_held_by_october_is_told_once_a_year(office, leader, liaison):
    assert send_reminders(D(2026, 9, 30)) == {}
    assert send_reminders(D(2026, 10, 8)) == {"plenary-missing": 2}
    assert send_reminders(D(2026, 10, 9)) == {"plenary-missing": 0}
    assert titles(office) == titles(leader) == ["2026年尚未召开全体会议"]
    assert titles(liaison) == []


def test_a_held_plenary_silences_it(office, leader, liaison):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office, kind="plenary", units=())
    services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    services.hold_meeting(meeting, by=office)
    assert "plenary-missing" not in send_reminders(D(2026, 10, 8))


def test_the_command_refuses_a_bad_date_in_chinese(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="日期格式不正确"):
        call_command("send_reminders", "--date", "2026-13-01")


def test_a_successor_receives_the_reminders(task, liaison):
    liaison.groups.clear()
    successor = make_user("successor", Role.LIAISON, "旗民政局")
    due(D(2026, 10, 13))
    assert titles(successor) == ["督办事项已逾期 1 天：冬季救助摸底"] and titles(liaison) == []


def test_the_office_adds_a_day_off_on_its_page_and_bad_input_is_refused(client, office):
    from django.urls import reverse

    client.force_login(office)
    url = reverse("members:workday-list")
    response = client.post(url, {"date": "2026-10-09", "is_working_day": "0", "note": "旗庆"})
    assert response.status_code == 302
    assert not workdays.is_working_day(D(2026, 10, 9))
    for data, error in [
        ({"date": "2026-10-09", "is_working_day": "1"}, "这一天已经调整过"),
        ({"date": "2026-02-30", "is_working_day": "1"}, "日期格式不正确"),
        ({"date": "2026-10-12", "is_working_day": "x"}, "请选择休息或上班"),
        ({"date": "2026-10-12", "is_working_day": "1", "note": "长" * 61}, "说明最多 60 个字"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 200 and error in response.content.decode()
    assert CalendarDay.objects.count() == 1
    day = CalendarDay.objects.get()
    client.post(reverse("members:workday-delete", args=[day.pk]))
    assert CalendarDay.objects.count() == 0
