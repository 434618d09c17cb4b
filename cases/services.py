"""Every state change of a case: 受理 → 核实 → 提请审议 → 议定 → 实施中 → 办结, or 不予救助.

One atomic function each; refusals raise CasesError with the Chinese message and change nothing.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from duties import services as duties_services
from duties.models import Task
from meetings import services as meeting_services
from meetings.models import AgendaItem, Meeting
from members import notifications
from members.files import store_uploads
from members.locking import lock
from members.models import Unit
from members.permissions import Role, has_role
from members.sequences import next_number
from members.steps import record_step

from . import permissions as perms
from .identity import InvalidID, validate_id, validate_phone
from .models import AccessLog, Case, CaseFile, HouseholdMember, Measure, Verification


class CasesError(Exception):
    """A change that is not allowed; str(e) is the Chinese message the user sees."""


def _move(case, to, by, comment=""):
    case.status = to
    case.save(update_fields=["status"])
    record_step(case, to, by=by, comment=comment)


@dataclass
class MemberData:
    name: str
    relation: str
    id_number: str
    condition: str = ""


@dataclass
class CaseData:
    applicant: str
    id_number: str
    phone: str
    town: Unit
    address: str
    category: str
    facts: str
    requested_help: str
    found_by: str
    urgency: str = Case.Urgency.URGENT
    household: list[MemberData] = field(default_factory=list)


def _id(value, who):
    try:
        return validate_id(value)
    except InvalidID as e:
        raise CasesError(f"{who}的{e}") from e


@transaction.atomic
def register_case(data: CaseData, *, by, files=()) -> Case:
    """受理: the office, or a town's liaison for its own town."""
    if not perms.can_register(by):
        raise CasesError("只有办公室和各镇联络员可以登记个案。")
    if data.town is None or data.town.kind != Unit.Kind.TOWN:
        raise CasesError("请选择申请人所在的镇。")
    if not perms.can_manage_cases(by) and data.town.pk != by.unit_id:
        raise CasesError("镇联络员只能登记本镇的个案。")
    applicant = (data.applicant or "").strip()
    if not applicant:
        raise CasesError("请填写申请人姓名。")
    id_number = _id(data.id_number, "申请人")
    try:
        phone = validate_phone(data.phone)
    except InvalidID as e:
        raise CasesError(str(e)) from e
    for text, label in (
        (data.address, "住址"),
        (data.facts, "困难情况"),
        (data.requested_help, "救助诉求"),
    ):
        if not (text or "").strip():
            raise CasesError(f"请填写{label}。")
    members = []
    for m in data.household:
        if not (m.name or "").strip() or not (m.relation or "").strip():
            raise CasesError("请填写家庭成员的姓名和关系。")
        members.append((m, _id(m.id_number, f"家庭成员{m.name.strip()}")))
    year = timezone.localdate().year
    case = Case.objects.create(
        year=year,
        number=next_number(f"case-{year}"),
        applicant=applicant,
        id_number=id_number,
        phone=phone,
        town=data.town,
        address=data.address.strip(),
        category=data.category,
        facts=data.facts.strip(),
        requested_help=data.requested_help.strip(),
        found_by=data.found_by,
        urgency=data.urgency,
        registered_by=by,
    )
    for m, number in members:
        HouseholdMember.objects.create(
            case=case,
            name=m.name.strip(),
            relation=m.relation.strip(),
            id_number=number,
            condition=m.condition,
        )
    add_files(case, by=by, files=files)
    record_step(case, Case.Status.RECEIVED, by=by)
    return case


def add_files(case, *, by, files):
    store_uploads(
        files,
        lambda upload, sha: CaseFile(
            case=case, name=upload.name, size=upload.size, sha256=sha, uploaded_by=by
        ),
        CasesError,
    )


@transaction.atomic
def view_full_record(case, *, by) -> Case:
    """Open the unmasked record: only for those who may, and always logged."""
    if not perms.can_see_full(by, case):
        raise CasesError("您无权查看该个案的完整个人信息。")
    AccessLog.objects.create(case=case, user=by, unit_id=by.unit_id)
    return case


@transaction.atomic
def request_verification(case, *, by, unit, subject, question="") -> Verification:
    """核对: ask a unit (公安 户籍/车辆, 自然资源 房产, 税务 纳税, 人社 社保…) to check."""
    if not perms.can_manage_cases(by):
        raise CasesError("只有办公室可以发起核对。")
    case = lock(case)
    if case.status not in (Case.Status.RECEIVED, Case.Status.VERIFYING):
        raise CasesError(f"个案{case.get_status_display()}，不能再发起核对。")
    if unit is None:
        raise CasesError("请选择核对单位。")
    subject = (subject or "").strip()
    if not subject:
        raise CasesError("请填写核对事项。")
    verification = Verification.objects.create(
        case=case, unit=unit, subject=subject, question=(question or "").strip(), requested_by=by
    )
    if case.status == Case.Status.RECEIVED:
        _move(case, Case.Status.VERIFYING, by, f"请{unit.name}核对{subject}")
    notifications.verification_requested(verification)
    return verification


@transaction.atomic
def answer_verification(verification, *, by, answer) -> Verification:
    verification = (
        Verification.objects.select_for_update().select_related("case").get(pk=verification.pk)
    )
    if not (by.unit_id == verification.unit_id and has_role(by, Role.LIAISON)):
        raise CasesError("只有被请求核对单位的联络员可以答复。")
    if verification.case.status != Case.Status.VERIFYING:
        raise CasesError(f"个案{verification.case.get_status_display()}，不能再答复核对。")
    answer = (answer or "").strip()
    if not answer:
        raise CasesError("请填写核对结果。")
    verification.answer, verification.answered_by, verification.answered_at = (
        answer,
        by,
        timezone.now(),
    )
    verification.save(update_fields=["answer", "answered_by", "answered_at"])
    return verification


@transaction.atomic
def submit_for_deliberation(case, *, by, meeting) -> Case:
    """提请审议: the case goes onto a special meeting or a written review, de-identified."""
    if not perms.can_manage_cases(by):
        raise CasesError("只有办公室可以提请审议。")
    case = lock(case)
    if case.status != Case.Status.VERIFYING:
        raise CasesError("个案须先完成核对，才能提请审议。")
    outstanding = case.verifications.filter(answered_at__isnull=True).count()
    if outstanding:
        raise CasesError(f"还有 {outstanding} 项核对未答复，请等各单位答复后再提请审议。")
    if meeting is None or meeting.kind not in (Meeting.Kind.SPECIAL, Meeting.Kind.WRITTEN):
        raise CasesError("个案须提交专题会议或书面审议。")
    title = f"{case.number_label} {case.deidentified_name}（{case.get_category_display()}）急难救助"
    background = (
        f"{case.town.name}{case.deidentified_name}，{case.get_category_display()}致困，"
        f"{case.get_found_by_display()}，紧急程度：{case.get_urgency_display()}。"
        f"已请 {'、'.join(v.unit.name for v in case.verifications.select_related('unit'))} 核对家庭经济状况。"
    )
    try:
        item = meeting_services.submit_office_item(
            by=by, unit=case.town, title=title, background=background, proposal="请审议救助措施。"
        )
        meeting_services.schedule_item(item, by=by, meeting=meeting)
    except meeting_services.MeetingsError as e:
        raise CasesError(str(e)) from e
    case.agenda_item = item
    case.save(update_fields=["agenda_item"])
    _move(case, Case.Status.SUBMITTED, by, meeting.title)
    return case


@dataclass
class MeasureData:
    unit: Unit
    description: str
    deadline: datetime.date
    amount: Decimal | None = None


@transaction.atomic
def record_decision(case, *, by, measures: list[MeasureData]) -> Case:
    """议定: the meeting (or written review) has deliberated; record the measures it agreed."""
    if not perms.can_manage_cases(by):
        raise CasesError("只有办公室可以登记议定的救助措施。")
    case = lock(case)
    if case.status != Case.Status.SUBMITTED:
        raise CasesError("个案须先提请审议，会议审议后才能登记救助措施。")
    if case.agenda_item is None or case.agenda_item.status != AgendaItem.Status.DELIBERATED:
        raise CasesError("会议尚未审议该个案（会议召开或书面审议结束后才能登记）。")
    if not measures:
        raise CasesError("请至少登记一项救助措施。")
    for m in measures:
        if m.unit is None or not (m.description or "").strip() or m.deadline is None:
            raise CasesError("每项措施都要有落实单位、措施内容和完成时限。")
        if m.amount is not None and m.amount <= 0:
            raise CasesError("救助金额须大于零。")
    for m in measures:
        Measure.objects.create(
            case=case,
            unit=m.unit,
            description=m.description.strip(),
            amount=m.amount,
            deadline=m.deadline,
        )
    _move(case, Case.Status.DECIDED, by)
    notifications.case_decided(case)
    return case


@transaction.atomic
def start_measures(case, *, by) -> Case:
    """实施中: each measure becomes a task in the supervision ledger, named without personal data."""
    if not perms.can_manage_cases(by):
        raise CasesError("只有办公室可以交办救助措施。")
    case = lock(case)
    if case.status != Case.Status.DECIDED:
        raise CasesError("个案须先议定救助措施。")
    for measure in case.measures.select_related("unit"):
        amount = f"（{measure.amount:,.2f} 元）" if measure.amount else ""
        measure.task = duties_services.create_task(
            title=f"{case.number_label} {case.deidentified_name}：{measure.description}{amount}",
            source=Task.Source.CASE,
            source_label=case.number_label,
            lead_unit=measure.unit,
            deadline=measure.deadline,
            by=by,
        )
        measure.save(update_fields=["task"])
    _move(case, Case.Status.IMPLEMENTING, by)
    return case


@transaction.atomic
def close_case(case, *, by) -> Case:
    """办结, once every measure's task is done."""
    if not perms.can_manage_cases(by):
        raise CasesError("只有办公室可以办结个案。")
    case = lock(case)
    if case.status != Case.Status.IMPLEMENTING:
        raise CasesError("只有实施中的个案才能办结。")
    waiting = case.measures.filter(task__status=Task.Status.OPEN).count()
    if waiting:
        raise CasesError(f"还有 {waiting} 项救助措施未办结。")
    _move(case, Case.Status.CLOSED, by)
    return case


@transaction.atomic
def refuse_case(case, *, by, reason) -> Case:
    """不予救助, with a reason, from any state before the measures start."""
    if not perms.can_manage_cases(by):
        raise CasesError("只有办公室可以决定不予救助。")
    case = lock(case)
    if case.status in (*Case.FINAL, Case.Status.IMPLEMENTING):
        raise CasesError(f"个案{case.get_status_display()}，不能再改为不予救助。")
    reason = (reason or "").strip()
    if not reason:
        raise CasesError("请写明不予救助的理由。")
    case.refuse_reason = reason
    case.save(update_fields=["refuse_reason"])
    _move(case, Case.Status.REFUSED, by, reason)
    return case


def personal_terms():
    """The people urgent cases protect, for meetings/privacy.py: applicants' and household members'
    names, addresses, ID and phone numbers of every case (not only the meeting's)."""
    for applicant, address, id_number, phone in Case.objects.values_list(
        "applicant", "address", "id_number", "phone"
    ):
        yield "个案申请人姓名", applicant
        yield "个案住址", address
        yield "个案身份证号码", id_number
        yield "个案联系电话", phone
    for name, id_number in HouseholdMember.objects.values_list("name", "id_number"):
        yield "个案家庭成员姓名", name
        yield "个案身份证号码", id_number
