"""The minutes (会议纪要) PDF, laid out after GB/T 9704-2012 纪要格式 and rendered by WeasyPrint.

Pure: it reads the minutes through their relations and returns bytes. Numbering, storing the
file and its SHA-256, and creating the distribution are the issuing service's job.
"""

import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .models import Attendance, Minutes

TEMPLATE = "meetings/pdf/minutes.html"
MARK = "伊金霍洛旗社会救助联席会议纪要"
OFFICE = "伊金霍洛旗社会救助联席会议办公室"
# The Distribution rows do not exist yet when the PDF is rendered (it is rendered once, at
# issuance, before they are created), so the 版记 states the distribution the service creates.
DISTRIBUTE_LINE = "分送：各成员单位。"
COPY_LINE = "抄送：旗人民政府办公室。"

CN_NUMERALS = "〇一二三四五六七八九"


def cn_date(d: datetime.date) -> str:
    """2026年6月5日: Arabic numerals, year in full, no leading zeros (GB/T 9704 7.3.5.4)."""
    return f"{d.year}年{d.month}月{d.day}日"


def cn_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九: the numbering of 一、二、… items."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_NUMERALS[tens] + "十")
    return head + (CN_NUMERALS[ones] if ones else "")


def static_dir() -> Path:
    return Path(settings.BASE_DIR, "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    """Fetches file:// URLs inside static/ and refuses everything else.

    Minutes text is autoescaped, so it cannot add markup; this is the second wall: even a
    template mistake cannot make the renderer read /etc/passwd, media files or the network.
    """

    def __init__(self, root: Path | None = None):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.root = (root or static_dir()).resolve()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"refused URL outside static/: {url[:200]}")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"refused URL outside static/: {url[:200]}")
        return URLFetcherResponse(path.as_uri(), path.read_bytes())


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _attendee(a: Attendance) -> str:
    if a.status == Attendance.Status.DELEGATE:
        return f"{a.name}（委托{a.delegate_post}{a.delegate_name}代）"
    return a.name


def minutes_context(minutes: Minutes, *, number_label: str, issued_on: datetime.date) -> dict:
    """Everything the template shows, already in the words and formats it prints."""
    meeting = minutes.meeting
    starts = timezone.localtime(meeting.starts_at)
    facts = [
        ("时间", f"{cn_date(starts.date())} {starts.hour}:{starts.minute:02d}"),
        ("地点", meeting.place),
        ("召集人", meeting.convener_label),
        ("会议类型", meeting.get_kind_display()),
    ]
    decisions = []
    for d in minutes.decisions.select_related("lead_unit").prefetch_related("responsible_units"):
        decisions.append(
            {
                "number": cn_ordinal(len(decisions) + 1),
                "paragraphs": _paragraphs(d.text),
                "lead_unit": d.lead_unit.name,
                "responsible_units": "、".join(u.name for u in d.responsible_units.all()),
                "deadline": cn_date(d.deadline) if d.deadline else "",
            }
        )
    groups: dict[str, list[str]] = {"出席": [], "请假": [], "列席": []}
    label = {
        Attendance.Status.PRESENT: "出席",
        Attendance.Status.DELEGATE: "出席",
        Attendance.Status.LEAVE: "请假",
        Attendance.Status.OBSERVER: "列席",
    }
    for a in meeting.attendances.all():
        groups[label[a.status]].append(_attendee(a))
    return {
        "mark": MARK,
        "office": OFFICE,
        "number_label": number_label,
        "issued_on": cn_date(issued_on),
        "title": meeting.title,
        "facts": [(k, v) for k, v in facts if v],
        "summary": _paragraphs(minutes.summary),
        "decisions": decisions,
        "attendance": [(k, "、".join(names)) for k, names in groups.items() if names],
        "distribute_line": DISTRIBUTE_LINE,
        "copy_line": COPY_LINE,
    }


def render_minutes_pdf(minutes: Minutes, *, number_label: str, issued_on: datetime.date) -> bytes:
    """The 纪要 as PDF bytes, fonts embedded and subset, nothing fetched outside static/."""
    html = render_to_string(
        TEMPLATE, minutes_context(minutes, number_label=number_label, issued_on=issued_on)
    )
    root = static_dir()
    document = weasyprint.HTML(
        string=html, base_url=root.as_uri() + "/", url_fetcher=StaticOnlyFetcher(root)
    )
    return document.write_pdf()
