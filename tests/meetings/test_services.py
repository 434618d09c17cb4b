"""Each transition of agenda items, meetings and minutes, and each refusal leaving data unchanged."""

import datetime
import hashlib
import io
import threading

import pdfplumber
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from meetings import services
from meetings.models import (
    AgendaItem,
    Download,
    Meeting,
    Minutes,
)
from meetings.services import MeetingsError
from members.models import Seat, Tenure, Unit
from members.services import record_succession
from tests.factories import (
    DECISION_TEXT,
    approved_minutes,
    aware,
    db_snapshot,
    held_meeting_with_item,
    make_item,
    make_meeting,
)

pytestmark = pytest.mark.django_db


def refused(call, message):
    before = db_snapshot()
    with pytest.raises(MeetingsError, match=message):
        call()
    assert db_snapshot() == before


def pdf_file(name="材料.pdf", content=b"%PDF-1.4\n%test\n"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- agenda items -------------------------------------------------------------------------------


def test_a_liaison_submits_an_item_for_their_own_unit(liaison):
    item = make_item(liaison, files=[pdf_file()])
    assert item.unit.name == "旗民政局"
    assert item.status == AgendaItem.Status.SUBMITTED
    assert [s.action for s in item.steps.all()] == [AgendaItem.Action.SUBMITTED]
    material = item.materials.get()
    assert material.name == "材料.pdf"
    assert material.sha256 == hashlib.sha256(b"%PDF-1.4\n%test\n").hexdigest()
    assert material.file.read() == b"%PDF-1.4\n%test\n"


@pytest.mark.parametrize("persona", ["office", "leader", "member", "norole"])
def test_only_a_liaison_submits_items(personas, persona):
    refused(lambda: make_item(personas[persona]), "只有成员单位联络员可以提交议题")


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("a.exe", b"MZ\x90\x00"), "文件类型不允许上传"),
        (SimpleUploadedFile("a.txt", b"hello"), "文件类型不允许上传"),
        (SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf"), "内容与扩展名不符"),
        (SimpleUploadedFile("a.png", b"%PDF-1.4"), "内容与扩展名不符"),
        (SimpleUploadedFile("a.pdf", b""), "空文件"),
    ],
)
def test_bad_attachments_are_refused_and_nothing_is_saved(liaison, upload, message):
    refused(lambda: make_item(liaison, files=[upload]), message)


def test_an_attachment_over_20_mb_is_refused(liaison):
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    refused(lambda: make_item(liaison, files=[big]), "超过 20 MB")


def test_the_duty_must_be_one_of_the_units_duties(liaison):
    from duties.models import Duty

    own = Duty.objects.get(category=Duty.Category.DEPARTMENT, number=9)
    other = Duty.objects.get(category=Duty.Category.DEPARTMENT, number=7)
    assert make_item(liaison, duty=own).duty == own
    refused(lambda: make_item(liaison, duty=other), "本单位在《制度》中的职责")


def test_edit_while_submitted_or_returned_and_a_stale_version_is_refused(liaison, office):
    item = make_item(liaison)
    item = services.update_item(
        item, by=liaison, version=1, title="新标题", background="b", proposal="p"
    )
    assert item.version == 2 and item.title == "新标题"
    refused(
        lambda: services.update_item(
            item, by=liaison, version=1, title="旧版本", background="b", proposal="p"
        ),
        "已被他人修改",
    )
    services.review_item(item, by=office, action="return", comment="请补充数据")
    item = services.update_item(
        item, by=liaison, version=2, title="补充后", background="b", proposal="p"
    )
    assert item.status == AgendaItem.Status.SUBMITTED  # back to the office


def test_another_units_liaison_can_touch_nothing(liaison, liaison2):
    item = make_item(liaison)
    refused(
        lambda: services.update_item(
            item, by=liaison2, version=1, title="x", background="b", proposal="p"
        ),
        "只有本单位联络员",
    )
    refused(lambda: services.withdraw_item(item, by=liaison2), "只有本单位联络员")


def test_withdraw_until_scheduled(liaison, office):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    assert services.withdraw_item(item, by=liaison).status == AgendaItem.Status.WITHDRAWN
    item2 = make_item(liaison)
    services.review_item(item2, by=office, action="accept")
    services.schedule_item(item2, by=office, meeting=make_meeting(office))
    refused(lambda: services.withdraw_item(item2, by=liaison), "不能撤回")
    refused(
        lambda: services.update_item(
            item2, by=liaison, version=1, title="x", background="b", proposal="p"
        ),
        "不能再修改",
    )


def test_the_office_reviews_and_each_step_is_recorded(liaison, office):
    item = make_item(liaison)
    services.review_item(item, by=office, action="return", comment="请补充测算依据")
    services.update_item(item, by=liaison, version=1, title="t", background="b", proposal="p")
    services.review_item(item, by=office, action="accept", comment="")
    steps = list(item.steps.values_list("action", "by__username", "comment"))
    assert steps == [
        ("submitted", "liaison", ""),
        ("returned", "office", "请补充测算依据"),
        ("edited", "liaison", "修改后重新提交"),
        ("accepted", "office", ""),
    ]


@pytest.mark.parametrize(
    "action, comment, message",
    [
        ("return", "", "请写明修改意见"),
        ("reject", " ", "请写明理由"),
        ("promote", "", "请选择审核结果"),
    ],
)
def test_review_needs_a_comment_to_return_or_reject(liaison, office, action, comment, message):
    item = make_item(liaison)
    refused(lambda: services.review_item(item, by=office, action=action, comment=comment), message)


@pytest.mark.parametrize("persona", ["leader", "liaison", "member"])
def test_only_the_office_reviews(personas, persona):
    item = make_item(personas["liaison"])
    refused(lambda: services.review_item(item, by=personas[persona], action="accept"), "只有办公室")


def test_an_item_is_reviewed_once(liaison, office):
    item = make_item(liaison)
    services.review_item(item, by=office, action="reject", comment="不属于联席会议职责")
    refused(lambda: services.review_item(item, by=office, action="accept"), "不能审核")


def test_scheduling_puts_accepted_items_in_order(liaison, liaison2, office):
    meeting = make_meeting(office, units=("旗财政局",))
    items = [make_item(liaison), make_item(liaison2)]
    for item in items:
        services.review_item(item, by=office, action="accept")
        services.schedule_item(item, by=office, meeting=meeting)
    assert list(meeting.agenda_items.order_by("order").values_list("pk", "order")) == [
        (items[0].pk, 1),
        (items[1].pk, 2),
    ]
    # The proposing units are invited to deliberate their own items.
    assert {"旗民政局", "旗教体局", "旗财政局"} == set(
        meeting.invited_units.values_list("name", flat=True)
    )


def test_only_accepted_items_on_open_meetings_are_scheduled(liaison, office):
    item = make_item(liaison)
    meeting = make_meeting(office)
    refused(lambda: services.schedule_item(item, by=office, meeting=meeting), "只有已受理的议题")
    services.review_item(item, by=office, action="accept")
    services.cancel_meeting(meeting, by=office)
    refused(lambda: services.schedule_item(item, by=office, meeting=meeting), "不能再增加议题")


# --- meetings -----------------------------------------------------------------------------------


def test_a_plenary_invites_every_unit_and_needs_the_leader_or_deputy(office):
    meeting = make_meeting(office, kind="plenary", units=())
    assert meeting.invited_units.count() == Unit.objects.filter(active=True).count()
    assert meeting.convener_seat.role == Seat.Role.LEADER
    data = services.MeetingData(
        kind="plenary",
        title="全体会议",
        starts_at=aware(2026, 6, 5),
        place="会议室",
        convener_seat=Seat.objects.filter(role=Seat.Role.MEMBER).first(),
    )
    refused(lambda: services.create_meeting(data, by=office), "组长或副组长召集")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kind": "special", "units": ()}, "至少选择一个参会单位"),
        ({"kind": "written", "units": ("旗民政局",)}, "意见截止时间"),
        ({"kind": "special", "title": " "}, "请填写会议名称"),
        ({"kind": "special", "place": ""}, "请填写会议地点"),
    ],
)
def test_bad_meetings_are_refused(office, kwargs, message):
    refused(lambda: make_meeting(office, **kwargs), message)


@pytest.mark.parametrize("persona", ["leader", "liaison", "member"])
def test_only_the_office_prepares_meetings(personas, persona):
    refused(lambda: make_meeting(personas[persona]), "只有办公室")


def test_a_meeting_is_notified_only_with_an_agenda(office):
    meeting = make_meeting(office)
    refused(lambda: services.notify_meeting(meeting, by=office), "还没有议题")


def test_states_go_draft_notified_held_and_refuse_to_skip(liaison, office):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office)
    services.schedule_item(item, by=office, meeting=meeting)
    refused(lambda: services.hold_meeting(meeting, by=office), "不能标记为已召开")
    services.notify_meeting(meeting, by=office)
    refused(lambda: services.notify_meeting(meeting, by=office), "不能再发通知")
    services.hold_meeting(meeting, by=office)
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.DELIBERATED
    refused(lambda: services.cancel_meeting(meeting, by=office), "不能取消")
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.HELD


def test_a_meeting_cannot_be_marked_held_before_its_time(liaison, office):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office, starts_at=aware(2099, 1, 1))
    services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    refused(lambda: services.hold_meeting(meeting, by=office), "会议开始后才能标记为已召开")


def test_cancelling_returns_scheduled_items_to_the_office(liaison, office):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office)
    services.schedule_item(item, by=office, meeting=meeting)
    services.cancel_meeting(meeting, by=office)
    item.refresh_from_db()
    assert (item.status, item.meeting, item.order) == (AgendaItem.Status.ACCEPTED, None, None)


def test_attendance_lists_the_holder_on_the_meeting_date_and_is_not_rewritten(liaison, office):
    seat = Tenure.objects.get(person__name="王志鹏").seat
    record_succession(
        seat, name="新局长", post="旗民政局局长", start=datetime.date(2026, 5, 29), by=office
    )
    meeting = held_meeting_with_item(office, liaison, starts_at=aware(2026, 6, 5))
    names = set(meeting.attendances.values_list("name", flat=True))
    assert "新局长" in names and "王志鹏" not in names  # took over last week
    assert "刘建军" in names  # 旗教体局 invited
    assert "张平" not in names  # 旗财政局 not invited
    record_succession(
        seat, name="更新局长", post="旗民政局局长", start=datetime.date(2026, 7, 1), by=office
    )
    assert set(meeting.attendances.values_list("name", flat=True)) == names


def test_a_plenary_lists_all_thirty_seats(liaison, office):
    meeting = held_meeting_with_item(office, liaison, kind="plenary", units=())
    assert meeting.attendances.count() == 30


def test_the_office_marks_leave_and_delegates_and_adds_observers(liaison, office):
    meeting = held_meeting_with_item(office, liaison)
    rows = list(meeting.attendances.all())
    services.record_attendance(
        meeting,
        [(rows[0].pk, "leave", "", ""), (rows[1].pk, "delegate", "李明", "社会救助股股长")],
        by=office,
    )
    services.add_observer(meeting, by=office, name="王五", post="旗审计局副局长")
    statuses = dict(meeting.attendances.values_list("name", "status"))
    assert statuses[rows[0].name] == "leave" and statuses[rows[1].name] == "delegate"
    assert statuses["王五"] == "observer"
    assert meeting.attendances.get(pk=rows[1].pk).delegate_name == "李明"
    refused(
        lambda: services.record_attendance(meeting, [(rows[0].pk, "delegate", " ", "")], by=office),
        "请填写受委托人姓名",
    )
    refused(lambda: services.add_observer(meeting, by=office, name="", post="x"), "姓名和职务")


# --- written review -----------------------------------------------------------------------------


@pytest.fixture
def written(office, liaison):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(
        office, kind="written", units=("旗民政局", "旗教体局"), opinion_deadline=aware(2099, 1, 1)
    )
    services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    return meeting


def test_invited_liaisons_record_opinions_and_may_change_them(written, liaison, liaison2):
    services.record_opinion(written, by=liaison, choice="agree")
    services.record_opinion(written, by=liaison2, choice="comment", text="建议扩大范围")
    services.record_opinion(written, by=liaison2, choice="disagree", text="资金来源不明")
    assert dict(written.opinions.values_list("unit__name", "choice")) == {
        "旗民政局": "agree",
        "旗教体局": "disagree",
    }


def test_opinions_are_refused_after_the_deadline_or_from_uninvited_units(
    written, liaison, office, charter
):
    from members.permissions import Role
    from tests.factories import make_user

    outsider = make_user("finance", Role.LIAISON, "旗财政局")
    refused(
        lambda: services.record_opinion(written, by=outsider, choice="agree"), "只有参加审议单位"
    )
    refused(lambda: services.record_opinion(written, by=office, choice="agree"), "只有参加审议单位")
    refused(
        lambda: services.record_opinion(written, by=liaison, choice="disagree"), "请写明具体意见"
    )
    Meeting.objects.filter(pk=written.pk).update(opinion_deadline=aware(2020, 1, 1))
    written.refresh_from_db()
    refused(
        lambda: services.record_opinion(written, by=liaison, choice="agree"), "已过意见截止时间"
    )


# --- minutes ------------------------------------------------------------------------------------


def test_minutes_are_drafted_only_for_a_held_meeting_once(liaison, office):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office)
    refused(lambda: services.create_minutes(meeting, by=office), "会议召开后")
    meeting = held_meeting_with_item(office, liaison)
    services.create_minutes(meeting, by=office)
    refused(lambda: services.create_minutes(meeting, by=office), "已有纪要")


def test_a_second_save_from_an_old_version_is_refused(liaison, office):
    minutes = services.create_minutes(held_meeting_with_item(office, liaison), by=office)
    services.save_minutes(minutes, by=office, version=1, summary="甲写的", decisions=[])
    refused(
        lambda: services.save_minutes(
            minutes, by=office, version=1, summary="乙写的", decisions=[]
        ),
        "已被他人修改",
    )
    assert Minutes.objects.get(pk=minutes.pk).summary == "甲写的"


def test_review_cycle_draft_submitted_returned_resubmitted_approved(liaison, office, leader):
    minutes = services.create_minutes(held_meeting_with_item(office, liaison), by=office)
    refused(lambda: services.submit_minutes(minutes, by=office), "会议概况")
    mstr = Unit.objects.get(name="旗民政局")
    services.save_minutes(
        minutes,
        by=office,
        version=1,
        summary="概况",
        decisions=[services.DecisionData(text="事项", lead_unit=mstr, responsible_units=[])],
    )
    services.submit_minutes(minutes, by=office)
    refused(lambda: services.approve_minutes(minutes, by=office), "只有组长、副组长")
    refused(lambda: services.return_minutes(minutes, by=leader, comment=""), "修改意见")
    services.return_minutes(minutes, by=leader, comment="第一项请写明时限")
    refused(lambda: services.approve_minutes(minutes, by=leader), "只有待审签")
    services.save_minutes(
        minutes,
        by=office,
        version=2,
        summary="概况（修改）",
        decisions=[
            services.DecisionData(
                text="事项",
                lead_unit=mstr,
                responsible_units=[],
                deadline=datetime.date(2026, 9, 30),
            )
        ],
    )
    services.submit_minutes(minutes, by=office)
    services.approve_minutes(minutes, by=leader)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED and minutes.approved_by == leader
    assert list(minutes.steps.values_list("action", flat=True)) == [
        "created",
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]
    refused(
        lambda: services.save_minutes(minutes, by=office, version=3, summary="x", decisions=[]),
        "不能修改",
    )


def test_only_approved_minutes_are_issued_and_only_by_the_office(liaison, office, leader):
    minutes = services.create_minutes(held_meeting_with_item(office, liaison), by=office)
    refused(lambda: services.issue_minutes(minutes, by=office), "审签后才能印发")
    minutes = approved_minutes(office, leader, liaison)
    refused(lambda: services.issue_minutes(minutes, by=leader), "只有办公室")


def test_issuing_numbers_renders_distributes_and_creates_tasks(liaison, office, leader):
    minutes = approved_minutes(office, leader, liaison, kind="plenary", units=())
    services.issue_minutes(minutes, by=office)
    minutes.refresh_from_db()
    year = minutes.issued_at.year
    assert (minutes.status, minutes.year, minutes.number) == ("issued", year, 1)
    assert minutes.number_label == f"〔{year}〕第1期"
    data = minutes.pdf.read()
    assert hashlib.sha256(data).hexdigest() == minutes.pdf_sha256
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")
    assert minutes.number_label in text
    assert DECISION_TEXT in text
    assert "抄送：旗人民政府办公室。" in text
    rows = dict(minutes.distributions.values_list("unit__name", "kind"))
    assert rows["旗人民政府办公室"] == "copy"
    assert "旗人民政府" not in rows  # the leader's government is not a receiving member unit
    assert sum(1 for k in rows.values() if k == "main") == Unit.objects.count() - 2
    task = minutes.decisions.get().task
    assert task.title == DECISION_TEXT and task.lead_unit.name == "旗民政局"
    assert list(task.responsible_units.values_list("name", flat=True)) == ["旗财政局"]
    assert task.source_label == f"〔{year}〕第1期纪要 第1项"


def test_numbers_run_on_within_a_year(liaison, office, leader):
    first = approved_minutes(office, leader, liaison)
    second = approved_minutes(office, leader, liaison)
    services.issue_minutes(first, by=office)
    services.issue_minutes(second, by=office)
    assert sorted(Minutes.objects.values_list("number", flat=True)) == [1, 2]


def test_the_stored_pdf_does_not_change_when_the_draft_changes_afterwards(liaison, office, leader):
    minutes = approved_minutes(office, leader, liaison)
    services.issue_minutes(minutes, by=office)
    minutes.refresh_from_db()
    before = (minutes.pdf.read(), minutes.pdf_sha256)
    refused(
        lambda: services.save_minutes(
            minutes, by=office, version=minutes.version, summary="改", decisions=[]
        ),
        "不能修改",
    )
    Minutes.objects.filter(pk=minutes.pk).update(summary="有人直接改了数据库")
    minutes.refresh_from_db()
    assert (minutes.pdf.read(), minutes.pdf_sha256) == before
    refused(lambda: services.issue_minutes(minutes, by=office), "审签后才能印发")


def test_downloads_are_counted_per_unit_and_acknowledgement_is_once(
    liaison, liaison2, office, leader, member
):
    minutes = approved_minutes(office, leader, liaison)
    services.issue_minutes(minutes, by=office)
    services.record_download(minutes, by=liaison)
    services.record_download(minutes, by=liaison)
    assert services.record_download(minutes, by=office) is None  # the office is not a recipient
    row = minutes.distributions.get(unit__name="旗民政局")
    assert row.download_count == 2 and row.first_downloaded_at is not None
    assert Download.objects.filter(distribution=row).count() == 2
    services.acknowledge(minutes, by=liaison)
    row.refresh_from_db()
    assert row.acknowledged_by == liaison
    refused(lambda: services.acknowledge(minutes, by=liaison), "已于")
    refused(
        lambda: services.acknowledge(minutes, by=member), "只有收文单位的联络员"
    )  # 财政局 not invited
    refused(lambda: services.acknowledge(minutes, by=office), "只有收文单位的联络员")


@pytest.mark.django_db(transaction=True)
def test_two_issuances_racing_get_two_consecutive_numbers(charter):
    from members.permissions import Role
    from tests.factories import make_user

    office = make_user("office", Role.OFFICE, "旗民政局")
    leader = make_user("leader", Role.LEADER, "旗人民政府")
    liaison = make_user("liaison", Role.LIAISON, "旗民政局")
    pair = [approved_minutes(office, leader, liaison) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors = []

    def issue(m):
        try:
            barrier.wait()
            services.issue_minutes(m, by=office)
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(m,)) for m in pair]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    issued = list(Minutes.objects.filter(status="issued").values_list("number", flat=True))
    from django.db import connection

    if connection.vendor == "postgresql":
        assert errors == [] and sorted(issued) == [1, 2]  # both issued, gapless, no duplicate
    else:
        # SQLite takes one writer at a time; whoever waited too long is refused, never duplicated.
        assert sorted(issued) == list(range(1, len(issued) + 1)) and len(issued) + len(errors) == 2
