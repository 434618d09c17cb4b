"""The 统计情况 PDF of a closed 救助信息报送 round (对外发布), rendered by WeasyPrint.

Pure: reads the round's statistics, returns bytes; storing it with its SHA-256 is publish_round's
job. Fonts as for the minutes (meetings/pdf.py, which duties may not import): the free faces in
static/fonts/ and PDF_FONT_DIRS loaded as if installed, then the system's fonts-noto-cjk. The
document needs no image or stylesheet from anywhere, so the renderer fetches nothing at all.
"""

import datetime
import os
import threading
from decimal import Decimal
from pathlib import Path

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint.text.ffi import ffi, fontconfig, pangoft2
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from .statistics import round_statistics

TEMPLATE = "duties/pdf/statistics.html"
OFFICE = "伊金霍洛旗社会救助联席会议办公室"
FONT_SUFFIXES = {".otf", ".ttf", ".ttc", ".otc"}


def _font_dirs() -> tuple[Path, ...]:
    extra = getattr(settings, "PDF_FONT_DIRS", None) or []
    return (Path(settings.BASE_DIR, "static", "fonts"), *(Path(d) for d in extra))


class _Fonts(FontConfiguration):
    def __init__(self, dirs):
        super().__init__()
        for folder in dirs:
            if folder.is_dir():
                for path in sorted(folder.iterdir()):
                    if path.suffix.lower() in FONT_SUFFIXES:
                        fontconfig.FcConfigAppFontAddFile(self._config, os.fsencode(path))
        pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", self.font_map))


_local = threading.local()


def _font_configuration() -> _Fonts:
    dirs = _font_dirs()
    configs = _local.__dict__.setdefault("configs", {})
    if dirs not in configs:
        configs[dirs] = _Fonts(dirs)
    return configs[dirs]


class _NoFetch(URLFetcher):
    def fetch(self, url, headers=None):
        raise ValueError(f"refused URL: {url[:200]}")


def cn_date(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def statistics_context(round_, *, published_on: datetime.date) -> dict:
    units, stats = round_statistics(round_)
    reports = list(round_.reports.select_related("unit").order_by("unit__order"))
    sent = [r for r in reports if r.status in r.COUNTED]
    rows = []
    for s in stats:
        diff_p, pct_p = s.change_previous
        diff_y, pct_y = s.change_last_year
        rows.append(
            {
                "name": s.indicator.name,
                "measure": s.indicator.measure,
                "total": s.fmt(s.total) or "—",
                "previous": s.fmt(s.previous) or "—",
                "change_previous": _change(s, diff_p, pct_p),
                "last_year": s.fmt(s.last_year) or "—",
                "change_last_year": _change(s, diff_y, pct_y),
                "units": [
                    (u.name, s.fmt(s.by_unit[u.pk]) if s.by_unit[u.pk] is not None else "未报")
                    for u in units
                    if u.pk in s.by_unit
                ],
            }
        )
    return {
        "title": f"{round_.title}全旗社会救助统计情况",
        "office": OFFICE,
        "published_on": cn_date(published_on),
        "published_iso": published_on.isoformat(),
        "deadline": cn_date(round_.deadline),
        "asked": len(reports),
        "sent": len(sent),
        "missing": [r.unit.name for r in reports if r.status not in r.COUNTED],
        "rows": rows,
    }


def _change(s, diff, pct) -> str:
    if diff is None:
        return "—"
    sign = "+" if diff > 0 else ""
    text = f"{sign}{s.fmt(diff)}"
    return f"{text}（{sign}{pct}%）" if pct is not None else text


def render_pdf(html: str) -> bytes:
    """HTML → PDF/A-2u bytes with the project's fonts; nothing is fetched."""
    document = weasyprint.HTML(string=html, url_fetcher=_NoFetch()).render(
        font_config=_font_configuration()
    )
    return document.write_pdf(pdf_variant="pdf/a-2u")


def render_statistics_pdf(round_, *, published_on: datetime.date) -> bytes:
    return render_pdf(
        render_to_string(TEMPLATE, statistics_context(round_, published_on=published_on))
    )


def _points(value) -> str:
    """25.00 → 25, 2.50 → 2.5: a weight or threshold as a person writes it."""
    return f"{Decimal(value).normalize():f}"


def render_assessment_pdf(scheme, rows, *, published_on: datetime.date) -> bytes:
    """考评结果: the ranking, grades, 一票否决 with its reason, and each unit's item scores."""
    items = [b["item"] for b in rows[0]["breakdown"]] if rows else []
    context = {
        "title": f"{scheme.year}年度社会救助联席会议成员单位考评结果",
        "office": OFFICE,
        "published_on": cn_date(published_on),
        "published_iso": published_on.isoformat(),
        "approved_by": (scheme.approved_by.get_full_name() or str(scheme.approved_by))
        if scheme.approved_by
        else "",
        "items": items,
        "weights": [_points(b["weight"]) for b in rows[0]["breakdown"]] if rows else [],
        "rows": rows,
        "vetoed": [r for r in rows if r["veto_reason"]],
        "thresholds": [
            _points(t) for t in (scheme.excellent_from, scheme.good_from, scheme.pass_from)
        ],
    }
    return render_pdf(render_to_string("duties/pdf/assessment.html", context))
