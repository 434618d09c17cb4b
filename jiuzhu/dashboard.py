"""What the home page shows each role: work waiting, overdue tasks, compliance with the charter.

Read-only queries; each one a fixed number of queries whatever the size of the data.
"""

import datetime
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Verification
from duties.models import (
    Duty,
    Escalation,
    Feedback,
    Light,
    PolicyConfirmation,
    Report,
    Task,
    TaskUnit,
)
from duties.selectors import reports_due
from meetings.models import AgendaItem, Distribution, Meeting, Minutes, Opinion
from members.models import Seat, Unit
from members.permissions import Role, has_role, is_leader, is_office

ACK_WORKING_DAYS = 3
PLENARY_WARNING_FROM = (10, 1)  # 1 October: the year's plenary is still missing


def working_days_back(today: datetime.date, days: int) -> datetime.date:
    """The date `days` working days (Monday to Friday) before `today`."""
    day, counted = today, 0
    while counted < days:
        day -= datetime.timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def late_distributions(today: datetime.date):
    """分送 not acknowledged after 3 working days."""
    cutoff = working_days_back(today, ACK_WORKING_DAYS)
    end = timezone.make_aware(
        datetime.datetime.combine(cutoff + datetime.timedelta(days=1), datetime.time())
    )
    return Distribution.objects.filter(acknowledged_at__isnull=True, delivered_at__lt=end)


@dataclass
class Compliance:
    year: int
    held: bool
    level: str  # Bootstrap colour: success, secondary, warning, danger
    message: str


def compliance(today: datetime.date) -> list[Compliance]:
    """联席会议每年至少召开一次 (三(一)): this year's state, and last year's if it was missed.
    One query: the meetings table is small (a few hundred rows in ten years)."""
    last = today.year - 1
    plenary = Q(kind=Meeting.Kind.PLENARY, status__in=[Meeting.Status.HELD, Meeting.Status.CLOSED])
    seen = Meeting.objects.aggregate(
        held_last=Count("pk", filter=plenary & Q(starts_at__year=last)),
        held_this=Count("pk", filter=plenary & Q(starts_at__year=today.year)),
        before=Count("pk", filter=Q(starts_at__year__lte=last)),
    )
    result = []
    if not seen["held_last"] and seen["before"]:
        result.append(
            Compliance(
                last, False, "danger", f"{last}年未召开全体会议，不符合“每年至少召开一次”的要求。"
            )
        )
    if seen["held_this"]:
        result.append(Compliance(today.year, True, "success", f"{today.year}年全体会议已召开。"))
    elif (today.month, today.day) >= PLENARY_WARNING_FROM:
        result.append(
            Compliance(
                today.year,
                False,
                "warning",
                f"{today.year}年尚未召开全体会议，请在年底前组织召开。",
            )
        )
    else:
        result.append(
            Compliance(today.year, False, "secondary", f"{today.year}年全体会议尚未召开。")
        )
    return result


def silent_units(year: int, units: dict | None = None) -> list[Unit]:
    """Member units that sent no agenda item and no task feedback this year. `units`: every
    unit by id, when the caller has them already (the home page reads them once)."""
    # DISTINCT in the database: a unit's name, not each of its thousands of reports.
    spoke = set(
        AgendaItem.objects.filter(submitted_at__year=year)
        .order_by()
        .values_list("unit_id", flat=True)
        .distinct()
    ) | set(
        Feedback.objects.filter(at__year=year)
        .order_by()
        .values_list("unit_id", flat=True)
        .distinct()
    )
    if units is None:
        units = Unit.objects.in_bulk()
    return [
        u
        for u in units.values()
        if u.active and u.kind != Unit.Kind.GOVERNMENT and u.pk not in spoke
    ]


def overdue_by_unit(today: datetime.date, unit_id=None, units=None) -> list[tuple[Unit, int]]:
    """Units with overdue, unfinished parts of open tasks, most overdue first."""
    parts = TaskUnit.objects.filter(
        task__status=Task.Status.OPEN, task__deadline__lt=today, done_at__isnull=True
    )
    if unit_id:
        parts = parts.filter(unit_id=unit_id)
    counts = list(parts.values("unit").annotate(n=Count("pk")).order_by("-n"))
    if units is None:
        units = Unit.objects.in_bulk([c["unit"] for c in counts])
    return [(units[c["unit"]], c["n"]) for c in counts]


def open_escalations(unit_id=None):
    escalations = Escalation.objects.filter(resolved_at__isnull=True).select_related("unit", "task")
    return escalations.filter(unit_id=unit_id) if unit_id else escalations


@dataclass
class Bar:
    unit: Unit
    counts: dict  # light -> number
    total: int

    def segments(self, scale: float):
        """(light, x, width, count) for an SVG stacked bar, in a fixed order."""
        x = 0.0
        for light in (Light.RED, Light.YELLOW, Light.GREEN, Light.CLOSED):
            n = self.counts.get(light, 0)
            if n:
                width = n * scale
                yield light, round(x, 2), round(width, 2), n
                x += width


def task_chart(today: datetime.date, unit_id=None, units=None) -> tuple[list[Bar], float]:
    """Tasks by light per unit (each unit's own part), bars scaled to 100.

    A part is finished when its task is closed or the unit has done it; the others are red,
    yellow or green by the task's deadline. Ten years on, nearly all parts are finished, so the
    parts are counted per unit (an index-only count) and only the unfinished ones, the parts of
    open tasks, are joined to their tasks and sorted by light: finished = all − unfinished.
    """
    parts = TaskUnit.objects.all()
    if unit_id:
        parts = parts.filter(unit_id=unit_id)
    totals = dict(parts.order_by().values_list("unit").annotate(n=Count("*")))
    yellow_end = today + datetime.timedelta(days=3)
    unfinished = {
        r["unit"]: r
        for r in parts.filter(task__status=Task.Status.OPEN, done_at__isnull=True)
        .order_by()
        .values("unit")
        .annotate(
            red=Count("pk", filter=Q(task__deadline__lt=today)),
            yellow=Count("pk", filter=Q(task__deadline__gte=today, task__deadline__lte=yellow_end)),
            green=Count(
                "pk", filter=Q(task__deadline__gt=yellow_end) | Q(task__deadline__isnull=True)
            ),
        )
    }
    if units is None:
        units = Unit.objects.in_bulk(list(totals))
    bars = []
    for unit, total in totals.items():
        r = unfinished.get(unit, {"red": 0, "yellow": 0, "green": 0})
        counts = {Light.RED: r["red"], Light.YELLOW: r["yellow"], Light.GREEN: r["green"]}
        counts[Light.CLOSED] = total - sum(counts.values())
        bars.append(Bar(units[unit], counts, total))
    bars.sort(key=lambda b: (-b.counts[Light.RED], -b.total, b.unit.order))
    biggest = max((b.total for b in bars), default=0)
    return bars, (100 / biggest if biggest else 0)


def unit_tasks(unit_id, today: datetime.date):
    return (
        Task.objects.with_light(today)
        .for_unit(unit_id)
        .filter(status=Task.Status.OPEN)
        .select_related("lead_unit")
        .order_by("deadline", "pk")
    )


def coming_meetings(unit_id, now: datetime.datetime):
    """The meetings the unit is invited to and that are still ahead: notified (a draft is not
    announced yet) and starting today or later; a written review while its opinions are open.
    `opinion_given`: whether the unit has sent its written opinion. One query."""
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Meeting.objects.filter(invited_units=unit_id, status=Meeting.Status.NOTIFIED)
        .filter(
            Q(starts_at__gte=today_start) | Q(kind=Meeting.Kind.WRITTEN, opinion_deadline__gt=now)
        )
        .annotate(
            opinion_given=Exists(Opinion.objects.filter(meeting=OuterRef("pk"), unit_id=unit_id))
        )
        .order_by("starts_at", "pk")
    )


class Overview:
    """The statistics of one scope — everything (office and leaders) or one unit — computed only
    when the template asks for them (a role whose home shows no statistics costs no query)."""

    def __init__(self, today: datetime.date, unit_id=None):
        self.today, self.unit_id = today, unit_id

    @cached_property
    def units(self) -> dict:
        """Every unit by id (thirty rows), read once for the lists and the chart below."""
        return Unit.objects.in_bulk()

    @cached_property
    def overdue(self):
        return overdue_by_unit(self.today, unit_id=self.unit_id, units=self.units)

    @cached_property
    def escalations(self):
        return list(open_escalations(unit_id=self.unit_id))

    @cached_property
    def chart(self):
        bars, scale = task_chart(self.today, unit_id=self.unit_id, units=self.units)
        return [(bar, list(bar.segments(scale))) for bar in bars]

    @cached_property
    def reports_due(self):
        """救助信息报送 not yet sent in, with their lights (red: past the deadline)."""
        return reports_due(self.today, unit_id=self.unit_id)

    @cached_property
    def compliance(self):
        return compliance(self.today)

    @cached_property
    def silent_units(self):
        return silent_units(self.today.year, units=self.units)

    @cached_property
    def seat_count(self):
        return Seat.objects.in_service_on(self.today).count()

    @cached_property
    def unit_count(self):
        return sum(1 for unit in self.units.values() if unit.active)

    @cached_property
    def duty_count(self):
        return Duty.objects.count()


def todo(user, today) -> list[tuple[str, int, str]]:
    """What waits for this user: (label, count, link). Each role sees its own work, read fresh
    on every visit; counts of one table are read together, in one query."""
    todo = []
    items_url, minutes_url = reverse("meetings:item-list"), reverse("meetings:minutes-list")
    office, leader = is_office(user), is_leader(user)
    if office or leader:
        minutes = Minutes.objects.filter(
            status__in=[Minutes.Status.APPROVED, Minutes.Status.RETURNED, Minutes.Status.SUBMITTED]
        ).aggregate(
            approved=Count("pk", filter=Q(status=Minutes.Status.APPROVED)),
            returned=Count("pk", filter=Q(status=Minutes.Status.RETURNED)),
            submitted=Count("pk", filter=Q(status=Minutes.Status.SUBMITTED)),
        )
    if office:
        items = AgendaItem.objects.filter(
            status__in=[AgendaItem.Status.SUBMITTED, AgendaItem.Status.ACCEPTED]
        ).aggregate(
            submitted=Count("pk", filter=Q(status=AgendaItem.Status.SUBMITTED)),
            accepted=Count("pk", filter=Q(status=AgendaItem.Status.ACCEPTED)),
        )
        todo += [
            ("待审核的议题", items["submitted"], f"{items_url}?status=submitted"),
            ("待安排的议题", items["accepted"], f"{items_url}?status=accepted"),
            ("已审签待印发的纪要", minutes["approved"], minutes_url),
            ("退回修改的纪要", minutes["returned"], minutes_url),
            (
                "各单位未答复的个案核对",
                Verification.objects.filter(answered_at__isnull=True).count(),
                reverse("cases:verification-list"),
            ),
            (
                "措施已全部完成、可以办结的个案",
                Case.objects.filter(status=Case.Status.IMPLEMENTING)
                .exclude(measures__task__status=Task.Status.OPEN)
                .count(),
                reverse("cases:case-list") + "?status=implementing",
            ),
            (
                "待审核的救助信息报送",
                Report.objects.filter(status=Report.Status.SUBMITTED).count(),
                reverse("duties:round-list"),
            ),
            (
                "本年度政策清单梳理未确认的单位",
                PolicyConfirmation.objects.filter(
                    review__year=today.year, confirmed_at__isnull=True
                ).count(),
                reverse("duties:policy-review-list"),
            ),
            (
                "超过 3 个工作日未签收的纪要分送",
                late_distributions(today).count(),
                minutes_url,
            ),
        ]
    if leader:
        todo.append(("待审签的纪要", minutes["submitted"], minutes_url))
    if has_role(user, Role.LIAISON) and user.unit_id:
        todo += [
            (
                "退回修改的本单位议题",
                AgendaItem.objects.filter(
                    unit_id=user.unit_id, status=AgendaItem.Status.RETURNED
                ).count(),
                f"{items_url}?status=returned",
            ),
            (
                "待签收的纪要",
                Distribution.objects.filter(
                    unit_id=user.unit_id, acknowledged_at__isnull=True
                ).count(),
                minutes_url,
            ),
            (
                "待填报意见的书面审议",
                Meeting.objects.filter(
                    kind=Meeting.Kind.WRITTEN,
                    status=Meeting.Status.NOTIFIED,
                    invited_units=user.unit_id,
                    opinion_deadline__gt=timezone.now(),
                )
                .exclude(opinions__unit_id=user.unit_id)
                .count(),
                reverse("meetings:meeting-list"),
            ),
            (
                "待填报的救助信息报送",
                Report.objects.filter(
                    unit_id=user.unit_id,
                    status__in=Report.EDITABLE,
                    round__status="open",
                ).count(),
                reverse("duties:round-list"),
            ),
            (
                "待确认的本单位政策清单",
                PolicyConfirmation.objects.filter(
                    unit_id=user.unit_id, confirmed_at__isnull=True
                ).count(),
                reverse("duties:policy-review-list"),
            ),
            (
                "待答复的个案核对请求",
                Verification.objects.filter(unit_id=user.unit_id, answered_at__isnull=True).count(),
                reverse("cases:verification-list"),
            ),
        ]
    return todo
