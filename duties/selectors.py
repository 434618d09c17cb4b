"""The 督办台账 query: one function, so the page and its Excel export always give the same rows."""

import datetime

from django.db.models import Max, Q

from .models import Task

SORTS = {
    "deadline": ("deadline", "pk"),
    "-deadline": ("-deadline", "-pk"),
    "-created": ("-created_at", "-pk"),
}


def ledger(user_tasks, data: dict, today: datetime.date):
    """Filter the tasks a user may see by the cleaned TaskFilterForm data."""
    tasks = user_tasks.with_light(today).annotate(top_level=Max("escalations__level"))
    if data.get("unit"):
        tasks = tasks.filter(units__unit=data["unit"])
    if data.get("status"):
        tasks = tasks.filter(status=data["status"])
    if data.get("light"):
        tasks = tasks.filter(light=data["light"])
    if data.get("source"):
        tasks = tasks.filter(source=data["source"])
    if data.get("year"):
        tasks = tasks.filter(created_at__year=int(data["year"]))
    if data.get("level"):
        tasks = tasks.filter(escalations__level=int(data["level"]))
    if q := (data.get("q") or "").strip():
        tasks = tasks.filter(Q(title__contains=q) | Q(source_label__contains=q))
    order = SORTS.get(data.get("sort") or "deadline", SORTS["deadline"])
    return (
        tasks.distinct()
        .select_related("lead_unit")
        .prefetch_related("responsible_units")
        .order_by(*order)
    )


def years(queryset=None) -> list[int]:
    dates = (queryset or Task.objects).dates("created_at", "year", order="DESC")
    return [d.year for d in dates]
