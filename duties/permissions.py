"""Who may see and act on tasks (督办事项) and escalations. One place; views and services ask here.

A unit sees the tasks it takes part in (as lead or responsible unit) and its own escalations;
anything else is 404, so nobody learns what another unit is asked to do.
"""

from django.http import Http404

from members.permissions import (
    Role,
    Rule,
    allowed_actions,
    has_role,
    is_office,
    offered,
    office,
    state_refusal,
)
from members.permissions import refusal as _refusal

from .models import Escalation, Extension, FeedbackFile, Task, TaskUnit


def sees_everything(user) -> bool:
    return has_role(user, Role.OFFICE, Role.LEADER)


def is_unit_user(user) -> bool:
    return user.unit_id is not None and has_role(user, Role.LIAISON, Role.MEMBER)


def tasks_for_user(user):
    tasks = Task.objects.all()
    if sees_everything(user):
        return tasks
    if is_unit_user(user):
        return tasks.for_unit(user.unit_id)
    return tasks.none()


def get_task_for_user(user, pk) -> Task:
    try:
        return tasks_for_user(user).select_related("lead_unit").get(pk=pk)
    except Task.DoesNotExist:
        raise Http404("督办事项不存在。") from None


def get_feedback_file_for_user(user, task_pk, pk) -> FeedbackFile:
    """A file of any feedback on a task the user may see."""
    task = get_task_for_user(user, task_pk)
    try:
        return FeedbackFile.objects.get(feedback__task=task, pk=pk)
    except FeedbackFile.DoesNotExist:
        raise Http404("文件不存在。") from None


def part_for(user, task) -> TaskUnit | None:
    """The user's unit's part in the task, if the user is that unit's liaison.

    Asked once per task object and user (the task page's rules ask several times)."""
    if not has_role(user, Role.LIAISON) or user.unit_id is None:
        return None
    cache = task.__dict__.setdefault("_part_for", {})
    if user.pk not in cache:
        cache[user.pk] = task.units.filter(unit_id=user.unit_id).select_related("unit").first()
    return cache[user.pk]


def can_manage_tasks(user) -> bool:
    return is_office(user)


def _has_part(user, task) -> bool:
    return part_for(user, task) is not None


def _leads(user, task) -> bool:
    part = part_for(user, task)
    return part is not None and part.role == TaskUnit.Role.LEAD


def _part_finished(task, user) -> str:
    part = part_for(user, task)
    if part.done_at:
        return "本单位已确认完成。"
    if not task.feedback.filter(unit_id=part.unit_id).exists():
        return "请先填报本单位的进展反馈，再确认完成。"
    return ""


def _parts_open(task, user=None) -> str:
    waiting = [
        p.unit.name
        for p in task.units.select_related("unit").filter(
            role=TaskUnit.Role.RESPONSIBLE, done_at__isnull=True
        )
    ]
    return f"还有责任单位未完成：{'、'.join(waiting)}。" if waiting else ""


def _extension_pending(task, user=None) -> str:
    if task.extensions.filter(status=Extension.Status.PENDING).exists():
        return "该事项已有待审批的延期申请。"
    return ""


def _nothing_pending(task, user=None) -> str:
    return "" if _extension_pending(task) else "没有待审批的延期申请。"


_OPEN = (Task.Status.OPEN,)
_CLOSED = "该事项{status}，不能再办理。"

# Each task action (see members.permissions.Rule): the task page offers exactly these, the
# services refuse with these messages.
TASK_ACTIONS = {
    "feedback": Rule(_has_part, _OPEN, _CLOSED),
    "part-done": Rule(_has_part, _OPEN, _CLOSED, _part_finished),
    "complete": Rule(_leads, _OPEN, _CLOSED, _parts_open),
    "extension": Rule(_has_part, _OPEN, _CLOSED, _extension_pending),
    "close": Rule(office, _OPEN, _CLOSED),
    "escalate": Rule(office, _OPEN, _CLOSED),
    "decide-extension": Rule(office, _OPEN, _CLOSED, _nothing_pending),
}

# Reasons the task page shows where a unit would expect a button.
_HINTED = ("part-done", "complete", "extension")


def task_refusal(action: str, task: Task, user=None) -> str:
    return _refusal(TASK_ACTIONS, action, task, user)


def task_state_refusal(action: str, task: Task) -> str:
    return state_refusal(TASK_ACTIONS, action, task)


def task_actions(user, task: Task) -> frozenset[str]:
    return allowed_actions(TASK_ACTIONS, user, task)


def task_offer(user, task: Task) -> tuple[frozenset[str], dict[str, str]]:
    return offered(TASK_ACTIONS, user, task, hinted=_HINTED)


def escalations_for_user(user):
    escalations = Escalation.objects.select_related("unit", "task")
    if sees_everything(user):
        return escalations
    if is_unit_user(user):
        return escalations.filter(unit_id=user.unit_id)
    return escalations.none()


def get_escalation_for_user(user, pk) -> Escalation:
    try:
        return escalations_for_user(user).get(pk=pk)
    except Escalation.DoesNotExist:
        raise Http404("督办记录不存在。") from None


def get_extension_for_office(user, pk) -> Extension:
    try:
        return Extension.objects.select_related("task", "unit").get(pk=pk)
    except Extension.DoesNotExist:
        raise Http404("延期申请不存在。") from None
