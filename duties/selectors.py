"""The 督办台账 query: one function, so the page and its Excel export always give the same rows.

Filters on units and escalations are EXISTS subqueries and the highest escalation is a
correlated subquery: no GROUP BY or DISTINCT over the whole ledger, so the database reads one
page of the (deadline, id) index instead of aggregating ten years of tasks for every page.
"""

import datetime

from django.db.models import Exists, Max, Min, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from .models import Escalation, Report, ReportRound, Task, TaskUnit

SORTS = {
    "deadline": ("deadline", "pk"),
    "-deadline": ("-deadline", "-pk"),
    "-created": ("-created_at", "-pk"),
}


def ledger(user_tasks, data: dict, today: datetime.date):
    """Filter the tasks a user may see by the cleaned TaskFilterForm data."""
    top_level = Escalation.objects.filter(task=OuterRef("pk")).order_by("-level").values("level")
    tasks = user_tasks.with_light(today).annotate(top_level=Subquery(top_level[:1]))
    if data.get("unit"):
        tasks = tasks.filter(
            Exists(TaskUnit.objects.filter(task=OuterRef("pk"), unit=data["unit"]))
        )
    if data.get("status"):
        tasks = tasks.filter(status=data["status"])
    if data.get("light"):
        tasks = tasks.lit(data["light"], today)
    if data.get("source"):
        tasks = tasks.filter(source=data["source"])
    if data.get("year"):
        tasks = tasks.filter(created_at__year=int(data["year"]))
    if data.get("level"):
        escalated = Escalation.objects.filter(task=OuterRef("pk"), level=int(data["level"]))
        tasks = tasks.filter(Exists(escalated))
    if q := (data.get("q") or "").strip():
        tasks = tasks.filter(Q(title__contains=q) | Q(source_label__contains=q))
    order = SORTS.get(data.get("sort") or "deadline", SORTS["deadline"])
    responsible = Prefetch("responsible_units", to_attr="responsible")  # a list: no manager per row
    return tasks.select_related("lead_unit").prefetch_related(responsible).order_by(*order)


def years(queryset=None) -> list[int]:
    """The years of the ledger, newest first: from the first task's to the last's (two index
    lookups, where listing the distinct years would read every task)."""
    span = (queryset or Task.objects).aggregate(first=Min("created_at"), last=Max("created_at"))
    if span["first"] is None:
        return []
    first, last = (timezone.localtime(span[k]).year for k in ("first", "last"))
    return list(range(last, first - 1, -1))


def reports_due(today: datetime.date, unit_id=None):
    """Reports of open rounds not yet sent in (未填报, 草稿, 退回修改), overdue first, with the
    light each shows (red past the deadline, yellow within 3 days, green otherwise)."""
    reports = (
        Report.objects.filter(round__status=ReportRound.Status.OPEN)
        .exclude(status__in=Report.COUNTED)
        .select_related("round", "unit")
        .order_by("round__deadline", "unit__order")
    )
    if unit_id:
        reports = reports.filter(unit_id=unit_id)
    return [(r, r.light_on(today)) for r in reports]
