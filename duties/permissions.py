"""Who may see and act on tasks (督办事项) and escalations. One place; views and services ask here.

A unit sees the tasks it takes part in (as lead or responsible unit) and its own escalations;
anything else is 404, so nobody learns what another unit is asked to do.
"""

from django.core.exceptions import PermissionDenied
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

from .models import (
    Escalation,
    Extension,
    FeedbackFile,
    Policy,
    PolicyFile,
    Report,
    ReportFile,
    ReportRound,
    Scheme,
    Task,
    TaskUnit,
    VetoFile,
)


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


# --- 救助信息报送 ---------------------------------------------------------------------------------
# The office runs rounds and reviews reports; leaders read everything; a unit's liaisons fill in
# their own unit's report and its members read it; another unit's report is 404.


def can_manage_reports(user) -> bool:
    return is_office(user)


def can_see_statistics(user) -> bool:
    return sees_everything(user)


def rounds_for_user(user):
    rounds = ReportRound.objects.all()
    if sees_everything(user):
        return rounds
    if is_unit_user(user):
        return rounds.filter(reports__unit_id=user.unit_id)
    return rounds.none()


def get_round_for_user(user, pk) -> ReportRound:
    try:
        return rounds_for_user(user).get(pk=pk)
    except ReportRound.DoesNotExist:
        raise Http404("报送任务不存在。") from None


def reports_for_user(user):
    reports = Report.objects.select_related("round", "unit")
    if sees_everything(user):
        return reports
    if is_unit_user(user):
        return reports.filter(unit_id=user.unit_id)
    return reports.none()


def get_report_for_user(user, pk) -> Report:
    try:
        return reports_for_user(user).get(pk=pk)
    except Report.DoesNotExist:
        raise Http404("报送不存在。") from None


def can_fill_report(user, report) -> bool:
    """Only a liaison of the report's own unit fills it in."""
    return has_role(user, Role.LIAISON) and user.unit_id == report.unit_id


def get_report_file_for_user(user, report_pk, pk) -> ReportFile:
    report = get_report_for_user(user, report_pk)
    try:
        return report.files.get(pk=pk)
    except ReportFile.DoesNotExist:
        raise Http404("文件不存在。") from None


# --- 政策清单 -------------------------------------------------------------------------------------
# Every signed-in user reads every unit's list; a unit's liaisons (and the office) maintain it.


def can_edit_policies_of(user, unit_id) -> bool:
    return is_office(user) or (has_role(user, Role.LIAISON) and user.unit_id == unit_id)


def get_policy_for_user(user, pk, *, write=False) -> Policy:
    try:
        policy = Policy.objects.select_related("unit", "revised_by").get(pk=pk)
    except Policy.DoesNotExist:
        raise Http404("政策文件不存在。") from None
    if write and not can_edit_policies_of(user, policy.unit_id):
        raise PermissionDenied("只有本单位的联络员可以维护本单位的政策清单。")
    return policy


def get_policy_file(user, policy_pk, pk) -> PolicyFile:
    try:
        return PolicyFile.objects.get(policy_id=policy_pk, pk=pk)
    except PolicyFile.DoesNotExist:
        raise Http404("文件不存在。") from None


def can_manage_policy_reviews(user) -> bool:
    return is_office(user)


def can_confirm_policies(user, confirmation) -> bool:
    return has_role(user, Role.LIAISON) and user.unit_id == confirmation.unit_id


# --- 年度考评 -------------------------------------------------------------------------------------
# The office drafts and publishes, leaders approve; both see the ranking. A unit's users see only
# their own unit's breakdown, and only once the results are published.


def can_manage_assessment(user) -> bool:
    return is_office(user)


def can_approve_assessment(user) -> bool:
    return has_role(user, Role.LEADER)


def can_see_ranking(user) -> bool:
    return sees_everything(user)


def get_scheme_for_user(user, pk) -> Scheme:
    schemes = Scheme.objects.all()
    if not sees_everything(user):
        schemes = schemes.filter(status=Scheme.Status.PUBLISHED)
    try:
        return schemes.get(pk=pk)
    except Scheme.DoesNotExist:
        raise Http404("考评方案不存在。") from None


def get_unit_result_scheme(user, pk, unit_id) -> Scheme:
    """The scheme, if the user may see `unit_id`'s breakdown in it."""
    scheme = get_scheme_for_user(user, pk)
    if not sees_everything(user) and user.unit_id != unit_id:
        raise Http404("考评结果不存在。")
    return scheme


def get_veto_file_for_user(user, pk, file_pk) -> VetoFile:
    if not sees_everything(user):
        raise Http404("文件不存在。")
    try:
        return VetoFile.objects.get(veto__scheme_id=pk, pk=file_pk)
    except VetoFile.DoesNotExist:
        raise Http404("文件不存在。") from None
