"""站内消息: every event reaches the right people and nobody else, after its transaction commits;
the inbox, its filter, opening and 全部标为已读; the navbar's unread badge."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse

from cases import services as cases_services
from cases.identity import make_id
from duties import services as duties_services
from duties.models import Escalation, Task
from meetings import services
from members import notifications
from members.models import Notification, Unit
from members.permissions import Role
from tests.factories import approved_minutes, make_item, make_meeting, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what the services registered on commit, as a real commit would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def inbox(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def who(title_part):
    return sorted(
        Notification.objects.filter(title__contains=title_part).values_list(
            "recipient__username", flat=True
        )
    )


def unit(name):
    return Unit.objects.get(name=name)


def test_a_returned_item_reaches_the_proposing_units_liaisons_only(
    commit, office, liaison, liaison2, member
):
    other = make_user("liaison-b", Role.LIAISON, "旗民政局")
    item = make_item(liaison, title="取暖补贴议题")
    commit(services.review_item, item, by=office, action="return", comment="请补充测算依据")
    assert who("取暖补贴议题") == ["liaison", "liaison-b"]
    n = Notification.objects.get(recipient=other)
    assert n.title == "议题“取暖补贴议题”被退回修改"
    assert "请补充测算依据" in n.body
    assert n.url == item.get_absolute_url() and n.kind == "item" and not n.is_read
    assert inbox(liaison2) == inbox(member) == inbox(office) == []


def test_nothing_is_sent_when_the_transaction_rolls_back(office, liaison):
    item = make_item(liaison)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.review_item(item, by=office, action="accept")
        raise RuntimeError
    assert Notification.objects.count() == 0


def test_accepted_not_accepted_and_scheduled_items_are_told(commit, office, liaison):
    a, b = make_item(liaison, title="议题甲"), make_item(liaison, title="议题乙")
    commit(services.review_item, a, by=office, action="accept")
    commit(services.review_item, b, by=office, action="reject", comment="不属于职责范围")
    meeting = make_meeting(office, title="第二次专题会议")
    commit(services.schedule_item, a, by=office, meeting=meeting)
    assert set(inbox(liaison)) == {
        "议题“议题甲”已受理",
        "议题“议题乙”不予受理",
        "议题“议题甲”已列入“第二次专题会议”议程",
    }


def test_a_successor_liaison_receives_the_units_notifications(commit, office, liaison):
    item = make_item(liaison, title="继任测试议题")
    liaison.groups.clear()  # the old liaison leaves the post
    make_user("successor", Role.LIAISON, "旗民政局")
    commit(services.review_item, item, by=office, action="accept")
    assert who("继任测试议题") == ["successor"]


def test_a_seat_holder_with_an_account_hears_what_the_unit_hears(commit, office, liaison):
    from members.models import Seat

    seat = Seat.objects.filter(unit__name="旗民政局").first()
    holder = seat.current_tenure.person
    holder.user = make_user("juzhang")  # the 局长 has an account (no role needed to be told)
    holder.save()
    item = make_item(liaison, title="局长也知道")
    commit(services.review_item, item, by=office, action="accept")
    assert who("局长也知道") == ["juzhang", "liaison"]


def test_a_meeting_notice_goes_to_the_invited_units_with_an_ics(
    commit, office, liaison, liaison2, member
):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office, title="冬季救助专题会议", units=("旗民政局", "旗教体局"))
    services.schedule_item(item, by=office, meeting=meeting)
    member.email, member.notify_by = "member@example.cn", "email"
    member.save()
    commit(services.notify_meeting, meeting, by=office)
    assert who("会议通知") == ["liaison", "liaison2"]
    n = Notification.objects.get(recipient=liaison2)
    assert "旗政府第一会议室" in n.body and "2026年6月5日 09:00" in n.body
    ics = notifications.meeting_calendar(meeting)
    from icalendar import Calendar

    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["summary"]) == "冬季救助专题会议"
    assert str(event["location"]) == "旗政府第一会议室"
    assert event.decoded("dtstart") == meeting.starts_at


def test_a_written_review_asks_the_invited_units_for_opinions(commit, office, liaison, liaison2):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(
        office,
        kind="written",
        title="书面审议测试",
        units=("旗教体局",),
        opinion_deadline=datetime.datetime(2026, 6, 10, 17, tzinfo=datetime.UTC),
    )
    services.schedule_item(item, by=office, meeting=meeting)
    commit(services.notify_meeting, meeting, by=office)
    n = Notification.objects.filter(title__startswith="请填报书面审议意见").first()
    assert n.kind == "review" and "2026年6月11日 01:00" in n.body  # Asia/Shanghai
    assert who("请填报书面审议意见") == ["liaison", "liaison2"]  # 民政局 joined with its item


def test_minutes_go_to_the_leaders_then_the_office_then_the_units(
    commit, office, leader, liaison, liaison2, member
):
    minutes = commit(approved_minutes, office, leader, liaison)
    assert who("纪要待审签") == ["leader"]
    assert who("纪要已审签") == ["office"]
    commit(services.issue_minutes, minutes, by=office)
    # Issued to the invited units (民政局, 教体局); its decision becomes a task of 民政局 + 财政局.
    assert who("纪要已印发，请下载并签收") == ["liaison", "liaison2"]
    assert who("新督办事项") == ["liaison"]  # 财政局 has no liaison account here; member is 成员


def test_returned_minutes_go_to_the_office(commit, office, leader, liaison):
    minutes = approved_minutes(office, leader, liaison)
    services.withdraw_approval(minutes, by=office, reason="需修改")
    services.submit_minutes(minutes, by=office)
    commit(services.return_minutes, minutes, by=leader, comment="第二项表述不准确")
    n = Notification.objects.get(title__startswith="纪要被退回修改")
    assert n.recipient == office and "第二项表述不准确" in n.body


@pytest.fixture
def task(office):
    return duties_services.create_task(
        title="摸底排查困难群众",
        source=Task.Source.OFFICE,
        lead_unit=unit("旗民政局"),
        responsible_units=[unit("旗教体局")],
        deadline=datetime.date(2030, 12, 31),
        by=office,
    )


def test_task_events_reach_their_units_and_the_office(commit, office, liaison, liaison2, member):
    task = commit(
        duties_services.create_task,
        title="摸底排查困难群众",
        source=Task.Source.OFFICE,
        lead_unit=unit("旗民政局"),
        responsible_units=[unit("旗教体局")],
        deadline=datetime.date(2030, 12, 31),
        by=office,
    )
    assert who("新督办事项") == ["liaison", "liaison2"]
    today = datetime.date.today()
    commit(duties_services.add_feedback, task, by=liaison2, text="已摸底 12 户。", date=today)
    # A responsible unit's report: the office and the lead unit.
    assert who("旗教体局反馈了进展") == ["liaison", "office"]
    commit(duties_services.add_feedback, task, by=liaison, text="牵头汇总。", date=today)
    assert who("旗民政局反馈了进展") == ["office"]
    commit(
        duties_services.request_extension,
        task,
        by=liaison2,
        new_deadline=datetime.date(2031, 3, 1),
        reason="数据未齐",
    )
    assert who("旗教体局申请延期") == ["office"]
    extension = task.extensions.get()
    commit(duties_services.decide_extension, extension, by=office, approve=True)
    assert who("延期申请同意") == ["liaison2"]
    escalation = commit(
        duties_services.escalate,
        task,
        by=office,
        unit=unit("旗教体局"),
        level=Escalation.Level.INTERVIEW,
        date=today,
        content="进度滞后，约谈分管负责人。",
        attendees="分管副局长",
    )
    assert who("约谈：摸底排查困难群众") == ["liaison2"]
    commit(duties_services.resolve_escalation, escalation, by=office, resolution="已整改到位")
    assert who("已解除") == ["liaison2"]
    assert "member" not in who("")


def make_case(office):
    return cases_services.register_case(
        cases_services.CaseData(
            applicant="王小五",
            id_number=make_id("152627", datetime.date(1970, 1, 1), 11),
            phone="13900001111",
            town=unit("札萨克镇"),
            address="札萨克镇某村三社",
            category="illness",
            facts="因病致困",
            requested_help="医疗救助",
            found_by="active",
        ),
        by=office,
    )


def test_case_notifications_carry_the_number_and_masked_name_only(
    commit, office, liaison, liaison2
):
    case = make_case(office)
    town = make_user("liaison-town", Role.LIAISON, "札萨克镇")
    commit(
        cases_services.request_verification, case, by=office, unit=unit("旗民政局"), subject="低保"
    )
    assert who("请核对") == ["liaison"]  # the unit asked; not 教体局, not the town
    n = Notification.objects.get(recipient=liaison)
    assert n.title == f"请核对：{case.number_label} 王某某（低保）"
    text = f"{n.title} {n.body} {n.url}"
    for secret in ("王小五", case.id_number, case.id_number[-4:], "13900001111", "1111", "三社"):
        assert secret not in text
    assert Notification.objects.filter(recipient__in=[liaison2, town]).count() == 0
    commit(notifications.case_decided, case)
    n = Notification.objects.get(recipient=town)
    assert n.title == f"个案已议定救助措施：{case.number_label} 王某某" and "王小五" not in n.body


# --- the inbox ------------------------------------------------------------------------------------


def message(user, title, kind="item", **kw):
    return Notification.objects.create(recipient=user, kind=kind, event="t", title=title, **kw)


def test_the_inbox_lists_newest_first_and_filters(client, liaison):
    old = message(liaison, "旧消息", kind="task")
    new = message(liaison, "新消息")
    old.created_at = new.created_at - datetime.timedelta(days=1)
    old.read_at = new.created_at
    old.save()
    client.force_login(liaison)
    page = client.get(reverse("members:inbox")).content.decode()
    assert page.index("新消息") < page.index("旧消息")
    page = client.get(reverse("members:inbox") + "?unread=1").content.decode()
    assert "新消息" in page and "旧消息" not in page
    page = client.get(reverse("members:inbox") + "?kind=task").content.decode()
    assert "旧消息" in page and "新消息" not in page
    assert client.get(reverse("members:inbox") + "?kind=nonsense&page=x").status_code == 200


def test_opening_a_message_marks_it_read_and_goes_to_its_object(client, liaison):
    n = message(liaison, "议题已受理", url="/meetings/items/")
    client.force_login(liaison)
    response = client.post(reverse("members:notification-open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/meetings/items/"
    n.refresh_from_db()
    assert n.is_read


def test_a_message_pointing_elsewhere_goes_to_the_inbox(client, liaison):
    n = message(liaison, "x", url="https://evil.example/")
    client.force_login(liaison)
    response = client.post(reverse("members:notification-open", args=[n.pk]))
    assert response["Location"] == reverse("members:inbox")


def test_nobody_opens_another_users_message(client, liaison, liaison2):
    n = message(liaison, "x")
    client.force_login(liaison2)
    assert client.post(reverse("members:notification-open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert not n.is_read


def test_mark_all_read_clears_the_badge(client, liaison, liaison2):
    for i in range(3):
        message(liaison, f"消息{i}")
    theirs = message(liaison2, "别人的")
    client.force_login(liaison)
    page = client.get(reverse("home")).content.decode()
    assert 'id="unread-badge">3<' in page
    client.post(reverse("members:inbox-read-all"))
    page = client.get(reverse("home")).content.decode()
    assert "unread-badge" not in page
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_the_badge_is_on_every_page(client, liaison):
    message(liaison, "x")
    client.force_login(liaison)
    for url in ("/", reverse("duties:task-list"), reverse("meetings:meeting-list")):
        assert 'id="unread-badge">1<' in client.get(url).content.decode()


def test_a_change_after_the_notice_needs_a_reason_and_tells_old_and_new(
    commit, office, liaison, liaison2
):
    from meetings.models import Meeting

    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office, title="变更测试会议", units=("旗教体局",))
    services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)

    def data(**kw):
        values = {
            "kind": meeting.kind,
            "title": meeting.title,
            "starts_at": meeting.starts_at + datetime.timedelta(days=1),
            "place": "旗政府第二会议室",
            "invited_units": [unit("旗教体局")],
        }
        values.update(kw)
        return services.MeetingData(**values)

    ics = notifications.meeting_calendar(meeting)
    with pytest.raises(services.MeetingsError, match="须写明变更原因"):
        services.update_meeting(meeting, data(), by=office)
    assert Meeting.objects.get(pk=meeting.pk).place == "旗政府第一会议室"
    commit(services.update_meeting, meeting, data(change_reason="领导另有公务"), by=office)
    assert who("变更通知") == ["liaison", "liaison2"]
    body = Notification.objects.get(recipient=liaison2, title__startswith="变更通知").body
    assert "会议时间：由 2026年6月5日 09:00 改为 2026年6月6日 09:00" in body
    assert "会议地点：由 旗政府第一会议室 改为 旗政府第二会议室" in body
    assert "变更原因：领导另有公务" in body
    from icalendar import Calendar

    before = Calendar.from_ical(ics).walk("VEVENT")[0]
    after = Calendar.from_ical(notifications.meeting_calendar(meeting)).walk("VEVENT")[0]
    assert after["uid"] == before["uid"] and int(after["sequence"]) > int(before["sequence"])
    # Only the title changed: no 变更通知, no reason asked.
    Notification.objects.all().delete()
    meeting.refresh_from_db()
    commit(
        services.update_meeting,
        meeting,
        data(title="新名称", starts_at=meeting.starts_at),
        by=office,
    )
    assert Notification.objects.count() == 0


def test_a_cancelled_notified_meeting_is_told(commit, office, liaison):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office, title="取消测试会议", units=("旗民政局",))
    services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    commit(services.cancel_meeting, meeting, by=office)
    assert who("会议取消：取消测试会议") == ["liaison"]
