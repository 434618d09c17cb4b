import datetime
from decimal import Decimal

from django.utils import timezone

from members.xlsx import workbook

from .models import Escalation, Feedback, Light, TaskUnit

COLUMNS = [
    ("编号", 8),
    ("督办事项", 60),
    ("来源", 14),
    ("来源说明", 26),
    ("牵头单位", 22),
    ("单位", 22),
    ("单位角色", 10),
    ("完成时限", 12),
    ("原定时限", 12),
    ("灯", 8),
    ("事项状态", 10),
    ("本单位完成时间", 16),
    ("最新反馈日期", 14),
    ("最新反馈", 50),
    ("最高督办方式", 12),
]


def ledger_xlsx(tasks, today: datetime.date, unit=None) -> bytes:
    """One row per task and unit (each unit's own part), in the ledger's order."""
    tasks = list(tasks)
    parts = (
        TaskUnit.objects.filter(task__in=tasks)
        .select_related("unit")
        .order_by("role", "unit__order")
    )
    if unit is not None:
        parts = parts.filter(unit=unit)
    by_task: dict[int, list[TaskUnit]] = {}
    for part in parts:
        by_task.setdefault(part.task_id, []).append(part)
    latest = {}
    for fb in (
        Feedback.objects.filter(task__in=tasks)
        .order_by("date", "pk")
        .values("task_id", "unit_id", "date", "text")
    ):
        latest[(fb["task_id"], fb["unit_id"])] = fb
    lights = dict(Light.choices)
    levels = dict(Escalation.Level.choices)

    def rows():
        for task in tasks:
            light = lights[getattr(task, "light", task.light_on(today))]
            level = levels.get(getattr(task, "top_level", None), "")
            for part in by_task.get(task.pk, []):
                fb = latest.get((task.pk, part.unit_id), {})
                yield (
                    task.pk,
                    task.title,
                    task.get_source_display(),
                    task.source_label,
                    task.lead_unit.name,
                    part.unit.name,
                    part.get_role_display(),
                    task.deadline,
                    task.original_deadline,
                    light,
                    task.get_status_display(),
                    timezone.localtime(part.done_at).replace(tzinfo=None) if part.done_at else None,
                    fb.get("date"),
                    fb.get("text", ""),
                    level,
                )

    return workbook("督办台账", COLUMNS, rows())


def statistics_xlsx(round_) -> bytes:
    """The statistics page's table, cell for cell (duties.statistics.statistics_rows)."""
    from .statistics import statistics_rows

    header, rows = statistics_rows(round_)
    widths = [24, 10, *([12] * (len(header) - 2))]
    return workbook(f"{round_.title}统计", list(zip(header, widths, strict=True)), rows)


def assessment_xlsx(scheme, rows) -> bytes:
    """The ranking as the scheme page shows it: one row per unit, one column per indicator."""
    items = [(b["item"], b["weight"]) for b in rows[0]["breakdown"]] if rows else []
    columns = [("名次", 6), ("单位", 26)]
    columns += [(f"{name}（{weight}分）", 14) for name, weight in items]
    columns += [("总分", 8), ("等次", 8), ("一票否决理由", 40)]

    def cells():
        for r in rows:
            yield (
                r["rank"],
                r["unit"],
                *[Decimal(b["score"]) for b in r["breakdown"]],
                r["score"],
                r["grade_label"],
                r["veto_reason"],
            )

    return workbook(f"{scheme.year}年度考评结果", columns, cells())
