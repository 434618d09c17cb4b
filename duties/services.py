"""Every state change of tasks and their supervision: one atomic function each.

Refusals raise DutiesError with the Chinese message the user sees, and change nothing.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from members import notifications
from members.files import store_uploads
from members.locking import lock
from members.models import Unit
from members.sequences import next_number

from . import permissions as perms
from .models import Escalation, Extension, Feedback, FeedbackFile, Task, TaskUnit


class DutiesError(Exception):
    """A change that is not allowed; str(e) is the Chinese message the user sees."""


def _open_task(task) -> Task:
    task = lock(task)
    if task.is_closed:
        raise DutiesError(f"该事项{task.get_status_display()}，不能再办理。")
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
    task = _open_task(task)
    part = _own_part(task, by)
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
    task = _open_task(task)
    part = _own_part(task, by)
    if part.done_at:
        raise DutiesError("本单位已确认完成。")
    if not task.feedback.filter(unit=part.unit).exists():
        raise DutiesError("请先填报本单位的进展反馈，再确认完成。")
    part.done_at, part.done_by = timezone.now(), by
    part.save(update_fields=["done_at", "done_by"])
    return part


@transaction.atomic
def complete_task(task, *, by) -> Task:
    """办结 by the lead unit, once every responsible unit has finished its part."""
    task = _open_task(task)
    part = _own_part(task, by)
    if part.role != TaskUnit.Role.LEAD:
        raise DutiesError("只有牵头单位可以办结。")
    waiting = [
        p.unit.name
        for p in task.units.select_related("unit").filter(
            role=TaskUnit.Role.RESPONSIBLE, done_at__isnull=True
        )
    ]
    if waiting:
        raise DutiesError(f"还有责任单位未完成：{'、'.join(waiting)}。")
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
    task = _open_task(task)
    reason = (reason or "").strip()
    if not reason:
        raise DutiesError("请写明销号理由。")
    task.status, task.closed_at, task.closed_by = Task.Status.CLOSED, timezone.now(), by
    task.close_reason = reason
    task.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
    return task


@transaction.atomic
def request_extension(task, *, by, new_deadline, reason) -> Extension:
    task = _open_task(task)
    part = _own_part(task, by)
    reason = (reason or "").strip()
    if not reason:
        raise DutiesError("请写明延期理由。")
    if new_deadline is None:
        raise DutiesError("请填写申请延至的日期。")
    if new_deadline <= timezone.localdate() or (task.deadline and new_deadline <= task.deadline):
        raise DutiesError("申请延至的日期须晚于今天和现有时限。")
    if task.extensions.filter(status=Extension.Status.PENDING).exists():
        raise DutiesError("该事项已有待审批的延期申请。")
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
    task = _open_task(extension.task)
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
    task = _open_task(task)
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
