"""The minutes PDF measured against GB/T 9704-2012 (纪要格式), the way a reader with a ruler would.

Rules R1–R23, tolerances and the measuring method: ../shared/reference/gbt9704-minutes.md.
Two documents are rendered once for the module: a two-page 纪要 with every kind of heading and
attendance, and a long one (30 decisions, all 30 seats attending) that must keep every rule
on every page. All positions are in mm from the page's top-left corner.
"""

import datetime
import io
import re
from dataclasses import dataclass, field
from itertools import pairwise

import pdfplumber
import pypdfium2
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from PIL import ImageChops
from pypdf import PdfReader

from meetings.models import Attendance, Decision, Meeting, Minutes
from meetings.pdf import COPY_LINE, DISTRIBUTE_LINE, MARK, OFFICE, render_minutes_pdf
from members.models import Seat, Tenure, Unit

MM = 72 / 25.4  # pt per mm
PT = 1 / MM  # mm per pt
A4 = (210.0, 297.0)
LEFT, RIGHT, TOP, BOTTOM = 28.0, 184.0, 37.0, 262.0  # R2: the 版心
PITCH = 225 / 22  # R5: 10.227 mm = 28.99 pt
ZI = 156 / 28  # R5: one 字 of the grid, 5.571 mm = 15.79 pt
ZI_4 = 14 * PT  # one 4号 character, 4.94 mm: 版记 and page numbers (R20–R22)
FANGSONG = {"FandolFang"}  # stand-ins the template names after the standard's faces
HEITI = {"Noto-Sans-CJK-SC"}
KAITI = {"FandolKai"}
XIAOBIAOSONG = {"Noto-Serif-CJK-SC-Bold"}
SONGTI = {"Noto-Serif-CJK-SC"}
CJK_FACES = FANGSONG | HEITI | KAITI | XIAOBIAOSONG | SONGTI
BEYOND_GB2312 = "堃"  # set in the stack's last face, Noto Serif CJK SC, not as a box
NUMBER = "〔2026〕第3期"
ISSUED = datetime.date(2026, 6, 5)
MEETING_DAY = datetime.date(2026, 5, 28)
DATE = r"\d{4}年[1-9]\d?月[1-9]\d?日"  # R18
DECISIONS = [
    "由旗民政局牵头，对全旗低保边缘家庭开展一次全面排查，做到应保尽保、应救尽救。"
    "排查结果于2026年7月10日前报旗社会救助联席会议办公室，由办公室汇总后提请下次全体会议审议。\n"
    "（一）健全主动发现机制。依托村（社区）网格员和社会救助协理员，每月至少走访一次困难群众，"
    "对发现的急难情形当日报告。\n"
    "1.对因病、因灾、因残导致基本生活出现严重困难的家庭，急难型临时救助可先行救助。",
    "旗财政局按时足额拨付临时救助资金，确保急难救助资金及时到位。",
]


@dataclass
class Line:
    page: int
    base: float
    chars: list = field(default_factory=list)

    @property
    def text(self):
        return "".join(c["text"] for c in self.chars)

    @property
    def x0(self):
        return self.chars[0]["x0"]

    @property
    def x1(self):
        return self.chars[-1]["x1"]


@dataclass
class Page:
    number: int
    width: float
    height: float
    chars: list
    rects: list
    text: str

    def lines(self, chars):
        by_base = {}
        for c in chars:
            by_base.setdefault(round(c["base"], 1), []).append(c)
        return [
            Line(self.number, base, sorted(cs, key=lambda c: c["x0"]))
            for base, cs in sorted(by_base.items())
        ]

    @property
    def red_rule(self):
        return next((r for r in self.rects if is_red(r["color"])), None)

    @property
    def body_chars(self):
        """3号 text inside the 版心, below the head on the first page."""
        below = self.red_rule["bottom"] if self.red_rule else 0
        return [
            c
            for c in self.chars
            if abs(c["size"] - 16) < 0.1 and below < c["top"] and c["bottom"] <= BOTTOM + 0.3
        ]

    @property
    def body_lines(self):
        return self.lines(self.body_chars)

    @property
    def number_chars(self):
        return [c for c in self.chars if c["top"] > BOTTOM]

    @property
    def banji_lines(self):
        return self.lines(
            [c for c in self.chars if abs(c["size"] - 14) < 0.1 and c["top"] < BOTTOM]
        )


@dataclass
class Document:
    pdf: bytes
    pages: list

    @property
    def body_lines(self):
        return [line for page in self.pages for line in page.body_lines]


def is_red(color) -> bool:
    return len(color or ()) == 3 and color[0] >= 0.9 and color[1] <= 0.2 and color[2] <= 0.2


def face(c) -> str:
    return c["fontname"].split("+")[-1]


def measure(pdf: bytes) -> Document:
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for n, page in enumerate(doc.pages, start=1):
            chars = [
                {
                    "text": c["text"],
                    "fontname": c["fontname"],
                    "size": c["size"],
                    "x0": c["x0"] * PT,
                    "x1": c["x1"] * PT,
                    "top": c["top"] * PT,
                    "bottom": c["bottom"] * PT,
                    "base": (page.height - c["matrix"][5]) * PT,
                    "color": tuple(c["non_stroking_color"] or ()),
                }
                for c in page.chars
                if c["text"].strip()
            ]
            rects = [
                {
                    "x0": r["x0"] * PT,
                    "x1": r["x1"] * PT,
                    "top": r["top"] * PT,
                    "bottom": r["bottom"] * PT,
                    "height": r["height"] * PT,
                    "color": tuple(r["non_stroking_color"] or ()),
                }
                for r in page.rects
            ]
            pages.append(
                Page(n, page.width * PT, page.height * PT, chars, rects, page.extract_text())
            )
    return Document(pdf, pages)


def ink(pdf: bytes, page: int, box, *, red: bool = False):
    """The bounding box (mm) of red or dark ink inside `box` (x0, y0, x1, y1 in mm), at 600 dpi."""
    scale = 600 / 72
    doc = pypdfium2.PdfDocument(pdf)
    try:
        width, height = doc[page - 1].get_size()
        x0, y0, x1, y1 = box
        crop = (x0 * MM, height - y1 * MM, width - x1 * MM, y0 * MM)
        image = doc[page - 1].render(scale=scale, crop=crop).to_pil().convert("RGB")
    finally:
        doc.close()
    r, g, b = image.split()
    if red:
        masks = [r.point(lambda v: 255 * (v > 150)), g.point(lambda v: 255 * (v < 100))]
        masks.append(b.point(lambda v: 255 * (v < 100)))
    else:
        masks = [channel.point(lambda v: 255 * (v < 100)) for channel in (r, g, b)]
    mask = ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])
    found = mask.getbbox()
    if found is None:
        return None
    px = 1 / scale * PT
    return (x0 + found[0] * px, y0 + found[1] * px, x0 + found[2] * px, y0 + found[3] * px)


# --- The two documents ---------------------------------------------------------------------


def make_minutes(user, decisions, attendances) -> Minutes:
    meeting = Meeting.objects.create(
        kind=Meeting.Kind.PLENARY,
        title="伊金霍洛旗社会救助联席会议2026年第一次全体会议",
        starts_at=timezone.make_aware(datetime.datetime(2026, 5, 28, 9, 30)),
        place="旗政务服务中心三楼会议室",
        convener_seat=Seat.objects.get(role=Seat.Role.LEADER),
        created_by=user,
    )
    for order, attendance in enumerate(attendances):
        Attendance.objects.create(meeting=meeting, order=order, **attendance)
    minutes = Minutes.objects.create(
        meeting=meeting,
        summary=(
            "2026年5月28日，旗社会救助联席会议召开2026年第一次全体会议。\n"
            "会议听取了旗民政局关于2025年社会救助工作的汇报，研究部署了2026年重点工作，"
            "对低保边缘家庭认定、急难型临时救助“先行救助”机制和救助资金监管进行了研究。"
        ),
        drafted_by=user,
    )
    units = list(Unit.objects.order_by("order"))
    for order, text in enumerate(decisions, start=1):
        decision = Decision.objects.create(
            minutes=minutes,
            order=order,
            text=text,
            lead_unit=units[order % len(units)],
            deadline=datetime.date(2026, 6, 30),
        )
        decision.responsible_units.set(units[order % len(units) + 1 :][:2])
    return minutes


def standard_minutes(user) -> Minutes:
    people = [
        {"name": "李贵", "post": "副旗长"},
        {"name": "王志鹏", "post": "旗政府办副主任"},
        {"name": "梁之维", "post": "旗民政局局长"},
        {"name": "王堃", "post": "旗人社局局长"},  # 堃 is not in GB 2312: FandolFang lacks it
        {
            "name": "韩浩亮",
            "post": "旗财政局局长",
            "status": Attendance.Status.DELEGATE,
            "delegate_name": "张三",
            "delegate_post": "旗财政局副局长",
        },
        {"name": "贺平", "post": "旗教体局局长", "status": Attendance.Status.LEAVE},
        {"name": "赵六", "post": "旗民政局科长", "status": Attendance.Status.OBSERVER},
    ]
    return make_minutes(user, DECISIONS, people)


def long_minutes(user) -> Minutes:
    holders = Tenure.objects.on(MEETING_DAY).select_related("person").order_by("seat__order")
    people = [{"seat": t.seat, "name": t.person.name, "post": t.post} for t in holders]
    assert len(people) == 30
    decisions = [DECISIONS[n % 2] for n in range(30)]
    return make_minutes(user, decisions, people)


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker):
    """Both documents, rendered once, from data in a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("loaddata", "charter", verbosity=0)
            user = get_user_model().objects.create(username="pdf-measurer")
            docs = {
                name: measure(
                    render_minutes_pdf(build(user), number_label=NUMBER, issued_on=ISSUED)
                )
                for name, build in (("standard", standard_minutes), ("long", long_minutes))
            }
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
    return docs


@pytest.fixture(params=["standard", "long"])
def doc(request, documents) -> Document:
    return documents[request.param]


@pytest.fixture
def long_doc(documents) -> Document:
    return documents["long"]


@pytest.fixture
def standard(documents) -> Document:
    return documents["standard"]


def follows(line: Line, nxt: Line | None) -> bool:
    """Whether `nxt` continues `line`'s paragraph: it starts flush left or at the hanging
    indent of 出席/请假/列席, not at a new paragraph's two-字 indent."""
    return nxt is not None and abs(nxt.x0 - (LEFT + 2 * ZI)) > 0.5


# --- R1, R2: paper and type area -----------------------------------------------------------


def test_every_page_is_a4(doc):
    assert len(doc.pages) >= 2
    for page in doc.pages:
        assert (page.width, page.height) == pytest.approx(A4, abs=0.5 * PT)


def test_all_text_but_the_page_number_lies_inside_the_type_area(doc):
    for page in doc.pages:
        inside = [c for c in page.chars if c not in page.number_chars]
        assert inside, page.number
        assert min(c["x0"] for c in inside) >= LEFT - 0.3
        assert max(c["x1"] for c in inside) <= RIGHT + 0.3  # glyph overhang, reference §3.1
        assert min(c["top"] for c in inside) >= TOP - 1
        assert max(c["bottom"] for c in inside) <= BOTTOM
        assert page.number_chars and min(c["top"] for c in page.number_chars) > BOTTOM


def test_wrapped_lines_start_on_the_left_edge_and_lines_end_on_the_right_edge(doc):
    lines = doc.body_lines
    continued = [(a, b) for a, b in pairwise(lines) if follows(a, b)]
    assert len(continued) >= 5
    for line, nxt in continued:
        if abs(nxt.x0 - (LEFT + 5 * ZI)) > 0.5:  # not a hanging 出席 line
            assert nxt.x0 == pytest.approx(LEFT, abs=0.3), nxt.text
        # Justified: every line but a paragraph's last reaches the right edge of the 版心.
        assert line.x1 == pytest.approx(RIGHT, abs=0.3), line.text


# --- R4, R7: 3号 仿宋, black ------------------------------------------------------------------


def test_body_text_is_16pt_black_fangsong_apart_from_headings_and_labels(doc):
    chars = [c for page in doc.pages for c in page.body_chars]
    assert all(c["size"] == pytest.approx(16, abs=0.05) for c in chars)
    assert all(c["color"] in {(0,), (0, 0, 0), (0, 0, 0, 1)} for c in chars)
    faces = {face(c) for c in chars if c["text"] not in BEYOND_GB2312}
    assert faces <= FANGSONG | HEITI | KAITI, faces
    rare = [c for c in chars if c["text"] in BEYOND_GB2312]
    assert all(face(c) in SONGTI for c in rare)
    fangsong = [c for c in chars if face(c) in FANGSONG]
    assert len(fangsong) > 0.6 * len(chars)


# --- R5: 22 lines of 28 characters ------------------------------------------------------------


def test_baselines_keep_the_28_99pt_pitch_and_a_full_page_has_22_lines(doc):
    for page in doc.pages:
        bases = [line.base for line in page.body_lines]
        for a, b in pairwise(bases):
            steps = round((b - a) / PITCH)  # 2 where a blank line (空一行) comes before 出席
            assert steps in (1, 2) and (b - a) == pytest.approx(steps * PITCH, abs=0.3 * PT)
    assert all(full_or_kept_together(doc, page) for page in doc.pages[1:-2])
    if len(doc.pages) > 2 and slots(doc.pages[-2]) < 22:
        # The 版记 takes the last line of text with it (footnote-policy: line) when both do
        # not fit under the page's last line; only then may the page before it end short.
        # 请假 and 列席 travel with the list before them (break-before: avoid), so a short last
        # list never stands alone with the 版记: then those lines went over together.
        last = doc.pages[-1]
        moved = [line for line in last.body_lines if line.base < banji_rules(last)[0]["top"]]
        assert len(moved) == 1 or any(ATTENDANCE_LABEL.match(line.text) for line in moved)
        free = BOTTOM - doc.pages[-2].body_lines[-1].base
        assert free < len(moved) * PITCH + (BOTTOM - banji_rules(last)[0]["top"])


ATTENDANCE_LABEL = re.compile(r"^(出席：|请假：|列席：)")
KEPT_TOGETHER = re.compile(r"^([一二三四五六七八九十]+、|出席：|请假：|列席：)")


def full_or_kept_together(doc: Document, page: Page) -> bool:
    """A full page holds 22 lines. It ends one line short only where the next page starts with
    a decision's first paragraph or an attendance list whose first line would otherwise have
    stood alone at this page's bottom (a heading or label orphaned, which is worse)."""
    if slots(page) == 22:
        return True
    following = doc.pages[page.number].body_lines
    return slots(page) == 21 and bool(following) and bool(KEPT_TOGETHER.match(following[0].text))


def slots(page: Page) -> int:
    """Lines a page's text takes, blank lines included."""
    bases = [line.base for line in page.body_lines]
    return round((bases[-1] - bases[0]) / PITCH) + 1 if bases else 0


def test_long_minutes_fill_every_middle_page(long_doc):
    assert len(long_doc.pages) >= 10
    assert all(full_or_kept_together(long_doc, page) for page in long_doc.pages[1:-2])


def test_a_full_line_of_chinese_holds_28_characters_at_the_grid_pitch(doc):
    lines = doc.body_lines
    full = [
        line
        for line, nxt in pairwise(lines)
        if follows(line, nxt)
        and line.x0 == pytest.approx(LEFT, abs=0.3)
        and all(c["x1"] - c["x0"] > 5.5 for c in line.chars)  # full-width characters only
    ]
    assert len(full) >= 2
    for line in full:
        assert len(line.chars) == 28, line.text
        steps = [b["x0"] - a["x0"] for a, b in pairwise(line.chars)]
        assert all(step == pytest.approx(ZI, abs=0.1 * PT) for step in steps), line.text


# --- R10: indents and headings -----------------------------------------------------------------


def test_paragraphs_start_two_characters_in(doc):
    lines = doc.body_lines
    starts = [b for a, b in pairwise(lines) if not follows(a, b)]
    assert len(starts) >= 5
    for line in starts:
        assert line.x0 == pytest.approx(LEFT + 2 * ZI, abs=0.5), line.text


def test_headings_are_heiti_kaiti_and_fangsong_by_level(doc):
    lines = doc.body_lines
    level1 = [line for line in lines if re.match(r"^[一二三四五六七八九十]+、", line.text)]
    level2 = [line for line in lines if line.text.startswith("（一）")]
    level3 = [line for line in lines if line.text.startswith("1.")]
    assert level1 and level2 and level3
    for line in level1:
        head = line.text.split("。")[0]
        assert {face(c) for c in line.chars[: len(head)]} <= HEITI, line.text
    for line in level2:
        assert {face(c) for c in line.chars[: len("（一）健全主动发现机制。")]} <= KAITI
        assert {face(c) for c in line.chars[len("（一）健全主动发现机制。") :]} <= FANGSONG
    for line in level3:
        assert {face(c) for c in line.chars} <= FANGSONG
    assert all(
        c["size"] == pytest.approx(16, abs=0.05)
        for line in level1 + level2 + level3
        for c in line.chars
    )


# --- R8, R12, R15–R18: the head ------------------------------------------------------------------


def test_the_mark_is_red_xiaobiaosong_centred_with_its_top_35mm_below_the_type_area(standard):
    first = standard.pages[0]
    mark = [c for c in first.chars if c["size"] > 24]
    assert "".join(c["text"] for c in mark) == MARK
    assert all(is_red(c["color"]) for c in mark)  # RGB: see the template on PDF/A and CMYK
    assert {face(c) for c in mark} <= XIAOBIAOSONG
    centre = (min(c["x0"] for c in mark) + max(c["x1"] for c in mark)) / 2
    assert centre == pytest.approx((LEFT + RIGHT) / 2, abs=1)
    x0, top, x1, _ = ink(standard.pdf, 1, (LEFT, TOP, RIGHT, 90), red=True)
    assert top == pytest.approx(TOP + 35, abs=0.5)  # R12, std ±1 mm
    assert (x0 + x1) / 2 == pytest.approx((LEFT + RIGHT) / 2, abs=1)


def test_the_issue_number_has_six_cornered_brackets_and_no_leading_zero(standard):
    lines = standard.pages[0].lines(
        [c for c in standard.pages[0].chars if c["size"] == pytest.approx(16, abs=0.05)]
    )
    number = next(line for line in lines if "〔" in line.text)
    assert number.text == NUMBER
    assert re.fullmatch(r"〔\d{4}〕第[1-9]\d*期", number.text)
    assert (number.x0 + number.x1) / 2 == pytest.approx((LEFT + RIGHT) / 2, abs=1)


def test_the_office_is_on_the_left_and_the_date_on_the_right_above_a_red_rule(standard):
    first = standard.pages[0]
    rule = first.red_rule
    row = first.lines(
        [c for c in first.chars if c["bottom"] < rule["top"] and abs(c["size"] - 16) < 0.05]
    )[-1]
    assert row.text == OFFICE + "2026年6月5日"
    assert re.search(DATE + "$", row.text)
    assert row.x0 == pytest.approx(LEFT, abs=0.3)
    assert row.x1 == pytest.approx(RIGHT, abs=0.3)
    # R17: as wide as the 版心, red, 4 mm below the row above it.
    assert (rule["x0"], rule["x1"]) == pytest.approx((LEFT, RIGHT), abs=0.5)
    assert is_red(rule["color"])
    assert rule["top"] - max(c["bottom"] for c in row.chars) == pytest.approx(4, abs=0.5)


def test_the_title_is_22pt_xiaobiaosong_centred_under_the_rule(standard):
    first = standard.pages[0]
    title = [c for c in first.chars if c["size"] == pytest.approx(22, abs=0.05)]
    assert "".join(c["text"] for c in title) == "伊金霍洛旗社会救助联席会议2026年第一次全体会议"
    assert {face(c) for c in title} <= XIAOBIAOSONG
    assert min(c["top"] for c in title) > first.red_rule["bottom"] + PITCH
    for line in first.lines(title):
        assert (line.x0 + line.x1) / 2 == pytest.approx((LEFT + RIGHT) / 2, abs=1)


# --- R13, R14: 出席, 请假, 列席 ----------------------------------------------------------------------


def attendance_lines(doc: Document) -> list[Line]:
    lines = doc.body_lines
    first = next(n for n, line in enumerate(lines) if line.text.startswith("出席："))
    return lines[first:]


def test_attendance_labels_are_heiti_and_names_hang_after_the_colon(doc):
    lines = attendance_lines(doc)
    labels = [line for line in lines if line.text[:3] in ("出席：", "请假：", "列席：")]
    assert labels[0].text.startswith("出席：")
    for line in labels:
        assert {face(c) for c in line.chars[:3]} <= HEITI, line.text
        assert line.chars[2]["text"] == "\uff1a"  # full-width colon
        names = [c for c in line.chars[3:] if c["text"] not in BEYOND_GB2312]
        assert {face(c) for c in names} <= FANGSONG, line.text
        assert line.x0 == pytest.approx(LEFT + 2 * ZI, abs=0.5)
    label, hanging = None, 0
    for line in lines:
        if line in labels:
            label = line
            continue
        hanging += 1
        assert line.x0 == pytest.approx(label.chars[3]["x0"], abs=0.5), line.text
        assert line.x0 == pytest.approx(LEFT + 5 * ZI, abs=0.5)
    assert hanging  # the 出席 list wraps in both documents


def test_attendance_follows_the_body_after_one_blank_line_in_order(doc):
    lines = doc.body_lines
    at = next(n for n, line in enumerate(lines) if line.text.startswith("出席："))
    before, first = lines[at - 1], lines[at]
    if before.page == first.page:
        assert first.base - before.base == pytest.approx(2 * PITCH, abs=1 * PT)
    order = [
        line.text[:2] for line in lines[at:] if line.text[:3] in ("出席：", "请假：", "列席：")
    ]
    assert order == sorted(order, key=["出席", "请假", "列席"].index)


def test_standard_attendance_lists_present_delegate_leave_and_observer(standard):
    text = "".join(line.text for line in attendance_lines(standard))
    assert text.startswith("出席：李贵、王志鹏、梁之维、王堃、韩浩亮（委托旗财政局副局长张三代）")
    assert "请假：贺平" in text and text.endswith("列席：赵六（旗民政局科长）")  # name and post
    # A name character beyond GB 2312 falls back along the stack to a CJK face, on the grid.
    kun = [c for line in attendance_lines(standard) for c in line.chars if c["text"] == "堃"]
    assert [face(c) for c in kun] == ["Noto-Serif-CJK-SC"]


def test_long_attendance_names_every_seat_holder_on_the_meeting_day(long_doc):
    text = "".join(line.text for line in attendance_lines(long_doc))
    assert text.startswith("出席：李贵、")
    assert text.count("、") == 29


# --- R19–R21: 版记 -------------------------------------------------------------------------------


def banji_rules(page: Page) -> list[dict]:
    return sorted(
        (r for r in page.rects if not is_red(r["color"]) and r["x1"] - r["x0"] > 150),
        key=lambda r: r["top"],
    )


def test_the_banji_rules_are_thick_thin_thick_and_the_last_sits_on_the_type_area_bottom(doc):
    last = doc.pages[-1]
    first, thin, final = banji_rules(last)
    for rule in (first, thin, final):
        assert (rule["x0"], rule["x1"]) == pytest.approx((LEFT, RIGHT), abs=0.5)
        assert rule["color"] in {(0,), (0, 0, 0), (0, 0, 0, 1)}
    assert first["height"] == pytest.approx(0.35, abs=0.05)
    assert thin["height"] == pytest.approx(0.25, abs=0.05)
    assert final["height"] == pytest.approx(0.35, abs=0.05)
    assert final["bottom"] == pytest.approx(BOTTOM, abs=0.1)  # R19: std ±0.5
    assert all(not banji_rules(page) for page in doc.pages[:-1])  # only on the last page


def test_distribution_and_copy_lines_are_4hao_one_character_in_ending_with_a_full_stop(doc):
    last = doc.pages[-1]
    first, thin, _ = banji_rules(last)
    rows = {line.text: line for line in last.banji_lines}
    for text in (DISTRIBUTE_LINE, COPY_LINE):
        line = rows[text]
        assert line.text.endswith("。")
        assert {face(c) for c in line.chars} <= FANGSONG
        assert all(c["size"] == pytest.approx(14, abs=0.05) for c in line.chars)
        assert line.x0 == pytest.approx(LEFT + ZI_4, abs=0.5)
        assert first["bottom"] < min(c["top"] for c in line.chars)
        assert max(c["bottom"] for c in line.chars) < thin["top"]
    assert rows[DISTRIBUTE_LINE].base < rows[COPY_LINE].base


def test_the_issuing_row_has_the_office_left_and_the_date_right(doc):
    last = doc.pages[-1]
    _, thin, final = banji_rules(last)
    row = next(line for line in last.banji_lines if line.text.endswith("印发"))
    assert row.text == OFFICE + "2026年6月5日印发"
    assert re.fullmatch(re.escape(OFFICE) + DATE + "印发", row.text)
    assert row.x0 == pytest.approx(LEFT + ZI_4, abs=0.5)
    assert row.x1 == pytest.approx(RIGHT - ZI_4, abs=0.5)
    assert {face(c) for c in row.chars} <= FANGSONG
    assert thin["bottom"] < min(c["top"] for c in row.chars)
    assert max(c["bottom"] for c in row.chars) < final["top"]


def test_the_banji_page_carries_text_above_the_banji(doc):
    # R22: only a 版记 page preceded by a blank page goes unnumbered; the 版记 here always
    # shares the last page with the end of the text, so no page is blank and it is numbered.
    last = doc.pages[-1]
    first_rule = banji_rules(last)[0]
    above = [line for line in last.body_lines if line.base < first_rule["top"]]
    assert above
    assert all(page.body_lines or page.number == 1 for page in doc.pages)


# --- R22: page numbers ---------------------------------------------------------------------------


def test_page_numbers_are_4hao_between_dashes_alternating_sides_7mm_below(doc):
    for page in doc.pages:
        chars = sorted(page.number_chars, key=lambda c: c["x0"])
        text = "".join(c["text"] for c in chars)
        assert text == f"—{page.number}—"
        assert all(c["size"] == pytest.approx(14, abs=0.05) for c in chars)
        assert {face(c) for c in chars} <= SONGTI
        digits = [c for c in chars if c["text"].isdigit()]
        assert all(c["text"].isascii() and c["x1"] - c["x0"] < 14 * PT * 0.75 for c in digits)
        if page.number % 2:
            assert chars[-1]["x1"] == pytest.approx(RIGHT - ZI_4, abs=0.5)
        else:
            assert chars[0]["x0"] == pytest.approx(LEFT + ZI_4, abs=0.5)
        dash = chars[0]
        box = ink(doc.pdf, page.number, (dash["x0"], BOTTOM + 1, dash["x1"], BOTTOM + 12))
        assert (box[1] + box[3]) / 2 == pytest.approx(BOTTOM + 7, abs=0.5)  # std ±1 mm


# --- Fonts, text, PDF/A and metadata ---------------------------------------------------------------


def test_every_character_is_in_an_embedded_subset_cjk_face(doc):
    chars = [c for page in doc.pages for c in page.chars]
    assert {face(c) for c in chars} <= CJK_FACES
    assert all(re.match(r"^[A-Z]{6}\+", c["fontname"]) for c in chars)
    for page in PdfReader(io.BytesIO(doc.pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "/ToUnicode" in font
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)


def test_text_extracts_as_unicode(doc):
    text = "".join(page.text for page in doc.pages)
    assert "(cid:" not in text
    assert MARK in text and "会议议定以下事项：" in text


def test_the_pdf_is_pdfa_2u_with_title_author_subject_and_issue_number(doc):
    reader = PdfReader(io.BytesIO(doc.pdf))
    meta = reader.metadata
    assert meta.title == MARK + NUMBER
    assert meta.author == OFFICE
    assert meta.subject == "伊金霍洛旗社会救助联席会议2026年第一次全体会议纪要"
    assert NUMBER in meta["/Keywords"]
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part="2"', xmp) and re.search(r'pdfaid:conformance="U"', xmp)
    assert NUMBER in xmp and OFFICE in xmp
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert [intent.get_object()["/S"] for intent in intents] == ["/GTS_PDFA1"]
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    for page in reader.pages:
        # PDF/A-2 with an sRGB output intent allows no DeviceCMYK (hence the RGB red).
        assert b"DeviceCMYK" not in page.get_contents().get_data()


def test_the_pdf_is_under_a_megabyte(doc):
    assert len(doc.pdf) < 1024 * 1024
