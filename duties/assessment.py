"""年度考评: turning the record of a year into each member unit's score.

Each computed indicator is a `Source`: it reads one kind of record and returns, per unit, a
`Measure` — the share achieved (0–1) or the points to deduct — with the records behind it
(`Detail`s, each linking to its page), so a unit can see which task was late and which minutes
it acknowledged late. duties registers the sources it owns (tasks, feedback, reports,
escalations, policy lists); meetings registers attendance and acknowledgements from its own
AppConfig.ready() (duties may not import meetings: DESIGN.md's one-way imports).

Rules, stated once (they are shown on the scheme page as well):
- a share indicator scores weight × share; a unit with no such record scores the full weight;
- 督办问责 deducts 2 points per 通报, 5 per 约谈 and 10 per 挂牌督办, down to 0;
- a hand-scored item scores what the office gave, with its note (0 until scored);
- 一票否决 makes the grade 不合格 whatever the score.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone

from members.models import Unit

from .models import (
    MANUAL,
    Escalation,
    Feedback,
    Grade,
    ManualScore,
    PolicyConfirmation,
    Report,
    Scheme,
    TaskUnit,
)

CENT = Decimal("0.01")
ESCALATION_POINTS = {1: Decimal(2), 2: Decimal(5), 3: Decimal(10)}


@dataclass
class Detail:
    label: str
    url: str
    ok: bool | None = None  # True: counted for the unit, False: against it
    note: str = ""


@dataclass
class Measure:
    value: Decimal | None  # the share (0–1) or, for a deduction, the points off; None: no record
    text: str
    details: list[Detail] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    default_weight: int
    deduction: bool
    compute: Callable[[int, list[int], datetime.date], dict[int, Measure]]
    rule: str = ""


SOURCES: dict[str, Source] = {}


def register(source: Source):
    SOURCES[source.key] = source
    return source


def add_working_days(day: datetime.date, days: int) -> datetime.date:
    """The date `days` working days (Monday–Friday) after `day`."""
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def share(good: int, total: int) -> Decimal | None:
    return (Decimal(good) / Decimal(total)) if total else None


def assessed_units():
    """The member units assessed: every active unit but the banner government itself."""
    return list(Unit.objects.filter(active=True).exclude(kind=Unit.Kind.GOVERNMENT))


# --- the sources duties owns --------------------------------------------------------------------


def _due_parts(year, unit_ids, today):
    """Unit parts of tasks whose deadline fell in `year` and has passed (or that are finished)."""
    return (
        TaskUnit.objects.filter(unit_id__in=unit_ids, task__deadline__year=year)
        .filter(Q(task__deadline__lt=today) | Q(done_at__isnull=False) | ~Q(task__status="open"))
        .select_related("task")
        .order_by("task__deadline", "task_id")
    )


def _finished_on(part) -> datetime.date | None:
    at = part.done_at or part.task.closed_at
    return timezone.localtime(at).date() if at else None


def tasks_on_time(year, unit_ids, today):
    rows = defaultdict(list)
    for part in _due_parts(year, unit_ids, today):
        finished = _finished_on(part)
        ok = finished is not None and finished <= part.task.deadline
        note = f"时限 {part.task.deadline:%Y-%m-%d}，" + (
            f"完成 {finished:%Y-%m-%d}" if finished else "未完成"
        )
        rows[part.unit_id].append(
            Detail(part.task.title[:60], part.task.get_absolute_url(), ok, note)
        )
    return {
        uid: Measure(
            share(sum(d.ok for d in ds), len(ds)),
            f"到期 {len(ds)} 项，按时完成 {sum(d.ok for d in ds)} 项",
            ds,
        )
        for uid, ds in rows.items()
    }


def feedback_in_time(year, unit_ids, today):
    parts = list(_due_parts(year, unit_ids, today))
    first = {}
    for fb in (
        Feedback.objects.filter(task_id__in={p.task_id for p in parts}, unit_id__in=unit_ids)
        .order_by("date")
        .values("task_id", "unit_id", "date")
    ):
        first.setdefault((fb["task_id"], fb["unit_id"]), fb["date"])
    rows = defaultdict(list)
    for part in parts:
        date = first.get((part.task_id, part.unit_id))
        ok = date is not None and date <= part.task.deadline
        note = f"首次反馈 {date:%Y-%m-%d}" if date else "未反馈"
        rows[part.unit_id].append(
            Detail(part.task.title[:60], part.task.get_absolute_url(), ok, note)
        )
    return {
        uid: Measure(
            share(sum(d.ok for d in ds), len(ds)),
            f"应反馈 {len(ds)} 项，时限内反馈 {sum(d.ok for d in ds)} 项",
            ds,
        )
        for uid, ds in rows.items()
    }


def reports_on_time(year, unit_ids, today):
    rows = defaultdict(list)
    reports = (
        Report.objects.filter(unit_id__in=unit_ids, round__deadline__year=year)
        .filter(Q(round__deadline__lt=today) | Q(first_submitted_at__isnull=False))
        .select_related("round")
        .order_by("round__deadline")
    )
    for r in reports:
        sent = (
            f"报送 {timezone.localtime(r.first_submitted_at):%Y-%m-%d}"
            if r.first_submitted_at
            else "未报送"
        )
        rows[r.unit_id].append(
            Detail(
                r.round.title,
                r.get_absolute_url(),
                r.on_time,
                f"截止 {r.round.deadline:%Y-%m-%d}，{sent}",
            )
        )
    return {
        uid: Measure(
            share(sum(d.ok for d in ds), len(ds)),
            f"应报 {len(ds)} 次，按时报送 {sum(d.ok for d in ds)} 次",
            ds,
        )
        for uid, ds in rows.items()
    }


def escalation_deductions(year, unit_ids, today):
    rows, points_of = defaultdict(list), defaultdict(Decimal)
    for e in Escalation.objects.filter(unit_id__in=unit_ids, date__year=year).order_by("date"):
        points = ESCALATION_POINTS[e.level]
        points_of[e.unit_id] += points
        rows[e.unit_id].append(
            Detail(
                f"{e.number_label} {e.get_level_display()}",
                e.get_absolute_url(),
                False,
                f"扣 {points} 分",
            )
        )
    result = {}
    for uid, ds in rows.items():
        points = points_of[uid]
        result[uid] = Measure(points, f"通报、约谈、挂牌督办 {len(ds)} 次，共扣 {points} 分", ds)
    return result


def policy_confirmed(year, unit_ids, today):
    result = {}
    confirmations = PolicyConfirmation.objects.filter(
        review__year=year, unit_id__in=unit_ids
    ).select_related("review")
    for c in confirmations:
        url = c.review.get_absolute_url()
        if c.confirmed_at is None:
            value, text = Decimal(0), "未确认"
        elif c.on_time:
            value, text = Decimal(1), f"{timezone.localtime(c.confirmed_at):%Y-%m-%d} 按时确认"
        else:
            value, text = (
                Decimal("0.5"),
                f"{timezone.localtime(c.confirmed_at):%Y-%m-%d} 逾期确认（计一半）",
            )
        result[c.unit_id] = Measure(value, text, [Detail(str(c.review), url, value == 1, text)])
    return result


register(
    Source("tasks_on_time", "督办事项按时办结", 25, False, tasks_on_time, "按时完成的比例 × 分值")
)
register(
    Source(
        "feedback_in_time", "进展反馈及时", 15, False, feedback_in_time, "时限前反馈的比例 × 分值"
    )
)
register(
    Source(
        "reports_on_time", "救助信息按时报送", 15, False, reports_on_time, "按时报送的比例 × 分值"
    )
)
register(
    Source(
        "escalations",
        "督办问责扣分",
        10,
        True,
        escalation_deductions,
        "通报扣 2 分、约谈扣 5 分、挂牌督办扣 10 分，扣完为止",
    )
)
register(
    Source(
        "policy_confirmed",
        "政策清单梳理确认",
        5,
        False,
        policy_confirmed,
        "按时确认得满分，逾期确认得一半，未确认不得分",
    )
)
# meetings/assessment.py registers "attendance" (15) and "minutes_ack" (10); the hand-scored
# item (5) makes the default scheme 100.
DEFAULT_ORDER = [
    "tasks_on_time",
    "feedback_in_time",
    "reports_on_time",
    "attendance",
    "minutes_ack",
    "escalations",
    "policy_confirmed",
    MANUAL,
]
MANUAL_LABEL, MANUAL_WEIGHT = "工作创新与主动发现（办公室评分）", 5


def default_items() -> list[tuple[str, str, Decimal]]:
    items = []
    for key in DEFAULT_ORDER:
        if key == MANUAL:
            items.append((MANUAL, MANUAL_LABEL, Decimal(MANUAL_WEIGHT)))
        elif key in SOURCES:
            items.append((key, SOURCES[key].label, Decimal(SOURCES[key].default_weight)))
    return items


# --- scoring --------------------------------------------------------------------------------------


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def compute_results(scheme: Scheme, today: datetime.date | None = None) -> list[dict]:
    """Every assessed unit's score, grade and breakdown, ranked: plain data (JSON-ready), the
    same shape whether computed now (a draft) or read from UnitResult (submitted and after)."""
    today = today or timezone.localdate()
    units = assessed_units()
    ids = [u.pk for u in units]
    items = list(scheme.items.all())
    measures = {}
    for item in items:
        if not item.is_manual and item.source in SOURCES:
            measures[item.pk] = SOURCES[item.source].compute(scheme.year, ids, today)
    manual = {(m.item_id, m.unit_id): m for m in _manual_scores(scheme)}
    vetoes = {v.unit_id: v for v in scheme.vetoes.prefetch_related("files")}
    rows = []
    for unit in units:
        breakdown, total = [], Decimal(0)
        for item in items:
            weight = item.weight
            if item.is_manual:
                m = manual.get((item.pk, unit.pk))
                score = m.score if m else Decimal(0)
                text = m.note if m else "未评分"
                details = []
            elif item.source not in SOURCES:
                score, text, details = Decimal(0), "计分依据不可用", []
            else:
                source = SOURCES[item.source]
                measure = measures[item.pk].get(unit.pk)
                if measure is None or measure.value is None:
                    score, text, details = weight, "无相关记录，按满分计", []
                elif source.deduction:
                    score, text, details = (
                        max(Decimal(0), weight - measure.value),
                        measure.text,
                        measure.details,
                    )
                else:
                    score, text, details = weight * measure.value, measure.text, measure.details
            score = _q(score)
            total += score
            breakdown.append(
                {
                    "item": item.name,
                    "source": item.source,
                    "weight": str(weight),
                    "score": str(score),
                    "text": text,
                    "details": [asdict(d) for d in details],
                }
            )
        veto = vetoes.get(unit.pk)
        total = _q(total)
        rows.append(
            {
                "unit_id": unit.pk,
                "unit": unit.name,
                "score": total,
                "grade": scheme.grade_for(total, veto is not None),
                "veto_reason": veto.reason if veto else "",
                "veto_id": veto.pk if veto else None,
                "breakdown": breakdown,
            }
        )
    rows.sort(key=lambda r: (bool(r["veto_reason"]), -r["score"], ids.index(r["unit_id"])))
    rank, last = 0, None
    for n, row in enumerate(rows, 1):
        key = (bool(row["veto_reason"]), row["score"])
        if key != last:
            rank, last = n, key
        row["rank"] = rank
        row["grade_label"] = Grade(row["grade"]).label
    return rows


def _manual_scores(scheme):
    return ManualScore.objects.filter(item__scheme=scheme)


def stored_results(scheme: Scheme) -> list[dict]:
    """The frozen results of a submitted (approved, published) scheme, in the same shape."""
    rows = []
    for r in scheme.results.select_related("unit").order_by("rank", "unit__order"):
        rows.append(
            {
                "unit_id": r.unit_id,
                "unit": r.unit.name,
                "score": r.score,
                "grade": r.grade,
                "grade_label": r.get_grade_display(),
                "veto_reason": r.veto_reason,
                "veto_id": None,
                "breakdown": r.breakdown,
                "rank": r.rank,
            }
        )
    return rows


def results(scheme: Scheme, today=None) -> list[dict]:
    return stored_results(scheme) if scheme.is_frozen else compute_results(scheme, today)


def find(rows, unit_id):
    return next((r for r in rows if r["unit_id"] == unit_id), None)
