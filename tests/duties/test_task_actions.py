"""The task page offers an action exactly when its service would accept it (TASK_ACTIONS)."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from duties import permissions as perms
from duties import services
from duties.models import Escalation, Extension, Task
from members.models import Unit


class Rollback(Exception):
    pass


def accepted(call, *args) -> bool:
    try:
        with transaction.atomic():
            call(*args)
            raise Rollback
    except Rollback:
        return True
    except services.DutiesError:
        return False


TODAY = timezone.localdate()
CALLS = {
    "feedback": lambda t, u: services.add_feedback(t, by=u, text="已完成摸排。", date=TODAY),
    "part-done": lambda t, u: services.mark_part_done(t, by=u),
    "complete": lambda t, u: services.complete_task(t, by=u),
    "extension": lambda t, u: services.request_extension(
        t, by=u, new_deadline=TODAY + datetime.timedelta(days=60), reason="需补充调查"
    ),
    "close": lambda t, u: services.close_task(t, by=u, reason="已纳入年度计划"),
    "escalate": lambda t, u: services.escalate(
        t, by=u, unit=t.lead_unit, level=Escalation.Level.NOTICE, date=TODAY, content="进度滞后"
    ),
    "decide-extension": lambda t, u: services.decide_extension(
        t.extensions.get(status=Extension.Status.PENDING), by=u, approve=True
    ),
}


def try_call(name, task, user) -> bool:
    if name == "decide-extension" and not task.extensions.filter(status="pending").exists():
        return False  # nothing to decide: the page has no form to send
    return accepted(CALLS[name], task, user)


def _task_in(state, office, liaison, liaison2):
    task = services.create_task(
        title="开展困难群众冬季走访",
        source=Task.Source.OFFICE,
        lead_unit=Unit.objects.get(name="旗民政局"),
        responsible_units=[Unit.objects.get(name="旗教体局")],
        deadline=TODAY + datetime.timedelta(days=30),
        by=office,
    )
    if state == "new":
        return task
    if state in ("lead-reported", "responsible-done", "pending-extension"):
        services.add_feedback(task, by=liaison, text="已走访120户。", date=TODAY)
    if state == "responsible-done":
        services.add_feedback(task, by=liaison2, text="已走访学校。", date=TODAY)
        services.mark_part_done(task, by=liaison2)
    if state == "pending-extension":
        services.request_extension(
            task, by=liaison2, new_deadline=TODAY + datetime.timedelta(days=50), reason="假期"
        )
    if state == "done":
        services.add_feedback(task, by=liaison2, text="已走访学校。", date=TODAY)
        services.mark_part_done(task, by=liaison2)
        services.complete_task(task, by=liaison)
    if state == "closed":
        services.close_task(task, by=office, reason="并入其他事项")
    return task


@pytest.mark.parametrize(
    "state",
    ["new", "lead-reported", "responsible-done", "pending-extension", "done", "closed"],
)
def test_the_task_page_offers_exactly_what_the_services_accept(
    state, office, leader, liaison, liaison2, member
):
    task = _task_in(state, office, liaison, liaison2)
    for user in (office, leader, liaison, liaison2, member):
        offered = perms.task_actions(user, Task.objects.get(pk=task.pk))
        works = {name for name in CALLS if try_call(name, Task.objects.get(pk=task.pk), user)}
        assert offered == works, (user.username, state)


def test_the_lead_unit_is_told_why_it_cannot_finish_yet(office, liaison, liaison2, client):
    task = _task_in("lead-reported", office, liaison, liaison2)
    client.force_login(liaison)
    page = client.get(task.get_absolute_url()).content.decode()
    assert "办结（牵头单位）</button>" not in page
    assert "还有责任单位未完成：旗教体局。" in page
