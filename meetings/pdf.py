"""The minutes (会议纪要) PDF, laid out after GB/T 9704-2012 纪要格式 and rendered by WeasyPrint.

Pure: it reads the minutes through their relations and returns bytes. Numbering, storing the
file and its SHA-256, and creating the distribution are the issuing service's job.

Three things here go beyond plain WeasyPrint, each for a rule of the standard:
- fonts: the CSS asks for the standard's faces first (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312),
  which an office installs system-wide or drops into a font folder (static/fonts/ or the
  PDF_FONT_DIRS setting); the free fallbacks ship in static/fonts/ (Fandol) or come with
  fonts-noto-cjk. See static/fonts/README.md.
- justification: WeasyPrint only widens spaces, so lines of Chinese would end ragged; a CJK
  line is justified here by spreading the leftover width between its characters, which is
  what makes a full line 28 characters at 156 mm / 28 (GB/T 9704 5.2.3).
- archival: PDF/A-2u (see render_pdf), metadata from the <title>/<meta> of the template.
"""

import datetime
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline
from weasyprint.text.ffi import ffi, fontconfig, pangoft2
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .models import OFFICE_NAME, Attendance, Minutes

TEMPLATE = "meetings/pdf/minutes.html"
MARK = "伊金霍洛旗社会救助联席会议纪要"
OFFICE = OFFICE_NAME
# The Distribution rows do not exist yet when the PDF is rendered (it is rendered once, at
# issuance, before they are created), so the 版记 states the distribution the service will
# create (planned_banji); these are its lines when nothing was narrowed or added.
DISTRIBUTE_LINE = "分送：各成员单位。"
COPY_LINE = "抄送：旗人民政府办公室。"
# PDF/A-2u: PDF/A-2 (ISO 19005-2) because it forbids embedded files that are not themselves
# PDF/A (an issued 纪要 carries no attachment, and WeasyPrint drops any), allows OpenType/CFF
# font programs (the Fandol faces) and is what archive ingest tools validate most widely;
# level "u" because every glyph must map to Unicode, so the text can be searched and quoted
# from the archive copy, and the tests can read it. Level "a" would add a structure tree
# (tagged PDF), which WeasyPrint 70 marks experimental; it is not needed for a print-form 公文.
PDF_VARIANT = "pdf/a-2u"

CN_NUMERALS = "〇一二三四五六七八九"
FONT_SUFFIXES = {".otf", ".ttf", ".ttc", ".otc"}


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


def font_dirs() -> list[Path]:
    """Folders whose font files the renderer loads, besides the fonts fontconfig knows.

    static/fonts/ holds the free faces that ship with the project. PDF_FONT_DIRS (a list of
    paths, optional) adds folders outside static/, for licensed faces that must not be served
    to browsers by the static files app.
    """
    extra = getattr(settings, "PDF_FONT_DIRS", None) or []
    return [static_dir() / "fonts", *(Path(d) for d in extra)]


def font_files(dirs: list[Path]) -> list[Path]:
    found = []
    for folder in dirs:
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.suffix.lower() in FONT_SUFFIXES)
    return found


class MinutesFonts(FontConfiguration):
    """The system's fonts plus every font file of the font folders, as if installed.

    fontconfig reads each file's own family names (仿宋_GB2312, FangSong, FandolFang R, …), so
    the CSS font stacks find an office's licensed file by the name the standard uses, with
    no @font-face rule to write. The files are read once per process and thread.
    """

    def __init__(self, dirs: list[Path]):
        super().__init__()
        self.files = []
        for path in font_files(dirs):
            # _config is WeasyPrint's own FcConfig for this font map (it adds @font-face
            # files to it the same way, in add_font_face).
            if fontconfig.FcConfigAppFontAddFile(self._config, os.fsencode(path)):
                self.files.append(path)
        pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", self.font_map))


_fonts = threading.local()


def font_configuration() -> MinutesFonts:
    """One font configuration per thread and set of font folders: building it costs most of
    a cold render, and Pango font maps must not be shared between threads. Restart the
    process after adding fonts."""
    dirs = tuple(font_dirs())
    configs = _fonts.__dict__.setdefault("configs", {})
    if dirs not in configs:
        configs[dirs] = MinutesFonts(list(dirs))
    return configs[dirs]


class StaticOnlyFetcher(URLFetcher):
    """Fetches file:// URLs inside static/ and refuses everything else.

    Minutes text is autoescaped, so it cannot add markup; this is the second wall: even a
    template mistake cannot make the renderer read /etc/passwd, media files or the network,
    nor embed a local file through <a rel="attachment"> or <link rel="attachment">.
    """

    def __init__(self, root: Path | None = None):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.root = (root or static_dir()).resolve()
        self.fetched: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if (
            parts.scheme.lower() != "file"
            or parts.netloc not in ("", "localhost")
            or not path.is_relative_to(self.root)
            or not path.is_file()
        ):
            self.refused.append(url)
            raise ValueError(f"refused URL outside static/: {url[:200]}")
        self.fetched.append(path.as_uri())
        return URLFetcherResponse(path.as_uri(), path.read_bytes())


# --- Inter-character justification -------------------------------------------------------

# Han, kana, CJK symbols and punctuation, full-width forms.
CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]")
_justify_spaces = inline.justify_line


def _text_boxes(box):
    if isinstance(box, boxes.TextBox):
        yield box
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            if child.is_in_normal_flow():
                yield from _text_boxes(child)


def _is_label(box) -> bool:
    """出席：/请假：/列席： keep their set width: the names' hanging indent aligns with the first
    character after the colon, on the first line as on the wrapped ones."""
    element = getattr(box, "element", None)
    return element is not None and "label" in (element.get("class") or "").split()


def _spread(box, spacing, x_advance):
    """Add `spacing` after every character of the line, moving the boxes that follow."""
    if isinstance(box, boxes.TextBox) and _is_label(box):
        box.position_x += x_advance
        return x_advance
    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        extra = spacing * len(box.text)
        style = box.style.copy()
        letter_spacing = style["letter_spacing"]
        style["letter_spacing"] = (0 if letter_spacing == "normal" else letter_spacing) + spacing
        box.style = style  # the text is drawn with the box's style: this spreads the glyphs
        box.width += extra
        return x_advance + extra
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _spread(child, spacing, x_advance)
        box.width += x_advance - before
        return x_advance
    box.translate(x_advance, 0)
    return x_advance


def justify_line(context, line, extra_width):
    """WeasyPrint calls this for every justified line but a paragraph's last.

    A line with Chinese in it is justified between characters (CSS Text 3 text-justify
    "inter-character", what Word's 两端对齐 does); other lines keep WeasyPrint's spaces-only
    rule. Lines broken early by 避头尾 rules or a run of digits then still end on the 版心 edge.
    """
    texts = list(_text_boxes(line))
    count = sum(len(box.text) for box in texts if not _is_label(box))
    if count < 2 or not any(CJK.search(box.text) for box in texts):
        return _justify_spaces(context, line, extra_width)
    # n characters have n − 1 gaps: the spacing after the last one falls outside the line,
    # so its last glyph ends on the 版心 edge.
    _spread(line, extra_width / (count - 1), 0)


inline.justify_line = justify_line


# --- Content ------------------------------------------------------------------------------

LEVEL_1 = re.compile(r"^[一二三四五六七八九十]+、")
LEVEL_2 = re.compile(r"^（[一二三四五六七八九十]+）")
SPACE_IN_CJK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) +(?=[\u3000-\u9fff\uff00-\uffef])")


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _heading_split(text: str) -> tuple[str, str]:
    """The heading sentence of a numbered paragraph and the text after it.

    A heading that stands alone is the whole paragraph; a heading run into its paragraph
    ends at its first 。 (GB/T 9704 7.3.3: the heading takes the level's face, the text
    after it stays 仿宋).
    """
    end = text.find("。")
    if end == -1 or end == len(text) - 1:
        return text, ""
    return text[: end + 1], text[end + 1 :]


def body_paragraph(text: str, *, number: str = "", keep_with_next: bool = False) -> dict:
    """A body paragraph; "一、…" sets its heading in 黑体, "（一）…" in 楷体, "1." stays 仿宋."""
    text = number + text
    face = "hei" if LEVEL_1.match(text) else "kai" if LEVEL_2.match(text) else ""
    head, rest = _heading_split(text) if face else ("", text)
    return {"face": face, "head": head, "text": rest, "keep": keep_with_next}


def with_unit(unit, post: str) -> str:
    """单位 + 职务 as printed: 旗财政局副局长. A post already written with its unit stays as is."""
    post = (post or "").strip()
    if unit is None or post.startswith((unit.name, unit.short_name)):
        return post
    return f"{unit.name}{post}"


def _attendee(a: Attendance) -> list[dict]:
    """One person of an attendance list as pieces: names are kept whole on a line (nowrap
    spans in the template), the posts between them may wrap like any text.

    委托: the absent holder, then the stand-in with post (单位 + 职务): 韩浩亮（委托旗财政局副局长
    张三代）. 列席: name and post: 赵六（旗民政局科长）.
    """
    if a.status == Attendance.Status.DELEGATE:
        return [
            {"name": a.name},
            {"text": f"（委托{with_unit(a.unit, a.delegate_post)}"},
            {"name": a.delegate_name},
            {"text": "代）"},
        ]
    if a.status == Attendance.Status.OBSERVER:
        post = with_unit(a.unit, a.post)
        return [{"name": a.name}, *([{"text": f"（{post}）"}] if post else [])]
    return [{"name": a.name}]


def attendance_groups(meeting) -> list[tuple[str, list[dict]]]:
    """出席 / 请假 / 列席 (GB/T 9704 10.3), each a list of pieces with "、" between persons.

    The separator is put into the last piece of each person, so that "、" never starts a line
    and a name's nowrap span carries it: a name that does not fit moves whole to the next line.
    """
    groups: dict[str, list[list[dict]]] = {"出席": [], "请假": [], "列席": []}
    label = {
        Attendance.Status.PRESENT: "出席",
        Attendance.Status.DELEGATE: "出席",
        Attendance.Status.LEAVE: "请假",
        Attendance.Status.OBSERVER: "列席",
    }
    for a in meeting.attendances.select_related("unit"):
        groups[label[a.status]].append(_attendee(a))
    result = []
    for key, people in groups.items():
        if not people:
            continue
        pieces = []
        for n, person in enumerate(people):
            person = [dict(piece) for piece in person]
            if n < len(people) - 1:
                last = person[-1]
                last["sep"] = "、"
            pieces += person
        result.append((key, pieces))
    return result


def planned_banji(minutes: Minutes) -> tuple[str, str]:
    """The 分送 and 抄送 lines, stated from the distribution the issuing service will record
    (meetings.services.planned_distribution): "各成员单位" when it is every member unit,
    otherwise the units' names; 抄送 the 旗人民政府办公室 and any recipients outside the system.
    Names are separated by "，" (GB/T 9704 7.4.2: 抄送机关间用逗号隔开), the last ends in "。"."""
    from .services import planned_distribution

    plan = planned_distribution(minutes)
    main = "各成员单位" if plan.all_members else "，".join(u.name for u in plan.main)
    lines = [f"分送：{main}。"]
    copies = [u.name for u in plan.copy_units] + plan.copy_extra
    return lines[0], (f"抄送：{'，'.join(copies)}。" if copies else "")


DRAFT_NUMBER = "〔{year}〕第□期"
DRAFT_MARK = "审签稿"


def minutes_context(
    minutes: Minutes, *, number_label: str, issued_on: datetime.date, draft: bool = False
) -> dict:
    """Everything the template shows, already in the words and formats it prints.

    `draft`: the 审签稿 the leader reads before approving: the same document, with the number
    left open and the mark 审签稿 in the top margin, outside the 版心.
    """
    meeting = minutes.meeting
    starts = timezone.localtime(meeting.starts_at)
    facts = [
        ("时间", f"{cn_date(starts.date())}{starts.hour}时{starts.minute:02d}分"),
        ("地点", meeting.place),
    ]
    if meeting.kind == meeting.Kind.PLENARY:
        facts.append(("召集人", SPACE_IN_CJK.sub("", meeting.convener_label)))
    facts.append(("会议类型", meeting.get_kind_display()))
    body = [body_paragraph(f"{label}：{value}") for label, value in facts if value]
    host = host_pieces(meeting)
    if host:  # after 时间 and 地点
        at = sum(1 for _, value in facts[:2] if value)
        body.insert(at, {"face": "", "head": "", "text": host[0], "name": host[1], "keep": False})
    body += [body_paragraph(p) for p in _paragraphs(minutes.summary)]
    decisions = list(
        minutes.decisions.select_related("lead_unit").prefetch_related("responsible_units")
    )
    if decisions:
        body.append(body_paragraph("会议议定以下事项：", keep_with_next=True))
    for n, d in enumerate(decisions, start=1):
        paragraphs = _paragraphs(d.text) or [""]
        number = f"{cn_ordinal(n)}、"
        body.append(body_paragraph(paragraphs[0], number=number) | {"lead": True})
        body += [body_paragraph(p) for p in paragraphs[1:]]
        units = [f"牵头单位：{d.lead_unit.name}"]
        if responsible := "、".join(u.name for u in d.responsible_units.all()):
            units.append(f"责任单位：{responsible}")
        if d.deadline:
            units.append(f"完成时限：{cn_date(d.deadline)}")
        body.append(body_paragraph("；".join(units) + "。"))

    distribute_line, copy_line = planned_banji(minutes)
    return {
        "mark": MARK,
        "office": OFFICE,
        "number_label": number_label,
        "issued_on": cn_date(issued_on),
        "issued_iso": issued_on.isoformat(),
        "title": meeting.title,
        "body": body,
        "attendance": attendance_groups(meeting),
        "distribute_line": distribute_line,
        "copy_line": copy_line,
        "draft_mark": DRAFT_MARK if draft else "",
    }


def host_pieces(meeting) -> tuple[str, str] | None:
    """主持人：副旗长 + 李贵: the label and post, and the name kept whole on its line."""
    if meeting.host_seat_id:
        tenure = meeting.host_seat.tenure_on(timezone.localtime(meeting.starts_at).date())
        if tenure is None:
            return None
        return f"主持人：{tenure.post or meeting.host_seat.post}", tenure.person.name
    if meeting.host_name:
        return f"主持人：{meeting.host_post}", meeting.host_name
    return None


def render_pdf(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """HTML → PDF/A-2u bytes, fonts embedded and subset, nothing fetched outside static/."""
    root = static_dir()
    document = weasyprint.HTML(
        string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher or StaticOnlyFetcher(root)
    ).render(font_config=font_configuration())
    return document.write_pdf(pdf_variant=PDF_VARIANT)


def render_minutes_pdf(minutes: Minutes, *, number_label: str, issued_on: datetime.date) -> bytes:
    """The 纪要 as PDF bytes (GB/T 9704-2012 纪要格式, PDF/A-2u)."""
    context = minutes_context(minutes, number_label=number_label, issued_on=issued_on)
    return render_pdf(render_to_string(TEMPLATE, context))


def render_preview_pdf(minutes: Minutes, *, on: datetime.date | None = None) -> bytes:
    """审签稿: exactly what issue_minutes() would render today, but for the number (〔2026〕第□期)
    and the mark 审签稿 in the top margin. Same template, same context, same renderer."""
    on = on or timezone.localdate()
    context = minutes_context(
        minutes, number_label=DRAFT_NUMBER.format(year=on.year), issued_on=on, draft=True
    )
    return render_pdf(render_to_string(TEMPLATE, context))
