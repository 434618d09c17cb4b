"""Every state change of a case: 受理 → 核实 → 提请审议 → 议定 → 实施中 → 办结, or 不予救助.

One atomic function each; refusals raise CasesError with the Chinese message and change nothing.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from duties import services as duties_services
from duties.models import Task
from meetings import services as meeting_services
from meetings.models import Meeting
from members import notifications
from members.files import store_uploads
from members.locking import lock
from members.models import Unit
from members.permissions import Role, has_role
from members.sequences import next_number
from members.steps import record_step

from . import permissions as perms
from .crypto import search_hash
from .identity import InvalidID, normalise_id, validate_id, validate_phone
from .models import AccessLog, Case, CaseFile, HouseholdMember, Measure, Verification


class CasesError(Exception):
    """A change that is not allowed; str(e) is the Chinese message the user sees."""


def _refuse_unless(action: str, case: Case) -> None:
    """Refuse what cases.permissions.CASE_ACTIONS does not allow in the case's state."""
    if why := perms.case_refusal(action, case):
        raise CasesError(why)


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
def view_full_record(case, *, by, fields=None) -> frozenset:
    """Open the unmasked record: only for those who may, only the fields they may see (a
    verifying unit: those its requests allow), and always logged with the fields shown.
    `fields` narrows what is opened (a download of the materials: ["files"])."""
    shown = perms.visible_fields(by, case)
    if fields is not None:
        shown = shown & set(fields)
    if not shown:
        raise CasesError("您无权查看该个案的完整个人信息。")
    AccessLog.objects.create(
        case=case,
        user=by,
        unit_id=by.unit_id,
        fields=[f for f in Verification.Field.values if f in shown],
    )
    return shown


@transaction.atomic
def request_verification(
    case, *, by, unit, subject, question="", shown_fields=None
) -> Verification:
    """核对: ask a unit (公安 户籍/车辆, 自然资源 房产, 税务 纳税, 人社 社保…) to check.

    `shown_fields`: what the unit may see of the people (minimum necessary); by default their names
    and ID numbers, which every such check needs. Phone, address, materials only when chosen."""
    if not perms.can_manage_cases(by):
        raise CasesError("只有办公室可以发起核对。")
    fields = Verification.DEFAULT_FIELDS if shown_fields is None else list(shown_fields)
    if not fields:
        raise CasesError("请至少选择一项核对单位可以查看的个人信息。")
    if set(fields) - set(Verification.Field.values):
        raise CasesError("可查看的个人信息中有无效的选项。")
    case = lock(case)
    _refuse_unless("verify", case)
    if unit is None:
        raise CasesError("请选择核对单位。")
    subject = (subject or "").strip()
    if not subject:
        raise CasesError("请填写核对事项。")
    duplicate = f"已向{unit.name}发出“{subject}”的核对请求，尚未答复；请等待答复，不要重复发出。"
    if case.verifications.filter(unit=unit, subject=subject, answered_at__isnull=True).exists():
        raise CasesError(duplicate)
    try:
        with transaction.atomic():  # the partial unique constraint, should the check be raced
            verification = Verification.objects.create(
                case=case,
                unit=unit,
                subject=subject,
                question=(question or "").strip(),
                shown_fields=[f for f in Verification.Field.values if f in set(fields)],
                requested_by=by,
            )
    except IntegrityError as e:
        raise CasesError(duplicate) from e
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
    _refuse_unless("submit", case)
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
    _refuse_unless("decide", case)
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
    _refuse_unless("start", case)
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
    _refuse_unless("close", case)
    _move(case, Case.Status.CLOSED, by)
    return case


@transaction.atomic
def refuse_case(case, *, by, reason) -> Case:
    """不予救助, with a reason, from any state before the measures start."""
    if not perms.can_manage_cases(by):
        raise CasesError("只有办公室可以决定不予救助。")
    case = lock(case)
    _refuse_unless("refuse", case)
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


def find_cases_by_id_number(id_number: str):
    """Cases where this ID number is the applicant's or a household member's: an exact match on
    the keyed hash (the encrypted column itself can't be searched). Nothing for a malformed
    number. The caller decides who may search (permissions.cases_for_user)."""
    number = normalise_id(id_number).upper()
    if len(number) != 18:
        return Case.objects.none()
    digest = search_hash(number)
    return Case.objects.filter(
        pk__in=Case.objects.filter(
            Q(id_number_hmac=digest) | Q(household__id_number_hmac=digest)
        ).values("pk")
    ).select_related("town")


PERSONAL_LABELS = {
    "applicant": "申请人姓名",
    "id_number": "身份证号",
    "phone": "联系电话",
    "address": "住址",
}


@transaction.atomic
def update_personal_data(case, *, by, applicant, id_number, phone, address, household=None) -> Case:
    """The office corrects the applicant's (and, with `household` = {member pk: (name, ID
    number)}, the household members') personal data. The step log says THAT these fields
    changed and by whom, never the values (the history tables leave them out too)."""
    if not perms.can_manage_cases(by):
        raise CasesError("只有办公室可以修改个案的个人信息。")
    case = lock(case)
    if case.erased_at is not None:
        raise CasesError("该个案的个人信息已按保存期限删除，不能再修改。")
    applicant = (applicant or "").strip()
    if not applicant:
        raise CasesError("请填写申请人姓名。")
    address = (address or "").strip()
    if not address:
        raise CasesError("请填写住址。")
    try:
        phone = validate_phone(phone)
    except InvalidID as e:
        raise CasesError(str(e)) from e
    new = {
        "applicant": applicant,
        "id_number": _id(id_number, "申请人"),
        "phone": phone,
        "address": address,
    }
    changed = [f for f, value in new.items() if getattr(case, f) != value]
    labels = [PERSONAL_LABELS[f] for f in changed]
    members = []
    for member in case.household.all():
        if member.pk not in (household or {}):
            continue
        name, number = household[member.pk]
        name = (name or "").strip()
        if not name:
            raise CasesError("请填写家庭成员的姓名。")
        number = _id(number, f"家庭成员（{member.relation}）")
        fields = [f for f, v in (("name", name), ("id_number", number)) if getattr(member, f) != v]
        if fields:
            member.name, member.id_number = name, number
            members.append((member, fields))
            labels += [
                f"家庭成员（{member.relation}）{'姓名' if f == 'name' else '身份证号'}"
                for f in fields
            ]
    if not labels:
        raise CasesError("个人信息没有改动。")
    if changed:
        for f in changed:
            setattr(case, f, new[f])
        case.save(update_fields=changed)
    for member, fields in members:
        member.save(update_fields=fields)
    record_step(case, Case.Event.EDITED, by=by, comment="修改了" + "、".join(labels))
    return case


ERASED = "（已按保存期限删除）"


def cases_past_retention(years: int, *, today=None):
    """Closed or refused cases whose final step is more than `years` years old, not yet erased."""
    today = today or timezone.localdate()
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    cutoff_at = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    from members.models import Step

    finished = Step.objects.filter(
        content_type__app_label="cases",
        content_type__model="case",
        action__in=[s.value for s in Case.FINAL],
    )
    recent = finished.filter(at__gte=cutoff_at).values("object_id")
    old = finished.filter(at__lt=cutoff_at).values("object_id")
    return (
        Case.objects.filter(status__in=Case.FINAL, erased_at__isnull=True, pk__in=old)
        .exclude(pk__in=recent)
        .select_related("town")
    )


@transaction.atomic
def erase_personal_data(case, *, by, years: int) -> Case:
    """PIPL Art. 47: after the retention time, the people of a finished case are erased from it,
    from its history rows and from its log; what statistics need stays (number, year, town,
    category, urgency, status, household size and relations, measures and amounts)."""
    if not perms.can_manage_cases(by):
        raise CasesError("只有办公室可以删除个案的个人信息。")
    case = lock(case)
    if case.erased_at is not None:
        raise CasesError("该个案的个人信息已经删除。")
    if case.status not in Case.FINAL or not cases_past_retention(years).filter(pk=case.pk).exists():
        raise CasesError(f"只有办结或不予救助满 {years} 年的个案才能删除个人信息。")
    case.applicant = case.id_number = case.phone = case.address = ""
    case.facts, case.requested_help = ERASED, ""
    case.refuse_reason = ERASED if case.refuse_reason else ""
    case.erased_at = timezone.now()
    case.save()
    # The history tables hold the free-text fields (not the names, numbers, phones, addresses):
    # rewrite them too. QuerySet.update() on the history table itself.
    case.history.all().update(facts=ERASED, requested_help="", refuse_reason="")
    for member in case.household.all():
        member.name = member.id_number = member.condition = ""
        member.save()
        member.history.all().update(condition="")
    for v in case.verifications.all():
        v.question = ""
        v.answer = ERASED if v.answer else ""
        v.save(update_fields=["question", "answer"])
        v.history.all().update(question="", answer=ERASED if v.answer else "")
    case.steps.exclude(comment="").update(comment="")
    for stored in case.files.all():
        name, storage = stored.file.name, stored.file.storage
        stored.delete()
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    record_step(case, Case.Event.ERASED, by=by, comment=f"办结满 {years} 年，按保存期限删除")
    return case


def personal_data_of(id_number: str, *, by) -> list[dict]:
    """PIPL Art. 45: everything the system holds about the person with this ID number, as the
    applicant or a household member. Other people's numbers stay masked. Logged as full views."""
    if not perms.can_manage_cases(by):
        raise CasesError("只有办公室可以导出个人信息。")
    number = normalise_id(id_number).upper()
    result = []
    cases = find_cases_by_id_number(number).select_related("registered_by", "agenda_item")
    for case in cases:
        is_applicant = case.id_number == number
        household = []
        for m in case.household.all():
            own = m.id_number == number
            household.append(
                {
                    "姓名": m.name if (own or is_applicant) else str(m),
                    "与申请人关系": m.relation,
                    "身份证号": m.id_number if own else m.masked_id,
                    "健康/就业等情况": m.condition if (own or is_applicant) else "",
                    "本人": own,
                }
            )
        record = {
            "个案编号": case.number_label,
            "本人身份": "申请人" if is_applicant else "家庭成员",
            "状态": case.get_status_display(),
            "所在镇": case.town.name,
            "困难类别": case.get_category_display(),
            "发现方式": case.get_found_by_display(),
            "紧急程度": case.get_urgency_display(),
            "受理时间": timezone.localtime(case.registered_at).isoformat(),
            "申请人": case.applicant if is_applicant else case.deidentified_name,
            "身份证号": case.id_number if is_applicant else case.masked_id,
            "联系电话": case.phone if is_applicant else case.masked_phone,
            "住址": case.address if is_applicant else "",
            "困难情况": case.facts,
            "救助诉求": case.requested_help,
            "不予救助理由": case.refuse_reason,
            "家庭成员": household,
            "办理记录": [
                {
                    "时间": timezone.localtime(s.at).isoformat(),
                    "操作": s.label,
                    "操作人": str(s.by),
                    "意见": s.comment,
                }
                for s in case.steps.select_related("by")
            ],
            "核对": [
                {
                    "核对单位": v.unit.name,
                    "核对事项": v.subject,
                    "核对要求": v.question,
                    "可查看的个人信息": v.shown_fields_label,
                    "发起时间": timezone.localtime(v.requested_at).isoformat(),
                    "核对结果": v.answer,
                    "答复时间": timezone.localtime(v.answered_at).isoformat()
                    if v.answered_at
                    else "",
                }
                for v in case.verifications.select_related("unit")
            ],
            "救助措施": [
                {
                    "落实单位": m.unit.name,
                    "措施内容": m.description,
                    "金额（元）": str(m.amount) if m.amount is not None else "",
                    "完成时限": m.deadline.isoformat(),
                }
                for m in case.measures.select_related("unit")
            ],
            "材料": [
                {"文件名": f.name, "大小（字节）": f.size, "SHA-256": f.sha256}
                for f in case.files.all()
            ],
            "个人信息查看记录": [
                {
                    "时间": timezone.localtime(a.at).isoformat(),
                    "查看人": str(a.user),
                    "单位": a.unit.name if a.unit else "",
                    "显示的个人信息": a.fields_label,
                }
                for a in case.access_log.select_related("user", "unit")
            ],
        }
        result.append(record)
        AccessLog.objects.create(
            case=case, user=by, unit_id=by.unit_id, fields=list(Verification.Field.values)
        )
    return result
