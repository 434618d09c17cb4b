"""Every state change of tasks and their supervision: one atomic function each.

Refusals raise DutiesError with the Chinese message the user sees, and change nothing.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from members import notifications
from members.files import check_upload, store_uploads
from members.locking import lock
from members.models import Unit
from members.sequences import next_number
from members.steps import record_step

from . import permissions as perms
from .figures import NOTE_MAX_LENGTH, FigureError, parse_figure
from .models import (
    MANUAL,
    Escalation,
    Extension,
    Feedback,
    FeedbackFile,
    Indicator,
    ManualScore,
    Policy,
    PolicyConfirmation,
    PolicyFile,
    PolicyReview,
    Report,
    ReportFile,
    ReportLine,
    ReportRound,
    Scheme,
    SchemeItem,
    Task,
    TaskUnit,
    UnitResult,
    Veto,
    VetoFile,
    period_label,
)
from .report_xlsx import read_filled


class DutiesError(Exception):
    """A change that is not allowed; str(e) is the Chinese message the user sees."""


def _refuse_unless(action: str, task: Task, by) -> None:
    """Refuse what duties.permissions.TASK_ACTIONS does not allow now."""
    if why := perms.task_refusal(action, task, by):
        raise DutiesError(why)


def _open_task(task, action: str) -> Task:
    """The task locked; refused first if its status does not allow `action` (a closed task)."""
    task = lock(task)
    if why := perms.task_state_refusal(action, task):
        raise DutiesError(why)
    return task


def _own_part(task, by) -> TaskUnit:
    part = perms.part_for(by, task)
    if part is None:
        raise DutiesError("只有承办单位的联络员可以办理本单位的部分。")
    return lock(part)


@transaction.atomic
def create_task(
    *,
    title: str,
    source: str,
    lead_unit: Unit,
    responsible_units=(),
    deadline: datetime.date | None = None,
    source_label: str = "",
    by=None,
) -> Task:
    """A task and one part per unit: the lead unit first, then each responsible unit."""
    if by is not None and source == Task.Source.OFFICE and not perms.can_manage_tasks(by):
        raise DutiesError("只有办公室可以交办督办事项。")
    title = (title or "").strip()
    if not title:
        raise DutiesError("请填写督办事项。")
    if lead_unit is None:
        raise DutiesError("请选择牵头单位。")
    task = Task.objects.create(
        title=title,
        source=source,
        source_label=source_label,
        lead_unit=lead_unit,
        deadline=deadline,
        original_deadline=deadline,
        created_by=by,
    )
    others = [u for u in responsible_units if u.pk != lead_unit.pk]
    task.responsible_units.set(others)
    TaskUnit.objects.create(task=task, unit=lead_unit, role=TaskUnit.Role.LEAD)
    for unit in others:
        TaskUnit.objects.create(task=task, unit=unit, role=TaskUnit.Role.RESPONSIBLE)
    notifications.task_assigned(task)
    return task


@transaction.atomic
def add_feedback(task, *, by, text, date, files=()) -> Feedback:
    """进展反馈 of the liaison's own unit."""
    task = _open_task(task, "feedback")
    part = _own_part(task, by)
    _refuse_unless("feedback", task, by)
    text = (text or "").strip()
    if not text:
        raise DutiesError("请填写进展情况。")
    if date is None:
        raise DutiesError("请填写反馈日期。")
    if date > timezone.localdate():
        raise DutiesError("反馈日期不能晚于今天。")
    feedback = Feedback.objects.create(task=task, unit=part.unit, text=text, date=date, by=by)
    store_uploads(
        files,
        lambda upload, sha: FeedbackFile(
            feedback=feedback, name=upload.name, size=upload.size, sha256=sha, uploaded_by=by
        ),
        DutiesError,
    )
    notifications.feedback_received(feedback)
    return feedback


@transaction.atomic
def mark_part_done(task, *, by) -> TaskUnit:
    """The unit says its own part is done (after reporting what it did)."""
    task = _open_task(task, "part-done")
    part = _own_part(task, by)
    _refuse_unless("part-done", task, by)
    part.done_at, part.done_by = timezone.now(), by
    part.save(update_fields=["done_at", "done_by"])
    return part


@transaction.atomic
def complete_task(task, *, by) -> Task:
    """办结 by the lead unit, once every responsible unit has finished its part."""
    task = _open_task(task, "complete")
    part = _own_part(task, by)
    if part.role != TaskUnit.Role.LEAD:
        raise DutiesError("只有牵头单位可以办结。")
    _refuse_unless("complete", task, by)
    now = timezone.now()
    if not part.done_at:
        part.done_at, part.done_by = now, by
        part.save(update_fields=["done_at", "done_by"])
    task.status, task.closed_at, task.closed_by = Task.Status.DONE, now, by
    task.save(update_fields=["status", "closed_at", "closed_by"])
    return task


@transaction.atomic
def close_task(task, *, by, reason) -> Task:
    """The office closes a task with a reason (销号), whatever the units' parts."""
    if not perms.can_manage_tasks(by):
        raise DutiesError("只有办公室可以销号。")
    task = lock(task)
    _refuse_unless("close", task, by)
    reason = (reason or "").strip()
    if not reason:
        raise DutiesError("请写明销号理由。")
    task.status, task.closed_at, task.closed_by = Task.Status.CLOSED, timezone.now(), by
    task.close_reason = reason
    task.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
    return task


@transaction.atomic
def request_extension(task, *, by, new_deadline, reason) -> Extension:
    task = _open_task(task, "extension")
    part = _own_part(task, by)
    _refuse_unless("extension", task, by)
    reason = (reason or "").strip()
    if not reason:
        raise DutiesError("请写明延期理由。")
    if new_deadline is None:
        raise DutiesError("请填写申请延至的日期。")
    if new_deadline <= timezone.localdate() or (task.deadline and new_deadline <= task.deadline):
        raise DutiesError("申请延至的日期须晚于今天和现有时限。")
    notifications.extension_requested(task, part.unit, new_deadline, reason)
    try:
        with transaction.atomic():
            return Extension.objects.create(
                task=task,
                unit=part.unit,
                old_deadline=task.deadline,
                new_deadline=new_deadline,
                reason=reason,
                requested_by=by,
            )
    except IntegrityError as e:
        raise DutiesError("该事项已有待审批的延期申请。") from e


@transaction.atomic
def decide_extension(extension, *, by, approve: bool, comment="") -> Extension:
    if not perms.can_manage_tasks(by):
        raise DutiesError("只有办公室可以审批延期申请。")
    extension = lock(extension)
    if extension.status != Extension.Status.PENDING:
        raise DutiesError(f"该申请{extension.get_status_display()}，不能再审批。")
    task = lock(extension.task)
    _refuse_unless("decide-extension", task, by)
    comment = (comment or "").strip()
    if not approve and not comment:
        raise DutiesError("不同意延期时请写明理由。")
    extension.status = Extension.Status.APPROVED if approve else Extension.Status.REFUSED
    extension.decided_by, extension.decided_at = by, timezone.now()
    extension.decision_comment = comment
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    if approve:
        task.deadline = extension.new_deadline
        task.save(update_fields=["deadline"])
    notifications.extension_decided(extension)
    return extension


@transaction.atomic
def escalate(
    task,
    *,
    by,
    unit,
    level: int,
    date,
    content,
    attendees="",
    agreed="",
    rectify_by=None,
) -> Escalation:
    """通报 / 约谈 / 挂牌督办 against a unit for a task, numbered within its level and year."""
    if not perms.can_manage_tasks(by):
        raise DutiesError("只有办公室可以通报、约谈或挂牌督办。")
    task = lock(task)
    _refuse_unless("escalate", task, by)
    if unit is None or not task.units.filter(unit=unit).exists():
        raise DutiesError("只能对承办该事项的单位督办。")
    if level not in Escalation.Level.values:
        raise DutiesError("请选择督办方式。")
    if date is None:
        raise DutiesError("请填写日期。")
    content = (content or "").strip()
    if not content:
        raise DutiesError("请填写督办内容。")
    if level == Escalation.Level.INTERVIEW and not (attendees or "").strip():
        raise DutiesError("约谈请填写参加人员。")
    if level == Escalation.Level.LISTED:
        if rectify_by is None:
            raise DutiesError("挂牌督办请填写限期整改日期。")
        if rectify_by <= date:
            raise DutiesError("限期整改日期须晚于挂牌日期。")
    number = next_number(f"escalation-{level}-{date.year}")
    notifications.escalation_issued(task, unit, Escalation.Level(level).label, number, content)
    return Escalation.objects.create(
        task=task,
        unit=unit,
        level=level,
        year=date.year,
        number=number,
        date=date,
        content=content,
        attendees=(attendees or "").strip(),
        agreed=(agreed or "").strip(),
        rectify_by=rectify_by if level == Escalation.Level.LISTED else None,
        created_by=by,
    )


@transaction.atomic
def resolve_escalation(escalation, *, by, resolution) -> Escalation:
    if not perms.can_manage_tasks(by):
        raise DutiesError("只有办公室可以解除督办。")
    escalation = lock(escalation)
    if not escalation.is_open:
        raise DutiesError("该督办已解除。")
    resolution = (resolution or "").strip()
    if not resolution:
        raise DutiesError("请填写整改结果。")
    escalation.resolved_at, escalation.resolution = timezone.now(), resolution
    escalation.save(update_fields=["resolved_at", "resolution"])
    notifications.escalation_resolved(escalation)
    return escalation


# --- 救助信息报送 ---------------------------------------------------------------------------------


class FigureErrors(DutiesError):
    """Several refused figures at once (a form or an Excel file); `errors` lists each one."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("；".join(errors) + "。")


@transaction.atomic
def create_indicator(*, by, name, measure, kind, unit_kinds=(), help_text="", order=0) -> Indicator:
    if not perms.can_manage_reports(by):
        raise DutiesError("只有办公室可以维护报送指标。")
    name = (name or "").strip()
    if not name:
        raise DutiesError("请填写指标名称。")
    if measure not in Indicator.Measure.values:
        raise DutiesError("请选择计量单位。")
    if kind not in Indicator.Kind.values:
        raise DutiesError("请选择数值类型。")
    unit_kinds = list(unit_kinds)
    if not unit_kinds or any(k not in Unit.Kind.values for k in unit_kinds):
        raise DutiesError("请选择报送本指标的单位类别。")
    if Indicator.objects.filter(name=name).exists():
        raise DutiesError(f"已有名为“{name}”的指标。")
    return Indicator.objects.create(
        name=name,
        measure=measure,
        kind=kind,
        unit_kinds=unit_kinds,
        help_text=(help_text or "").strip(),
        order=order,
    )


@transaction.atomic
def open_round(*, by, period, year, number, deadline, units, indicators) -> ReportRound:
    """发起报送: one report per unit asked, with a line for each chosen indicator its kind reports."""
    if not perms.can_manage_reports(by):
        raise DutiesError("只有办公室可以发起信息报送。")
    if period not in ReportRound.Period.values:
        raise DutiesError("请选择报送周期。")
    if year is None or not 2000 <= year <= 2100:
        raise DutiesError("请填写正确的年度。")
    if number is None or not 1 <= number <= ReportRound.PERIOD_COUNT[period]:
        raise DutiesError(
            f"{ReportRound.Period(period).label}报送的期次应为 1–{ReportRound.PERIOD_COUNT[period]}。"
        )
    if deadline is None:
        raise DutiesError("请填写报送截止日期。")
    units, indicators = list(units), [i for i in indicators if i.active]
    if not units:
        raise DutiesError("请选择报送单位。")
    if not indicators:
        raise DutiesError("请选择报送指标。")
    if ReportRound.objects.filter(period=period, year=year, number=number).exists():
        raise DutiesError(f"{period_label(period, year, number)}的报送任务已经发起。")
    asked = {u: [i for i in indicators if u.kind in i.unit_kinds] for u in units}
    nothing = [u.short_name for u, lines in asked.items() if not lines]
    if nothing:
        raise DutiesError(f"所选指标中没有以下单位应报送的：{'、'.join(nothing)}。")
    try:
        with transaction.atomic():
            round_ = ReportRound.objects.create(
                period=period, year=year, number=number, deadline=deadline, created_by=by
            )
    except IntegrityError as e:
        raise DutiesError(f"{period_label(period, year, number)}的报送任务已经发起。") from e
    for unit, unit_indicators in asked.items():
        report = Report.objects.create(round=round_, unit=unit)
        for indicator in unit_indicators:
            ReportLine.objects.create(report=report, indicator=indicator)
    record_step(round_, ReportRound.Action.OPENED, by=by, comment=f"截止 {deadline:%Y-%m-%d}")
    return round_


def _editable_report(report, by) -> Report:
    report = lock(report)
    if not perms.can_fill_report(by, report):
        raise DutiesError("只有本单位的联络员可以填报本单位的数据。")
    if report.round.status != ReportRound.Status.OPEN:
        raise DutiesError("该报送任务已截止，不能再填报。")
    if not report.is_editable:
        raise DutiesError(f"本单位的报送{report.get_status_display()}，不能再修改。")
    return report


def _check_figures(report, raw: dict) -> dict[int, object]:
    """{indicator id: Decimal | None} for every line, or FigureErrors naming each refused one."""
    values, errors = {}, []
    for line in report.lines.select_related("indicator"):
        indicator = line.indicator
        try:
            values[indicator.pk] = parse_figure(indicator, raw.get(indicator.pk))
        except FigureError as e:
            errors.append(f"{indicator.name}：{e}")
    if errors:
        raise FigureErrors(errors)
    return values


def _check_note(note) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise DutiesError(f"填报说明不能超过 {NOTE_MAX_LENGTH} 字（现有 {len(note)} 字）。")
    return note


def _write_figures(report, values: dict, note: str, files, by):
    for line in report.lines.all():
        new = values.get(line.indicator_id)
        if line.value != new:
            line.value = new
            line.save(update_fields=["value"])
    report.note = note
    store_uploads(
        files,
        lambda upload, sha: ReportFile(
            report=report, name=upload.name, size=upload.size, sha256=sha, uploaded_by=by
        ),
        DutiesError,
    )


@transaction.atomic
def save_report(report, *, by, values: dict, note="", files=()) -> Report:
    """保存草稿: the figures so far (empty ones allowed), the note, any 台账 files."""
    report = _editable_report(report, by)
    checked = _check_figures(report, values)
    note = _check_note(note)
    _write_figures(report, checked, note, files, by)
    if report.status == Report.Status.PENDING:
        report.status = Report.Status.DRAFT
    report.save(update_fields=["note", "status"])
    record_step(report, Report.Action.SAVED, by=by)
    return report


@transaction.atomic
def import_report_xlsx(report, *, by, upload) -> Report:
    """A filled-in template: every cell checked; nothing stored unless the whole file is valid."""
    report = _editable_report(report, by)
    if upload is None:
        raise DutiesError("请选择填好的 Excel 文件。")
    if not (upload.name or "").lower().endswith(".xlsx"):
        raise DutiesError("请上传本页下载的 .xlsx 模板。")
    try:
        check_upload(upload)
    except ValidationError as e:
        raise DutiesError(e.messages[0]) from e
    values, errors = read_filled(report, upload)
    if errors:
        raise FigureErrors(errors)
    _write_figures(report, values, report.note, (), by)
    if report.status == Report.Status.PENDING:
        report.status = Report.Status.DRAFT
    report.save(update_fields=["status"])
    record_step(report, Report.Action.IMPORTED, by=by, comment=upload.name[:100])
    return report


@transaction.atomic
def submit_report(report, *, by, values: dict | None = None, note=None, files=()) -> Report:
    """报送 (or 重新报送 after a return): every figure filled in; the office is told on its home."""
    report = _editable_report(report, by)
    lines = list(report.lines.select_related("indicator"))
    checked = _check_figures(report, values) if values is not None else None
    # Every refusal before anything is written: a refused upload must leave no file behind.
    missing = [
        line.indicator.name
        for line in lines
        if (checked[line.indicator_id] if checked is not None else line.value) is None
    ]
    if missing:
        raise DutiesError(f"还有指标未填写：{'、'.join(missing)}。没有发生的请填 0。")
    if checked is not None:
        _write_figures(report, checked, _check_note(note), files, by)
    resubmitted = report.status == Report.Status.RETURNED
    now = timezone.now()
    report.status, report.submitted_at, report.submitted_by = Report.Status.SUBMITTED, now, by
    report.first_submitted_at = report.first_submitted_at or now
    report.save(
        update_fields=["status", "submitted_at", "submitted_by", "first_submitted_at", "note"]
    )
    action = Report.Action.RESUBMITTED if resubmitted else Report.Action.SUBMITTED
    record_step(report, action, by=by)
    return report


def _submitted_report(report, by, verb) -> Report:
    if not perms.can_manage_reports(by):
        raise DutiesError(f"只有办公室可以{verb}报送。")
    report = lock(report)
    if report.status != Report.Status.SUBMITTED:
        raise DutiesError(f"只有已报送的数据才能{verb}（现在{report.get_status_display()}）。")
    return report


@transaction.atomic
def return_report(report, *, by, comment) -> Report:
    report = _submitted_report(report, by, "退回")
    comment = (comment or "").strip()
    if not comment:
        raise DutiesError("退回时请写明需要修改的地方。")
    if len(comment) > NOTE_MAX_LENGTH:
        raise DutiesError(f"退回意见不能超过 {NOTE_MAX_LENGTH} 字。")
    report.status, report.return_comment = Report.Status.RETURNED, comment
    report.save(update_fields=["status", "return_comment"])
    record_step(report, Report.Action.RETURNED, by=by, comment=comment)
    return report


@transaction.atomic
def accept_report(report, *, by) -> Report:
    report = _submitted_report(report, by, "采用")
    report.status = Report.Status.ACCEPTED
    report.save(update_fields=["status"])
    record_step(report, Report.Action.ACCEPTED, by=by)
    return report


@transaction.atomic
def close_round(round_, *, by) -> ReportRound:
    """截止: no more figures; what was not sent in stays missing (缺报)."""
    if not perms.can_manage_reports(by):
        raise DutiesError("只有办公室可以截止报送。")
    round_ = lock(round_)
    if round_.status != ReportRound.Status.OPEN:
        raise DutiesError("该报送任务已经截止。")
    round_.status, round_.closed_at = ReportRound.Status.CLOSED, timezone.now()
    round_.save(update_fields=["status", "closed_at"])
    missing = round_.reports.exclude(status__in=Report.COUNTED).count()
    record_step(round_, ReportRound.Action.CLOSED, by=by, comment=f"缺报 {missing} 个单位")
    return round_


@transaction.atomic
def publish_round(round_, *, by) -> ReportRound:
    """对外发布: render the 统计情况 PDF once and keep it with its SHA-256."""
    from .statistics_pdf import render_statistics_pdf

    if not perms.can_manage_reports(by):
        raise DutiesError("只有办公室可以发布统计情况。")
    round_ = lock(round_)
    if round_.status == ReportRound.Status.OPEN:
        raise DutiesError("请先截止报送，再发布统计情况。")
    if round_.status == ReportRound.Status.PUBLISHED:
        raise DutiesError("该期统计情况已经发布。")
    now = timezone.now()
    pdf = render_statistics_pdf(round_, published_on=timezone.localtime(now).date())
    round_.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    round_.pdf.save(
        f"{round_.period}-{round_.year}-{round_.number}-{round_.pdf_sha256[:12]}.pdf",
        ContentFile(pdf),
        save=False,
    )
    stored = round_.pdf.name
    try:
        round_.status, round_.published_at, round_.published_by = (
            ReportRound.Status.PUBLISHED,
            now,
            by,
        )
        round_.save(update_fields=["pdf", "pdf_sha256", "status", "published_at", "published_by"])
        record_step(round_, ReportRound.Action.PUBLISHED, by=by)
    except Exception:
        round_.pdf.storage.delete(stored)  # the transaction rolls back; leave no orphan file
        raise
    return round_


# --- 政策清单 -------------------------------------------------------------------------------------


@dataclass
class PolicyData:
    title: str
    doc_number: str
    issuer: str
    issued_on: datetime.date | None
    category: str
    effective_from: datetime.date | None = None
    effective_until: datetime.date | None = None
    status: str = Policy.Status.CURRENT
    revised_by: Policy | None = None
    duties: list = field(default_factory=list)
    summary: str = ""


def _check_policy(data: PolicyData, unit, policy=None) -> PolicyData:
    data.title, data.issuer = (data.title or "").strip(), (data.issuer or "").strip()
    data.doc_number, data.summary = (data.doc_number or "").strip(), (data.summary or "").strip()
    if not data.title:
        raise DutiesError("请填写文件名称。")
    if not data.issuer:
        raise DutiesError("请填写发文机关。")
    if data.issued_on is None:
        raise DutiesError("请填写发布日期。")
    if data.category not in Policy.Category.values:
        raise DutiesError("请选择救助类别。")
    if data.status not in Policy.Status.values:
        raise DutiesError("请选择状态。")
    if data.effective_from and data.effective_until and data.effective_until < data.effective_from:
        raise DutiesError("有效期至不能早于施行日期。")
    if data.status == Policy.Status.REVISED:
        if data.revised_by is None:
            raise DutiesError("已修订的文件请选择修订后的文件。")
        if policy is not None and data.revised_by.pk == policy.pk:
            raise DutiesError("修订后的文件不能是它本身。")
    else:
        data.revised_by = None
    return data


@transaction.atomic
def create_policy(*, by, unit, data: PolicyData, files=()) -> Policy:
    if unit is None or not perms.can_edit_policies_of(by, unit.pk):
        raise DutiesError("只有本单位的联络员可以维护本单位的政策清单。")
    data = _check_policy(data, unit)
    policy = Policy.objects.create(
        unit=unit,
        created_by=by,
        **{k: v for k, v in data.__dict__.items() if k != "duties"},
    )
    policy.duties.set(data.duties)
    _store_policy_files(policy, files, by)
    return policy


@transaction.atomic
def update_policy(policy, *, by, data: PolicyData, files=()) -> Policy:
    """Edit a policy, or change its status (已修订 → its revision, 已废止)."""
    policy = lock(policy)
    if not perms.can_edit_policies_of(by, policy.unit_id):
        raise DutiesError("只有本单位的联络员可以维护本单位的政策清单。")
    data = _check_policy(data, policy.unit, policy)
    for name, value in data.__dict__.items():
        if name != "duties":
            setattr(policy, name, value)
    policy.save()
    policy.duties.set(data.duties)
    _store_policy_files(policy, files, by)
    return policy


def _store_policy_files(policy, files, by):
    store_uploads(
        files,
        lambda upload, sha: PolicyFile(
            policy=policy, name=upload.name, size=upload.size, sha256=sha, uploaded_by=by
        ),
        DutiesError,
    )


@transaction.atomic
def open_policy_review(*, by, year, deadline, units=None) -> PolicyReview:
    """年度梳理: every active member unit (or those given) is asked to confirm its list."""
    if not perms.can_manage_policy_reviews(by):
        raise DutiesError("只有办公室可以发起政策清单梳理。")
    if year is None or deadline is None:
        raise DutiesError("请填写年度和确认截止日期。")
    if PolicyReview.objects.filter(year=year).exists():
        raise DutiesError(f"{year}年度的政策清单梳理已经发起。")
    if units is None:
        units = Unit.objects.filter(active=True).exclude(kind=Unit.Kind.GOVERNMENT)
    review = PolicyReview.objects.create(year=year, deadline=deadline, created_by=by)
    for unit in units:
        PolicyConfirmation.objects.create(review=review, unit=unit)
    return review


@transaction.atomic
def confirm_policy_list(review, *, by, note="") -> PolicyConfirmation:
    """The unit confirms its list is complete and current (who and when are kept)."""
    confirmation = PolicyConfirmation.objects.filter(review=review, unit_id=by.unit_id).first()
    if confirmation is None or not perms.can_confirm_policies(by, confirmation):
        raise DutiesError("只有被要求确认的单位的联络员可以确认本单位的政策清单。")
    confirmation = lock(confirmation)
    if confirmation.confirmed_at:
        raise DutiesError("本单位已经确认过。")
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise DutiesError(f"说明不能超过 {NOTE_MAX_LENGTH} 字。")
    confirmation.confirmed_by, confirmation.confirmed_at = by, timezone.now()
    confirmation.note = note
    confirmation.save(update_fields=["confirmed_by", "confirmed_at", "note"])
    return confirmation


# --- 年度考评 -------------------------------------------------------------------------------------


def _office_draft(scheme, by, verb) -> Scheme:
    if not perms.can_manage_assessment(by):
        raise DutiesError(f"只有办公室可以{verb}。")
    scheme = lock(scheme)
    if scheme.status != Scheme.Status.DRAFT:
        raise DutiesError(f"考评方案{scheme.get_status_display()}，不能再{verb}。")
    return scheme


def _check_thresholds(excellent, good, pass_):
    if None in (excellent, good, pass_):
        raise DutiesError("请填写优秀、良好、合格的分数线。")
    if not (100 >= excellent >= good >= pass_ >= 0):
        raise DutiesError("分数线应满足 100 ≥ 优秀 ≥ 良好 ≥ 合格 ≥ 0。")


def _check_items(items) -> list[tuple[str, str, Decimal]]:
    from .assessment import SOURCES

    checked, seen = [], set()
    for source, name, weight in items:
        if source != MANUAL and source not in SOURCES:
            raise DutiesError(f"未知的计分依据：{source}。")
        if source in seen:
            raise DutiesError("每个计分依据只能设一个指标。")
        seen.add(source)
        name = (name or "").strip()
        if not name:
            raise DutiesError("请填写指标名称。")
        if weight is None or weight <= 0:
            raise DutiesError(f"“{name}”的分值须大于 0。")
        checked.append((source, name, Decimal(weight)))
    total = sum((w for _, _, w in checked), Decimal(0))
    if total != 100:
        raise DutiesError(f"各指标分值合计应为 100 分，现为 {total.normalize():f} 分。")
    return checked


@transaction.atomic
def create_scheme(
    *,
    by,
    year,
    excellent_from=Decimal(90),
    good_from=Decimal(80),
    pass_from=Decimal(60),
    items=None,
) -> Scheme:
    """考评方案 of a year, with the default indicators unless others are given."""
    from .assessment import default_items

    if not perms.can_manage_assessment(by):
        raise DutiesError("只有办公室可以起草考评方案。")
    if year is None or not 2000 <= year <= 2100:
        raise DutiesError("请填写正确的年度。")
    if Scheme.objects.filter(year=year).exists():
        raise DutiesError(f"{year}年度的考评方案已经起草。")
    _check_thresholds(excellent_from, good_from, pass_from)
    checked = _check_items(items if items is not None else default_items())
    scheme = Scheme.objects.create(
        year=year,
        excellent_from=excellent_from,
        good_from=good_from,
        pass_from=pass_from,
        created_by=by,
    )
    for n, (source, name, weight) in enumerate(checked, 1):
        SchemeItem.objects.create(scheme=scheme, source=source, name=name, weight=weight, order=n)
    record_step(scheme, Scheme.Action.CREATED, by=by)
    return scheme


@transaction.atomic
def save_scheme_items(scheme, *, by, weights: dict, thresholds: tuple) -> Scheme:
    """Change the weights ({item id: weight}) and thresholds of a draft; the sum must be 100."""
    scheme = _office_draft(scheme, by, "修改考评方案")
    _check_thresholds(*thresholds)
    items = list(scheme.items.all())
    _check_items([(i.source, i.name, weights.get(i.pk)) for i in items])
    for item in items:
        if item.weight != weights[item.pk]:
            item.weight = weights[item.pk]
            item.save(update_fields=["weight"])
    scheme.excellent_from, scheme.good_from, scheme.pass_from = thresholds
    scheme.save(update_fields=["excellent_from", "good_from", "pass_from"])
    return scheme


@transaction.atomic
def score_manually(scheme, *, by, item, unit, score, note) -> ManualScore:
    scheme = _office_draft(scheme, by, "评分")
    if item is None or item.scheme_id != scheme.pk or not item.is_manual:
        raise DutiesError("只有办公室评分的指标可以手工评分。")
    if unit is None:
        raise DutiesError("请选择单位。")
    if score is None or not 0 <= score <= item.weight:
        raise DutiesError(f"得分应在 0 到 {item.weight} 分之间。")
    note = (note or "").strip()
    if not note:
        raise DutiesError("请写明评分理由。")
    manual, _ = ManualScore.objects.update_or_create(
        item=item, unit=unit, defaults={"score": score, "note": note, "by": by}
    )
    record_step(
        scheme,
        Scheme.Action.SCORED,
        by=by,
        comment=f"{unit.short_name} {item.name} {score} 分：{note}",
    )
    return manual


@transaction.atomic
def veto_unit(scheme, *, by, unit, reason, files=()) -> Veto:
    """一票否决: a reason and the evidence (at least one file)."""
    scheme = _office_draft(scheme, by, "一票否决")
    if unit is None:
        raise DutiesError("请选择单位。")
    reason = (reason or "").strip()
    if not reason:
        raise DutiesError("请写明一票否决的理由。")
    if not files:
        raise DutiesError("请上传一票否决的依据材料。")
    if scheme.vetoes.filter(unit=unit).exists():
        raise DutiesError(f"{unit.name}已被一票否决。")
    veto = Veto.objects.create(scheme=scheme, unit=unit, reason=reason, by=by)
    store_uploads(
        files,
        lambda upload, sha: VetoFile(
            veto=veto, name=upload.name, size=upload.size, sha256=sha, uploaded_by=by
        ),
        DutiesError,
    )
    record_step(scheme, Scheme.Action.VETOED, by=by, comment=f"{unit.name}：{reason}")
    return veto


@transaction.atomic
def submit_scheme(scheme, *, by) -> Scheme:
    """提交审定: the results are computed from the record now and stored; from here on they are
    what everyone sees, whatever later happens to the tasks, reports or meetings."""
    from .assessment import compute_results

    scheme = _office_draft(scheme, by, "提交审定")
    items = list(scheme.items.all())
    _check_items([(i.source, i.name, i.weight) for i in items])
    for row in compute_results(scheme):
        UnitResult.objects.create(
            scheme=scheme,
            unit_id=row["unit_id"],
            score=row["score"],
            grade=row["grade"],
            rank=row["rank"],
            veto_reason=row["veto_reason"],
            breakdown=row["breakdown"],
        )
    scheme.status, scheme.computed_at = Scheme.Status.SUBMITTED, timezone.now()
    scheme.save(update_fields=["status", "computed_at"])
    record_step(scheme, Scheme.Action.SUBMITTED, by=by)
    return scheme


def _leader_submitted(scheme, by, verb) -> Scheme:
    if not perms.can_approve_assessment(by):
        raise DutiesError(f"只有组长、副组长可以{verb}考评结果。")
    scheme = lock(scheme)
    if scheme.status != Scheme.Status.SUBMITTED:
        raise DutiesError(f"只有待审定的考评结果才能{verb}。")
    return scheme


@transaction.atomic
def return_scheme(scheme, *, by, comment) -> Scheme:
    scheme = _leader_submitted(scheme, by, "退回")
    comment = (comment or "").strip()
    if not comment:
        raise DutiesError("退回时请写明意见。")
    for result in scheme.results.all():
        result.delete()  # one by one: each deletion is kept in the history
    scheme.status, scheme.computed_at = Scheme.Status.DRAFT, None
    scheme.save(update_fields=["status", "computed_at"])
    record_step(scheme, Scheme.Action.RETURNED, by=by, comment=comment)
    return scheme


@transaction.atomic
def approve_scheme(scheme, *, by, comment="") -> Scheme:
    scheme = _leader_submitted(scheme, by, "审定")
    scheme.status, scheme.approved_by, scheme.approved_at = (
        Scheme.Status.APPROVED,
        by,
        timezone.now(),
    )
    scheme.save(update_fields=["status", "approved_by", "approved_at"])
    record_step(scheme, Scheme.Action.APPROVED, by=by, comment=(comment or "").strip())
    return scheme


@transaction.atomic
def publish_scheme(scheme, *, by) -> Scheme:
    """公布: the approved results as a PDF, stored once with its SHA-256."""
    from .assessment import stored_results
    from .statistics_pdf import render_assessment_pdf

    if not perms.can_manage_assessment(by):
        raise DutiesError("只有办公室可以公布考评结果。")
    scheme = lock(scheme)
    if scheme.status != Scheme.Status.APPROVED:
        raise DutiesError("考评结果须经组长或副组长审定后才能公布。")
    now = timezone.now()
    pdf = render_assessment_pdf(
        scheme, stored_results(scheme), published_on=timezone.localtime(now).date()
    )
    scheme.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    scheme.pdf.save(f"{scheme.year}-{scheme.pdf_sha256[:12]}.pdf", ContentFile(pdf), save=False)
    stored = scheme.pdf.name
    try:
        scheme.status, scheme.published_at = Scheme.Status.PUBLISHED, now
        scheme.save(update_fields=["pdf", "pdf_sha256", "status", "published_at"])
        record_step(scheme, Scheme.Action.PUBLISHED, by=by)
    except Exception:
        scheme.pdf.storage.delete(stored)
        raise
    return scheme
