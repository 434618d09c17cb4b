"""Statistics of 救助信息报送: one function per view of the figures, shared by the page, its Excel
export and the published PDF, so the three always show the same numbers.

Only figures a unit has sent in (已报送, 已采用) count; drafts and returned reports do not.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from .figures import format_figure
from .models import Indicator, Report, ReportLine, ReportRound, period_label


@dataclass
class IndicatorStats:
    indicator: Indicator
    total: Decimal | None
    previous: Decimal | None  # 上期 (环比)
    last_year: Decimal | None  # 上年同期 (同比)
    by_unit: dict = field(default_factory=dict)  # unit id -> value (None: not sent in)

    @staticmethod
    def _change(now, before):
        if now is None or before is None:
            return None, None
        diff = now - before
        pct = (diff / before * 100).quantize(Decimal("0.1")) if before else None
        return diff, pct

    @property
    def change_previous(self):
        return self._change(self.total, self.previous)

    @property
    def change_last_year(self):
        return self._change(self.total, self.last_year)

    def fmt(self, value) -> str:
        return format_figure(self.indicator, value)


def _totals(period, year, number) -> dict[int, Decimal]:
    """{indicator id: total of the sent-in figures} of one period's round (empty if none)."""
    rows = (
        ReportLine.objects.filter(
            report__round__period=period,
            report__round__year=year,
            report__round__number=number,
            report__status__in=Report.COUNTED,
        )
        .values("indicator")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return {r["indicator"]: r["total"] for r in rows}


def round_statistics(round_: ReportRound):
    """(units of the round in order, [IndicatorStats]) — the round's table."""
    reports = list(round_.reports.select_related("unit").order_by("unit__order", "unit_id"))
    units = [r.unit for r in reports]
    lines = list(
        ReportLine.objects.filter(report__round=round_)
        .select_related("indicator", "report")
        .order_by("indicator__order", "indicator_id")
    )
    indicators = list(dict.fromkeys(line.indicator for line in lines))
    now = _totals(round_.period, round_.year, round_.number)
    before = _totals(round_.period, *round_.previous_period())
    last_year = _totals(round_.period, round_.year - 1, round_.number)
    stats = []
    for indicator in indicators:
        s = IndicatorStats(
            indicator,
            now.get(indicator.pk),
            before.get(indicator.pk),
            last_year.get(indicator.pk),
        )
        for line in lines:
            if line.indicator_id == indicator.pk:
                counted = line.report.status in Report.COUNTED
                s.by_unit[line.report.unit_id] = line.value if counted else None
        stats.append(s)
    return units, stats


def statistics_rows(round_: ReportRound) -> tuple[list[str], list[list]]:
    """The round's table as plain rows (header, rows): what the page shows and the export writes.

    One row per indicator: name, 计量单位, each unit's figure ("" where not asked, "未报" where
    asked but not sent in), 合计, 上期, 环比增减, 上年同期, 同比增减.
    """
    units, stats = round_statistics(round_)
    header = ["指标", "计量单位", *[u.short_name for u in units]]
    header += ["合计", "上期", "环比增减", "上年同期", "同比增减"]
    rows = []
    for s in stats:
        row = [s.indicator.name, s.indicator.measure]
        for unit in units:
            if unit.pk not in s.by_unit:
                row.append("")
            elif s.by_unit[unit.pk] is None:
                row.append("未报")
            else:
                row.append(s.by_unit[unit.pk])
        diff_p, _ = s.change_previous
        diff_y, _ = s.change_last_year
        row += [s.total, s.previous, diff_p, s.last_year, diff_y]
        rows.append(row)
    return header, rows


def series(indicator: Indicator, period: str, limit: int = 12) -> list[tuple[str, Decimal]]:
    """An indicator's totals over the last `limit` rounds of one period kind, oldest first."""
    rows = (
        ReportLine.objects.filter(
            indicator=indicator, report__round__period=period, report__status__in=Report.COUNTED
        )
        .values("report__round__year", "report__round__number")
        .annotate(total=Sum("value"))
        .order_by("-report__round__year", "-report__round__number")[:limit]
    )
    points = [
        (period_label(period, r["report__round__year"], r["report__round__number"]), r["total"])
        for r in rows
    ]
    return points[::-1]


@dataclass
class Chart:
    """A bar chart drawn as SVG by the template: no script, nothing from outside."""

    width: int
    height: int
    bars: list  # (x, y, w, h, label, value text)
    max_label: str
    tilt: bool = False  # many periods: the labels are set at an angle so they do not overlap


def series_chart(points, fmt, width=640, height=220) -> Chart | None:
    if not points:
        return None
    top = max((v for _, v in points), default=0) or 1
    left, bottom, gap = 10, 60, 8
    plot_h = height - bottom - 20
    step = (width - left * 2) / len(points)
    bars = []
    for i, (label, value) in enumerate(points):
        h = float(value) / float(top) * plot_h
        w = min(step - gap, 56)
        x = left + i * step + (step - w) / 2
        bars.append(
            (
                round(x, 1),
                round(20 + plot_h - h, 1),
                round(w, 1),
                round(h, 1),
                label,
                fmt(value),
            )
        )
    return Chart(width, height, bars, fmt(top), tilt=len(points) > 6)
