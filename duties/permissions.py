"""Who may see and act on tasks (督办事项) and escalations. One place; views and services ask here.

A unit sees the tasks it takes part in (as lead or responsible unit) and its own escalations;
anything else is 404, so nobody learns what another unit is asked to do.
"""

from django.http import Http404

from members.permissions import Role, has_role, is_office

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
    """The user's unit's part in the task, if the user is that unit's liaison."""
    if not has_role(user, Role.LIAISON) or user.unit_id is None:
        return None
    return task.units.filter(unit_id=user.unit_id).first()


def can_manage_tasks(user) -> bool:
    return is_office(user)


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
