"""Every state change of meetings, agenda items and minutes: one atomic function each.

Each function locks what it reads and writes, checks the actor's permission and the object's
state, and raises MeetingsError (a Chinese message) without changing anything when refused.
"""

import datetime
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from duties import services as duties_services
from duties.models import Duty, Task
from members import notifications
from members.files import store_uploads
from members.locking import lock
from members.models import Seat, Tenure, Unit
from members.sequences import next_number
from members.steps import record_step

from . import permissions as perms
from . import privacy, signing
from .models import (
    AgendaItem,
    Attendance,
    Decision,
    Distribution,
    Download,
    Material,
    Meeting,
    Minutes,
    Opinion,
    PersonalDataConfirmation,
    Reply,
)

COPY_UNIT_NAME = "旗人民政府办公室"  # 抄送旗人民政府办公室 (伊政发〔2024〕58号 三(一))


class MeetingsError(Exception):
    """A change that is not allowed; str(e) is the Chinese message the user sees."""


class PersonalDataError(MeetingsError):
    """Personal data in a field that is printed or sent to the units (meetings/privacy.py).
    `hits` are the names and addresses the office may confirm are not a case's (no numbers)."""

    def __init__(self, message, hits=()):
        super().__init__(message)
        self.hits = list(hits)


def minutes_text(minutes) -> str:
    return "\n".join([minutes.summary, *minutes.decisions.values_list("text", flat=True)])


def _check_fields(fields: dict[str, str], confirmed=()) -> list:
    """Refuse personal data in `fields` ({label: text}) before anything is written; return the
    confirmed hits, to be recorded once the object is saved."""
    hits = privacy.find(fields)
    refused = privacy.unconfirmed(hits, confirmed)
    if refused:
        numbers = any(h.is_number for h in refused)
        raise PersonalDataError(privacy.refusal(refused), [] if numbers else refused)
    return hits


def _check_numbers(fields: dict[str, str]):
    """For fields that name officials (attendance): ID and phone numbers refused, names allowed."""
    numbers = [h for h in privacy.find(fields, terms=[]) if h.is_number]
    if numbers:
        raise PersonalDataError(privacy.refusal(numbers))


def _record_confirmations(subject, hits, by):
    content_type = ContentType.objects.get_for_model(subject)
    PersonalDataConfirmation.objects.bulk_create(
        PersonalDataConfirmation(
            content_type=content_type,
            object_id=subject.pk,
            field=h.field,
            kind=h.kind,
            text=h.text,
            by=by,
        )
        for h in hits
    )


def _confirmed_for_minutes(minutes) -> set[str]:
    """What the office confirmed on these minutes, their meeting and the meeting's items."""
    subjects = Q(content_type=ContentType.objects.get_for_model(Minutes), object_id=minutes.pk) | Q(
        content_type=ContentType.objects.get_for_model(Meeting), object_id=minutes.meeting_id
    )
    item_ids = list(minutes.meeting.agenda_items.values_list("pk", flat=True))
    if item_ids:
        subjects |= Q(
            content_type=ContentType.objects.get_for_model(AgendaItem), object_id__in=item_ids
        )
    return {
        f"{kind}:{text}"
        for kind, text in PersonalDataConfirmation.objects.filter(subjects).values_list(
            "kind", "text"
        )
    }


def _issue_fields(minutes, pdf: bytes) -> dict[str, str]:
    meeting = minutes.meeting
    people = [
        f"{a.name} {a.post} {a.delegate_name} {a.delegate_post}" for a in meeting.attendances.all()
    ]
    return {
        "会议名称": meeting.title,
        "会议地点": meeting.place,
        "主持人": f"{meeting.host_name} {meeting.host_post}",
        "出席、列席名单": "\n".join(people),
        "纪要": minutes_text(minutes),
        "抄送": minutes.copy_extra,
        "纪要 PDF": pdf_text(pdf),
    }


def _unique(hits) -> list:
    """One hit per kind and text (the same name in the text and in the PDF is one question)."""
    first = {}
    for h in hits:
        first.setdefault(privacy.confirmation_choice(h), h)  # the field where it is written
    return list(first.values())


def _check_for_issue(minutes, pdf: bytes, confirmed=()) -> list:
    """The last check, over the final text, the attendance and the text of the PDF that would be
    issued. Numbers are refused outright. A name or address that matches a case (an official
    named like an applicant: 出席 张平, applicant 张平) is refused unless the office confirms, per
    hit, that it is not that person — on the minutes, their meeting or items when they were
    saved, or now, at issuance (印发前确认, `confirmed`). Returns the hits confirmed now, for the
    caller to record with who and when."""
    found = privacy.find(_issue_fields(minutes, pdf))
    already = _confirmed_for_minutes(minutes)
    offered = set(confirmed or ()) - already
    refused = privacy.unconfirmed(found, already | offered)
    numbers = [h for h in refused if h.is_number]
    if numbers:
        h = numbers[0]
        raise PersonalDataError(
            f"纪要不能印发：{h.field}中含有{h.kind}（{h.text[:3]}…）。纪要要分送各成员单位，"
            "请撤回审签、在草稿中删除后重新提交。"
        )
    if refused:
        hits = _unique(refused)
        names = "、".join(f"「{h.text}」（{h.kind}，见{h.field}）" for h in hits)
        raise PersonalDataError(
            f"纪要不能印发：{names}与急难救助个案的当事人信息相同。如确认不是该个案当事人，"
            "请逐项确认后再印发；否则请撤回审签修改。",
            hits,
        )
    return _unique(h for h in found if privacy.confirmation_choice(h) in offered)


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def _check_version(obj, version, what: str):
    if version is not None and int(version) != obj.version:
        raise MeetingsError(
            f"{what}已被他人修改并保存（您编辑的是旧版本）。请复制您的内容，刷新页面后再修改。"
        )


# --- agenda items -------------------------------------------------------------------------------


def _check_duty(duty: Duty | None, unit: Unit):
    if duty is not None and not Duty.objects.for_unit(unit).filter(pk=duty.pk).exists():
        raise MeetingsError("所依职责须是本单位在《制度》中的职责。")


def _attach(item: AgendaItem, files, by):
    store_uploads(
        files,
        lambda upload, sha: Material(
            item=item, name=upload.name, size=upload.size, sha256=sha, uploaded_by=by
        ),
        MeetingsError,
    )


@transaction.atomic
def submit_item(
    *, by, title, background, proposal, duty=None, files=(), confirmed=()
) -> AgendaItem:
    if not perms.can_submit_item(by):
        raise MeetingsError("只有成员单位联络员可以提交议题。")
    unit = by.unit
    _check_duty(duty, unit)
    if not (title or "").strip():
        raise MeetingsError("请填写议题名称。")
    hits = _check_fields(
        {"议题名称": title, "背景情况": background, "建议方案": proposal}, confirmed
    )
    item = AgendaItem.objects.create(
        unit=unit,
        submitted_by=by,
        title=title.strip(),
        background=background,
        proposal=proposal,
        duty=duty,
    )
    _attach(item, files, by)
    _record_confirmations(item, hits, by)
    record_step(item, AgendaItem.Action.SUBMITTED, by=by)
    return item


@transaction.atomic
def submit_office_item(*, by, unit, title, background, proposal) -> AgendaItem:
    """An item the office itself puts forward for a unit (e.g. an urgent case); accepted at once."""
    if not perms.can_review_item(by):
        raise MeetingsError("只有办公室可以直接提出议题。")
    _check_fields({"议题名称": title, "背景情况": background, "建议方案": proposal})
    item = AgendaItem.objects.create(
        unit=unit,
        submitted_by=by,
        title=title.strip(),
        background=background,
        proposal=proposal,
        status=AgendaItem.Status.ACCEPTED,
    )
    record_step(item, AgendaItem.Action.SUBMITTED, by=by, comment="办公室提出")
    record_step(item, AgendaItem.Action.ACCEPTED, by=by)
    return item


def _refuse_item_unless(action: str, item: AgendaItem):
    """Refuse what meetings.permissions.ITEM_ACTIONS does not allow in the item's state."""
    if why := perms.item_refusal(action, item):
        raise MeetingsError(why)


@transaction.atomic
def update_item(
    item, *, by, version, title, background, proposal, duty=None, files=(), remove=(), confirmed=()
) -> AgendaItem:
    item = lock(item)
    if not perms.can_edit_item(by, item):
        raise MeetingsError("只有本单位联络员可以修改本单位的议题。")
    _refuse_item_unless("edit", item)
    _check_version(item, version, "该议题")
    _check_duty(duty, item.unit)
    hits = _check_fields(
        {"议题名称": title, "背景情况": background, "建议方案": proposal}, confirmed
    )
    item.title, item.background, item.proposal, item.duty = (
        title.strip(),
        background,
        proposal,
        duty,
    )
    was_returned = item.status == AgendaItem.Status.RETURNED
    # A returned item goes back to the office once revised.
    item.status = AgendaItem.Status.SUBMITTED
    item.version += 1
    item.save()
    if remove:
        for material in item.materials.filter(pk__in=list(remove)):
            material.file.delete(save=False)
            material.delete()
    _attach(item, files, by)
    _record_confirmations(item, hits, by)
    comment = "修改后重新提交" if was_returned else ""
    record_step(item, AgendaItem.Action.EDITED, by=by, comment=comment)
    return item


@transaction.atomic
def withdraw_item(item, *, by) -> AgendaItem:
    item = lock(item)
    if not perms.can_edit_item(by, item):
        raise MeetingsError("只有本单位联络员可以撤回本单位的议题。")
    _refuse_item_unless("withdraw", item)
    item.status = AgendaItem.Status.WITHDRAWN
    item.save(update_fields=["status"])
    record_step(item, AgendaItem.Action.WITHDRAWN, by=by)
    return item


REVIEW_ACTIONS = {
    "accept": (AgendaItem.Status.ACCEPTED, AgendaItem.Action.ACCEPTED),
    "return": (AgendaItem.Status.RETURNED, AgendaItem.Action.RETURNED),
    "reject": (AgendaItem.Status.REJECTED, AgendaItem.Action.REJECTED),
}


@transaction.atomic
def review_item(item, *, by, action: str, comment: str = "") -> AgendaItem:
    """资料的收集、准备和审核: the office accepts, returns for revision, or rejects."""
    item = lock(item)
    if not perms.can_review_item(by):
        raise MeetingsError("只有办公室可以审核议题。")
    if action not in REVIEW_ACTIONS:
        raise MeetingsError("请选择审核结果。")
    _refuse_item_unless("review", item)
    comment = (comment or "").strip()
    if action == "return" and not comment:
        raise MeetingsError("退回修改时请写明修改意见。")
    if action == "reject" and not comment:
        raise MeetingsError("不予受理时请写明理由。")
    item.status, step = REVIEW_ACTIONS[action]
    item.save(update_fields=["status"])
    record_step(item, step, by=by, comment=comment)
    notifications.item_reviewed(item, comment)
    return item


@transaction.atomic
def schedule_item(item, *, by, meeting) -> AgendaItem:
    """Put an accepted item on a meeting's agenda, after the items already there."""
    if not perms.can_manage_meetings(by):
        raise MeetingsError("只有办公室可以安排议程。")
    meeting = lock(meeting)
    item = lock(item)
    _refuse_item_unless("schedule", item)
    if meeting.status not in (Meeting.Status.DRAFT, Meeting.Status.NOTIFIED):
        raise MeetingsError(f"会议{meeting.get_status_display()}，不能再增加议题。")
    last = meeting.agenda_items.aggregate(m=Max("order"))["m"] or 0
    item.meeting, item.order, item.status = meeting, last + 1, AgendaItem.Status.SCHEDULED
    item.save(update_fields=["meeting", "order", "status"])
    if not meeting.invited_units.filter(pk=item.unit_id).exists():
        meeting.invited_units.add(item.unit)  # the proposing unit attends its own item
    record_step(
        item, AgendaItem.Action.SCHEDULED, by=by, comment=f"列入“{meeting.title}”第{item.order}项"
    )
    notifications.item_scheduled(item, meeting)
    return item


# --- meetings -----------------------------------------------------------------------------------


@dataclass
class MeetingData:
    kind: str
    title: str
    starts_at: datetime.datetime
    place: str = ""
    convener_seat: Seat | None = None
    invited_units: list | None = None
    opinion_deadline: datetime.datetime | None = None
    host_seat: Seat | None = None  # 主持人 of a plenary: the 组长 or 副组长 seat
    host_name: str = ""  # 主持人 of a special meeting, named by the office
    host_post: str = ""
    confirmed: list = field(default_factory=list)  # confirmations offered by the office
    hits: list = field(default_factory=list)
    change_reason: str = ""  # 变更原因: required when a notified meeting's time or place changes


def _validated_meeting(data: MeetingData) -> tuple[MeetingData, list[Unit]]:
    if not (data.title or "").strip():
        raise MeetingsError("请填写会议名称。")
    data.hits = _check_fields({"会议名称": data.title, "会议地点": data.place}, data.confirmed)
    if data.starts_at is None:
        raise MeetingsError("请填写会议时间。")
    units = list(data.invited_units or [])
    data.host_name = (data.host_name or "").strip()
    data.host_post = (data.host_post or "").strip()
    _check_numbers({"主持人": f"{data.host_name} {data.host_post}"})
    if data.kind == Meeting.Kind.PLENARY:
        seat = data.convener_seat
        if seat is None or seat.role not in (Seat.Role.LEADER, Seat.Role.DEPUTY):
            raise MeetingsError("全体会议须由组长或副组长召集，请选择召集人。")
        # 主持人: the 组长 or 副组长 seat; its holder on the day is printed. The convener's
        # seat unless the office names the other one.
        data.host_seat = data.host_seat or seat
        if data.host_seat.role not in (Seat.Role.LEADER, Seat.Role.DEPUTY):
            raise MeetingsError("全体会议由组长或副组长主持，请选择主持人。")
        data.host_name = data.host_post = ""
        units = list(Unit.objects.filter(active=True))  # 全体会议: every member unit
        if not (data.place or "").strip():
            raise MeetingsError("请填写会议地点。")
    elif data.kind == Meeting.Kind.SPECIAL:
        data.convener_seat = data.host_seat = None  # 专题会议由办公室召集, 主持人由办公室指定
        if not units:
            raise MeetingsError("专题会议请至少选择一个参会单位。")
        if not (data.place or "").strip():
            raise MeetingsError("请填写会议地点。")
    elif data.kind == Meeting.Kind.WRITTEN:
        data.convener_seat = data.host_seat = None
        data.host_name = data.host_post = ""  # no sitting, no 主持人
        data.place = ""
        if not units:
            raise MeetingsError("书面审议请至少选择一个参加单位。")
        if data.opinion_deadline is None:
            raise MeetingsError("书面审议请填写意见截止时间。")
    else:
        raise MeetingsError("请选择会议类型。")
    return data, units


@transaction.atomic
def create_meeting(data: MeetingData, *, by) -> Meeting:
    if not perms.can_manage_meetings(by):
        raise MeetingsError("只有办公室可以筹备会议。")
    data, units = _validated_meeting(data)
    meeting = Meeting.objects.create(
        kind=data.kind,
        title=data.title.strip(),
        starts_at=data.starts_at,
        place=data.place.strip(),
        convener_seat=data.convener_seat,
        host_seat=data.host_seat,
        host_name=data.host_name,
        host_post=data.host_post,
        opinion_deadline=data.opinion_deadline if data.kind == Meeting.Kind.WRITTEN else None,
        created_by=by,
    )
    meeting.invited_units.set(units)
    _record_confirmations(meeting, data.hits, by)
    return meeting


@transaction.atomic
def update_meeting(meeting, data: MeetingData, *, by) -> Meeting:
    meeting = lock(meeting)
    if not perms.can_manage_meetings(by):
        raise MeetingsError("只有办公室可以修改会议。")
    _refuse_unless("edit", meeting)
    data.kind = meeting.kind  # the kind is chosen once
    data, units = _validated_meeting(data)
    before = (meeting.starts_at, meeting.place, meeting.opinion_deadline)
    changed = meeting.status == Meeting.Status.NOTIFIED and before != (
        data.starts_at,
        data.place.strip(),
        data.opinion_deadline,
    )
    if changed and not (data.change_reason or "").strip():
        raise MeetingsError("会议已发通知，变更时间、地点或截止时间须写明变更原因。")
    # Units proposing scheduled items stay invited.
    units = set(units) | {i.unit for i in meeting.agenda_items.select_related("unit")}
    meeting.title, meeting.starts_at, meeting.place = data.title.strip(), data.starts_at, data.place
    meeting.convener_seat, meeting.opinion_deadline = data.convener_seat, data.opinion_deadline
    meeting.host_seat, meeting.host_name = data.host_seat, data.host_name
    meeting.host_post = data.host_post
    meeting.save()
    meeting.invited_units.set(units)
    _record_confirmations(meeting, data.hits, by)
    if changed:
        notifications.meeting_changed(meeting, *before, data.change_reason.strip())
    return meeting


def _refuse_unless(action: str, meeting: Meeting):
    """Refuse what meetings.permissions.MEETING_ACTIONS does not allow in the meeting's state."""
    if why := perms.meeting_refusal(action, meeting):
        raise MeetingsError(why)


def _change_status(meeting, by, action, to):
    if not perms.can_manage_meetings(by):
        raise MeetingsError("只有办公室可以变更会议状态。")
    _refuse_unless(action, meeting)
    meeting.status, meeting.status_changed_at = to, timezone.now()
    meeting.save(update_fields=["status", "status_changed_at"])


@transaction.atomic
def notify_meeting(meeting, *, by) -> Meeting:
    """发出会议通知: the agenda is set and the invited units can see the meeting."""
    meeting = lock(meeting)
    _change_status(meeting, by, "notify", Meeting.Status.NOTIFIED)
    meeting.notified_at = meeting.status_changed_at
    meeting.save(update_fields=["notified_at"])
    notifications.meeting_notified(meeting)
    return meeting


def invited_seats(meeting) -> list[Seat]:
    day = timezone.localtime(meeting.starts_at).date()
    seats = Seat.objects.in_service_on(day).filter(unit__in=meeting.invited_units.all())
    if meeting.convener_seat_id:
        seats = seats | Seat.objects.filter(pk=meeting.convener_seat_id)
    return list(seats.distinct().select_related("unit").order_by("order", "pk"))


@transaction.atomic
def hold_meeting(meeting, *, by) -> Meeting:
    """The meeting has sat (or the written review has ended): freeze who held each seat then."""
    meeting = lock(meeting)
    _change_status(meeting, by, "hold", Meeting.Status.HELD)
    if not meeting.is_written:
        day = timezone.localtime(meeting.starts_at).date()
        seats = invited_seats(meeting)
        holders = {
            t.seat_id: t
            for t in Tenure.objects.on(day).filter(seat__in=seats).select_related("person")
        }
        replies = {r.unit_id: r for r in meeting.replies.all()}  # the attendance starts from them
        Attendance.objects.bulk_create(
            Attendance(
                meeting=meeting,
                seat=seat,
                unit=seat.unit,
                name=holders[seat.pk].person.name,
                post=holders[seat.pk].post,
                order=seat.order,
                **_from_reply(replies.get(seat.unit_id)),
            )
            for seat in seats
            if seat.pk in holders
        )
    for item in meeting.agenda_items.filter(status=AgendaItem.Status.SCHEDULED):
        item.status = AgendaItem.Status.DELIBERATED
        item.save(update_fields=["status"])
        record_step(item, AgendaItem.Action.DELIBERATED, by=by, comment=meeting.title)
    return meeting


def _from_reply(reply) -> dict:
    if reply is None or reply.answer == Reply.Answer.ATTEND:
        return {}
    if reply.answer == Reply.Answer.LEAVE:
        return {"status": Attendance.Status.LEAVE}
    return {
        "status": Attendance.Status.DELEGATE,
        "delegate_name": reply.delegate_name,
        "delegate_post": reply.delegate_post,
    }


@transaction.atomic
def cancel_meeting(meeting, *, by) -> Meeting:
    meeting = lock(meeting)
    _change_status(meeting, by, "cancel", Meeting.Status.CANCELLED)
    # Its items go back to the office's accepted pile, to be scheduled elsewhere.
    for item in meeting.agenda_items.all():
        item.status, item.meeting, item.order = AgendaItem.Status.ACCEPTED, None, None
        item.save(update_fields=["status", "meeting", "order"])
        record_step(
            item,
            AgendaItem.Action.ACCEPTED,
            by=by,
            comment=f"会议“{meeting.title}”取消，待重新安排",
        )
    notifications.meeting_cancelled(meeting)
    return meeting


@transaction.atomic
def record_attendance(meeting, rows, *, by) -> Meeting:
    """rows: [(attendance_pk, status, delegate_name, delegate_post)] for the meeting's seats."""
    meeting = lock(meeting)
    if not perms.can_manage_meetings(by):
        raise MeetingsError("只有办公室可以登记出席情况。")
    _refuse_unless("attendance", meeting)
    existing = {a.pk: a for a in meeting.attendances.select_for_update().filter(seat__isnull=False)}
    for pk, status, delegate_name, delegate_post in rows:
        attendance = existing.get(int(pk))
        if attendance is None:
            raise MeetingsError("出席名单已变化，请刷新后重试。")
        if status not in (
            Attendance.Status.PRESENT,
            Attendance.Status.LEAVE,
            Attendance.Status.DELEGATE,
        ):
            raise MeetingsError("请选择出席、请假或委托。")
        delegate_name, delegate_post = (delegate_name or "").strip(), (delegate_post or "").strip()
        if status == Attendance.Status.DELEGATE and not delegate_name:
            raise MeetingsError(f"{attendance.name}委托他人参会，请填写受委托人姓名。")
        if status != Attendance.Status.DELEGATE:
            delegate_name = delegate_post = ""
        _check_numbers({"受委托人": f"{delegate_name} {delegate_post}"})
        attendance.status = status
        attendance.delegate_name, attendance.delegate_post = delegate_name, delegate_post
        attendance.save(update_fields=["status", "delegate_name", "delegate_post"])
    return meeting


@transaction.atomic
def add_observer(meeting, *, by, name, post, unit=None) -> Attendance:
    meeting = lock(meeting)
    if not perms.can_manage_meetings(by):
        raise MeetingsError("只有办公室可以登记列席人员。")
    _refuse_unless("observer", meeting)
    name, post = (name or "").strip(), (post or "").strip()
    if not name or not post:
        raise MeetingsError("请填写列席人员的姓名和职务。")
    _check_numbers({"列席人员": f"{name} {post}"})
    last = meeting.attendances.aggregate(m=Max("order"))["m"] or 0
    return Attendance.objects.create(
        meeting=meeting,
        unit=unit,
        name=name,
        post=post,
        status=Attendance.Status.OBSERVER,
        order=last + 1,
    )


@transaction.atomic
def record_opinion(meeting, *, by, choice, text="") -> Opinion:
    """书面审议: the unit's liaison records 同意 / 不同意 / 意见 by the deadline."""
    meeting = lock(meeting)
    if not meeting.is_written:
        raise MeetingsError("只有书面审议需要填报意见。")
    if not perms.can_give_opinion(by, meeting):
        raise MeetingsError("只有参加审议单位的联络员可以填报本单位意见。")
    _refuse_unless("opinion", meeting)
    if choice not in Opinion.Choice.values:
        raise MeetingsError("请选择同意、不同意或提出意见。")
    text = (text or "").strip()
    if choice != Opinion.Choice.AGREE and not text:
        raise MeetingsError("不同意或提出意见时，请写明具体意见。")
    _check_fields({"意见": text})
    opinion, _ = Opinion.objects.update_or_create(
        meeting=meeting, unit_id=by.unit_id, defaults={"choice": choice, "text": text, "by": by}
    )
    return opinion


@transaction.atomic
def record_reply(meeting, *, by, answer, delegate_name="", delegate_post="", reason="") -> Reply:
    """会议回执: the unit's liaison says who attends, or asks for leave, until the deadline."""
    meeting = lock(meeting)
    if meeting.is_written:
        raise MeetingsError("书面审议不需要回执，请填报书面意见。")
    if not perms.can_give_opinion(by, meeting):
        raise MeetingsError("只有参会单位的联络员可以填报本单位回执。")
    if meeting.status != Meeting.Status.NOTIFIED:
        raise MeetingsError(f"会议{meeting.get_status_display()}，不能填报回执。")
    if timezone.now() >= Reply.deadline_of(meeting):
        raise MeetingsError("已过回执截止时间（会议前一天 24 时），请直接联系办公室。")
    if answer not in Reply.Answer.values:
        raise MeetingsError("请选择出席、委托出席或请假。")
    delegate_name, delegate_post = (delegate_name or "").strip(), (delegate_post or "").strip()
    reason = (reason or "").strip()
    if answer == Reply.Answer.DELEGATE and not (delegate_name and delegate_post):
        raise MeetingsError("委托出席请填写受委托人姓名和职务。")
    if answer == Reply.Answer.LEAVE and not reason:
        raise MeetingsError("请假请写明事由。")
    if answer != Reply.Answer.DELEGATE:
        delegate_name = delegate_post = ""
    if answer != Reply.Answer.LEAVE:
        reason = ""
    _check_fields({"受委托人": delegate_name, "请假事由": reason})
    reply, _ = Reply.objects.update_or_create(
        meeting=meeting,
        unit_id=by.unit_id,
        defaults={
            "answer": answer,
            "delegate_name": delegate_name,
            "delegate_post": delegate_post,
            "reason": reason,
            "by": by,
        },
    )
    return reply


# --- minutes ------------------------------------------------------------------------------------


@transaction.atomic
def create_minutes(meeting, *, by) -> Minutes:
    meeting = lock(meeting)
    if not perms.can_draft_minutes(by):
        raise MeetingsError("只有办公室可以起草纪要。")
    _refuse_unless("draft-minutes", meeting)
    minutes = Minutes.objects.create(meeting=meeting, drafted_by=by)
    # The draft starts from the meeting: one decision per deliberated item, in agenda order,
    # its proposal as the text to edit and its proposing unit as the lead.
    items = meeting.agenda_items.filter(status=AgendaItem.Status.DELIBERATED).order_by("order")
    for order, item in enumerate(items.select_related("unit"), 1):
        Decision.objects.create(
            minutes=minutes, order=order, text=item.proposal.strip(), lead_unit=item.unit
        )
    record_step(minutes, Minutes.Action.CREATED, by=by)
    return minutes


@dataclass
class DecisionData:
    text: str
    lead_unit: Unit
    responsible_units: list
    deadline: datetime.date | None = None


@dataclass
class DistributionData:
    """The office's choice of 分送 and 抄送 for the minutes (see planned_distribution)."""

    narrowed_units: list = field(default_factory=list)  # empty: every member unit
    reason: str = ""  # required when narrowed
    copy_extra: str = ""  # 抄送 outside the system, e.g. 市民政局


def _validated_distribution(data: DistributionData) -> tuple[list, str, str]:
    members = {u.pk: u for u in member_units()}
    chosen = {u.pk for u in data.narrowed_units}
    if chosen - set(members):
        raise MeetingsError("分送单位只能从成员单位中选择。")
    reason = (data.reason or "").strip()
    copy_extra = "、".join(copy_extra_names(data.copy_extra))
    if len(copy_extra) > 200:
        raise MeetingsError("其他抄送单位太长（不超过200字）。")
    if COPY_UNIT_NAME in copy_extra_names(copy_extra):
        raise MeetingsError(f"{COPY_UNIT_NAME}总是抄送，不必再填。")
    if not chosen or chosen == set(members):
        return [], "", copy_extra  # every member unit: nothing narrowed
    if not reason:
        raise MeetingsError("只分送部分成员单位时，请写明缩小分送范围的原因。")
    return [members[pk] for pk in members if pk in chosen], reason, copy_extra


@transaction.atomic
def save_minutes(
    minutes,
    *,
    by,
    version,
    summary,
    decisions: list[DecisionData],
    confirmed=(),
    distribution: DistributionData | None = None,
) -> Minutes:
    """Save the draft. A save based on an older version is refused: nobody's work is lost.
    `distribution` None leaves the 分送/抄送 as they were."""
    minutes = lock(minutes)
    if not perms.can_draft_minutes(by):
        raise MeetingsError("只有办公室可以修改纪要。")
    if not perms.minutes_state_allows("edit", minutes):
        raise MeetingsError(f"纪要{minutes.get_status_display()}，不能修改。")
    _check_version(minutes, version, "这份纪要")
    for d in decisions:
        if not (d.text or "").strip():
            raise MeetingsError("议定事项的内容不能为空。")
        if d.lead_unit is None:
            raise MeetingsError("每个议定事项都要有牵头单位。")
    if distribution is not None:
        narrowed, reason, copy_extra = _validated_distribution(distribution)
    fields = {"会议概况": summary}
    fields.update({f"议定事项{n}": d.text for n, d in enumerate(decisions, 1)})
    if distribution is not None:
        fields["抄送"] = copy_extra
    hits = _check_fields(fields, confirmed)
    minutes.summary = summary
    minutes.version += 1
    if distribution is not None:
        minutes.narrow_reason, minutes.copy_extra = reason, copy_extra
    minutes.save(update_fields=["summary", "version", "narrow_reason", "copy_extra"])
    if distribution is not None:
        minutes.narrowed_units.set(narrowed)
    minutes.decisions.all().delete()
    for order, d in enumerate(decisions, 1):
        decision = Decision.objects.create(
            minutes=minutes,
            order=order,
            text=d.text.strip(),
            lead_unit=d.lead_unit,
            deadline=d.deadline,
        )
        decision.responsible_units.set(d.responsible_units)
    _record_confirmations(minutes, hits, by)
    return minutes


@transaction.atomic
def submit_minutes(minutes, *, by) -> Minutes:
    minutes = lock(minutes)
    if not perms.can_draft_minutes(by):
        raise MeetingsError("只有办公室可以提交纪要审签。")
    if not perms.minutes_state_allows("submit", minutes):
        raise MeetingsError(f"纪要{minutes.get_status_display()}，不能提交审签。")
    if not minutes.summary.strip():
        raise MeetingsError("请先填写会议概况再提交审签。")
    if not minutes.decisions.exists():
        raise MeetingsError("请至少写一项议定事项再提交审签。")
    minutes.status = Minutes.Status.SUBMITTED
    minutes.save(update_fields=["status"])
    record_step(minutes, Minutes.Action.SUBMITTED, by=by)
    notifications.minutes_changed(minutes)
    return minutes


@transaction.atomic
def approve_minutes(minutes, *, by, comment="") -> Minutes:
    minutes = lock(minutes)
    if not perms.can_approve_minutes(by):
        raise MeetingsError("只有组长、副组长可以审签纪要。")
    if not perms.minutes_state_allows("approve", minutes):
        raise MeetingsError("只有待审签的纪要才能审签。")
    minutes.status = Minutes.Status.APPROVED
    minutes.approved_by, minutes.approved_at = by, timezone.now()
    minutes.save(update_fields=["status", "approved_by", "approved_at"])
    record_step(minutes, Minutes.Action.APPROVED, by=by, comment=(comment or "").strip())
    notifications.minutes_changed(minutes, comment)
    return minutes


@transaction.atomic
def return_minutes(minutes, *, by, comment) -> Minutes:
    minutes = lock(minutes)
    if not perms.can_approve_minutes(by):
        raise MeetingsError("只有组长、副组长可以退回纪要。")
    if not perms.minutes_state_allows("return", minutes):
        raise MeetingsError("只有待审签的纪要才能退回。")
    comment = (comment or "").strip()
    if not comment:
        raise MeetingsError("退回纪要时请写明修改意见。")
    minutes.status = Minutes.Status.RETURNED
    minutes.save(update_fields=["status"])
    record_step(minutes, Minutes.Action.RETURNED, by=by, comment=comment)
    notifications.minutes_changed(minutes, comment)
    return minutes


@transaction.atomic
def withdraw_approval(minutes, *, by, reason) -> Minutes:
    """撤回审签: approved minutes go back to draft (e.g. the check at issuance found something),
    with the office's reason recorded, so that approved minutes are never stuck."""
    minutes = lock(minutes)
    if not perms.can_issue_minutes(by):
        raise MeetingsError("只有办公室可以撤回审签。")
    if not perms.minutes_state_allows("withdraw", minutes):
        raise MeetingsError("只有已审签、尚未印发的纪要才能撤回审签。")
    reason = (reason or "").strip()
    if not reason:
        raise MeetingsError("撤回审签时请写明原因。")
    minutes.status = Minutes.Status.DRAFT
    minutes.approved_by, minutes.approved_at = None, None
    minutes.save(update_fields=["status", "approved_by", "approved_at"])
    record_step(minutes, Minutes.Action.WITHDRAWN, by=by, comment=reason)
    return minutes


@transaction.atomic
def issue_minutes(minutes, *, by, confirmed=()) -> Minutes:
    """印发: number, render the PDF once and keep it with its hash, distribute, create tasks.

    `confirmed`: the office's 印发前确认 of names that match a case (see _check_for_issue)."""
    from .pdf import render_minutes_pdf

    minutes = lock(minutes)
    if not perms.can_issue_minutes(by):
        raise MeetingsError("只有办公室可以印发纪要。")
    if not perms.minutes_state_allows("issue", minutes):
        raise MeetingsError("纪要须经组长或副组长审签后才能印发。")
    now = timezone.now()
    issued_on = timezone.localtime(now).date()
    minutes.year = issued_on.year
    minutes.number = next_number(f"minutes-{minutes.year}")
    pdf = render_minutes_pdf(minutes, number_label=minutes.number_label, issued_on=issued_on)
    _record_confirmations(minutes, _check_for_issue(minutes, pdf, confirmed), by)
    try:
        pdf = signing.sign_pdf(pdf)  # the office's PAdES signature: what is hashed and kept
    except signing.SigningError as e:
        raise MeetingsError(f"纪要不能印发：{e}") from None
    minutes.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    name = f"{minutes.year}-{minutes.number}-{minutes.pdf_sha256[:12]}.pdf"
    minutes.pdf.save(name, ContentFile(pdf), save=False)
    stored = minutes.pdf.name
    try:
        store_ofd_copy(minutes, pdf)  # the OFD copy beside the PDF (issue 16)
        minutes.status, minutes.issued_by, minutes.issued_at = Minutes.Status.ISSUED, by, now
        minutes.save()
        _distribute(minutes, now)
        _create_tasks(minutes, by)
        record_step(minutes, Minutes.Action.ISSUED, by=by, comment=_issue_comment(minutes))
        _end_meeting(minutes.meeting, now)
    except Exception:
        minutes.pdf.storage.delete(stored)  # the transaction rolls back; leave no orphan file
        if minutes.ofd:
            minutes.ofd.storage.delete(minutes.ofd.name)
        raise
    notifications.minutes_changed(minutes)
    return minutes


def _end_meeting(meeting: Meeting, now) -> None:
    """The meeting ends when its minutes are issued: 已召开 → 已结束, nothing to click."""
    meeting = lock(meeting)
    if meeting.status == Meeting.Status.HELD:
        meeting.status, meeting.status_changed_at = Meeting.Status.CLOSED, now
        meeting.save(update_fields=["status", "status_changed_at"])


def member_units():
    """The member units that receive 分送: every active unit but the 旗人民政府 (the group's
    leaders sit for it) and the 旗人民政府办公室, which receives the 抄送."""
    return (
        Unit.objects.filter(active=True)
        .exclude(kind__in=[Unit.Kind.GOVERNMENT, Unit.Kind.GOVERNMENT_OFFICE])
        .exclude(name=COPY_UNIT_NAME)
    )


@dataclass
class DistributionPlan:
    main: list  # 分送 units, in roster order
    all_members: bool  # every member unit: the 版记 says 各成员单位
    copy_units: list  # 抄送 units in the system (旗人民政府办公室)
    copy_extra: list[str]  # 抄送 outside the system, as text
    reason: str  # why 分送 was narrowed ("" when it was not)


SPLIT_NAMES = re.compile(r"[、，,；;\s]+")


def copy_extra_names(text: str) -> list[str]:
    return [name for name in SPLIT_NAMES.split(text or "") if name]


def planned_distribution(minutes: Minutes) -> DistributionPlan:
    """What issuance sends, whatever the meeting's kind (伊政发〔2024〕58号 三(一): 会议议定事项
    印发各成员单位，同时抄送旗人民政府办公室): every active member unit, unless the office
    narrowed the 分送 with a recorded reason. The 版记 prints exactly this (meetings/pdf.py)."""
    members = list(member_units())
    narrowed = {u.pk for u in minutes.narrowed_units.all()} if minutes.pk else set()
    main = [u for u in members if u.pk in narrowed] if narrowed else members
    all_members = len(main) == len(members)
    return DistributionPlan(
        main=main,
        all_members=all_members,
        copy_units=list(Unit.objects.filter(name=COPY_UNIT_NAME, active=True)),
        copy_extra=copy_extra_names(minutes.copy_extra),
        reason="" if all_members else minutes.narrow_reason,
    )


def _issue_comment(minutes: Minutes) -> str:
    plan = planned_distribution(minutes)
    if plan.all_members:
        return minutes.number_label
    return f"{minutes.number_label}；分送{len(plan.main)}个单位，原因：{plan.reason}"


def store_ofd_copy(minutes: Minutes, pdf: bytes) -> None:
    """Convert the issued PDF to OFD (meetings/ofd.py) and keep it with its SHA-256, stored once
    under the same name as the PDF with .ofd. The caller saves `minutes`: issue_minutes, or
    add_ofd_copy for minutes issued before the OFD copy existed."""
    from .ofd import OfdError, pdf_to_ofd

    try:
        ofd = pdf_to_ofd(pdf)
    except OfdError as e:  # the PDF has something the converter does not translate
        raise MeetingsError(f"无法生成 OFD 副本：{e}") from e
    minutes.ofd_sha256 = hashlib.sha256(ofd).hexdigest()
    name = f"{minutes.year}-{minutes.number}-{minutes.ofd_sha256[:12]}.ofd"
    minutes.ofd.save(name, ContentFile(ofd), save=False)


@transaction.atomic
def add_ofd_copy(minutes) -> Minutes:
    """The OFD copy of minutes issued before issuance made one (manage.py ofd_copies): made from
    the stored PDF, which must still match its SHA-256. Does nothing if the copy exists."""
    minutes = lock(minutes)
    if minutes.status != Minutes.Status.ISSUED or minutes.ofd_sha256:
        return minutes
    with minutes.pdf.open("rb") as handle:
        pdf = handle.read()
    if hashlib.sha256(pdf).hexdigest() != minutes.pdf_sha256:
        raise MeetingsError(
            f"{minutes.number_label}的 PDF 与印发时记录的 SHA-256 不符，不能生成 OFD。"
        )
    store_ofd_copy(minutes, pdf)
    try:
        minutes.save(update_fields=["ofd", "ofd_sha256"])
    except Exception:
        minutes.ofd.storage.delete(minutes.ofd.name)
        raise
    return minutes


def issued_minutes_by_ofd_sha256(sha256: str) -> Minutes | None:
    """The issued minutes whose OFD copy has this SHA-256, or None.

    For the 核验 page (being built by helper `sign`): a checked OFD answers like a checked PDF
    — look the uploaded file's SHA-256 up here as well as against pdf_sha256.
    """
    sha256 = (sha256 or "").strip().lower()
    if len(sha256) != 64:
        return None
    return (
        Minutes.objects.filter(status=Minutes.Status.ISSUED, ofd_sha256=sha256)
        .select_related("meeting")
        .first()
    )


def _distribute(minutes: Minutes, now):
    plan = planned_distribution(minutes)
    rows = [
        Distribution(minutes=minutes, unit=unit, kind=Distribution.Kind.MAIN, delivered_at=now)
        for unit in plan.main
    ]
    rows += [
        Distribution(minutes=minutes, unit=unit, kind=Distribution.Kind.COPY, delivered_at=now)
        for unit in plan.copy_units
    ]
    for row in rows:
        row.save()  # one by one: django-simple-history records each


def _create_tasks(minutes: Minutes, by):
    """Each decision becomes a task in the supervision ledger, seen by its units."""
    decisions = minutes.decisions.select_related("lead_unit").prefetch_related("responsible_units")
    for decision in decisions:
        decision.task = duties_services.create_task(
            title=decision.text,
            source=Task.Source.DECISION,
            source_label=f"{minutes.number_label}纪要 第{decision.order}项",
            lead_unit=decision.lead_unit,
            responsible_units=list(decision.responsible_units.all()),
            deadline=decision.deadline,
            by=by,
        )
        decision.save(update_fields=["task"])


@transaction.atomic
def record_download(minutes, *, by) -> Distribution | None:
    """Count a download of the issued PDF against the downloader's unit, if it was sent one.

    The office's and leaders' own reading is not the receiving unit's: it is not counted. The
    count moves in one UPDATE computed by the database, so concurrent downloads each count
    without a row lock; each download is its own Download row (who, when), so the counter's
    change writes no history row of the distribution.
    """
    distribution = None if perms.sees_everything(by) else perms.distribution_for(by, minutes)
    if distribution is None:
        return None
    Distribution.objects.filter(pk=distribution.pk).update(
        download_count=F("download_count") + 1,
        first_downloaded_at=Coalesce("first_downloaded_at", Value(timezone.now())),
    )
    Download.objects.create(distribution=distribution, by=by)
    return distribution


@transaction.atomic
def acknowledge(minutes, *, by) -> Distribution:
    """签收: the unit's liaison confirms receipt. Once."""
    distribution = perms.distribution_for(by, minutes)
    if not perms.can_acknowledge(by, distribution):
        raise MeetingsError("只有收文单位的联络员可以签收。")
    distribution = lock(distribution)
    if distribution.acknowledged_at:
        raise MeetingsError(
            f"本单位已于 {timezone.localtime(distribution.acknowledged_at):%Y-%m-%d %H:%M} 签收。"
        )
    distribution.acknowledged_by, distribution.acknowledged_at = by, timezone.now()
    distribution.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return distribution
