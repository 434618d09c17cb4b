"""The minutes PDF's words, its isolation from everything outside static/, and its fonts folder."""

import datetime
import io
import logging
import re

import pdfplumber
import pytest
from django.utils import timezone
from fontTools import subset
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from meetings import pdf as minutes_pdf
from meetings.models import Attendance, Decision, Meeting, Minutes
from meetings.pdf import (
    MARK,
    StaticOnlyFetcher,
    body_paragraph,
    cn_date,
    cn_ordinal,
    render_minutes_pdf,
    render_pdf,
    static_dir,
)
from members.models import Seat, Unit

D = datetime.date
MM = 72 / 25.4
NUMBER = "〔2026〕第3期"
ISSUED = D(2026, 6, 5)
DECISIONS = [
    "由旗民政局牵头，对全旗低保边缘家庭开展一次全面排查，做到应保尽保、应救尽救。",
    "旗财政局按时足额拨付临时救助资金，确保急难救助资金及时到位。",
]
PRESENT = ["李贵", "王志鹏", "梁之维"]


def make_minutes(user, *, summary: str | None = None, decisions=DECISIONS) -> Minutes:
    unit = Unit.objects.get
    meeting = Meeting.objects.create(
        kind=Meeting.Kind.PLENARY,
        title="伊金霍洛旗社会救助联席会议2026年第一次全体会议",
        starts_at=timezone.make_aware(datetime.datetime(2026, 5, 28, 9, 30)),
        place="旗政务服务中心三楼会议室",
        convener_seat=Seat.objects.get(role=Seat.Role.LEADER),
        created_by=user,
    )
    for order, name in enumerate(PRESENT):
        Attendance.objects.create(meeting=meeting, name=name, post="成员", order=order)
    Attendance.objects.create(
        meeting=meeting,
        name="韩浩亮",
        post="旗财政局局长",
        status=Attendance.Status.DELEGATE,
        delegate_name="张三",
        delegate_post="旗财政局副局长",
        order=10,
    )
    Attendance.objects.create(
        meeting=meeting, name="贺平", post="成员", status=Attendance.Status.LEAVE, order=11
    )
    Attendance.objects.create(
        meeting=meeting, name="赵六", post="科长", status=Attendance.Status.OBSERVER, order=12
    )
    minutes = Minutes.objects.create(
        meeting=meeting,
        summary=(
            "2026年5月28日，旗社会救助联席会议召开2026年第一次全体会议。\n\n"
            "会议听取了旗民政局关于2025年社会救助工作的汇报，研究部署了2026年重点工作。"
            if summary is None
            else summary
        ),
        drafted_by=user,
    )
    for order, text in enumerate(decisions, start=1):
        decision = Decision.objects.create(
            minutes=minutes,
            order=order,
            text=text,
            lead_unit=unit(name="旗民政局" if order == 1 else "旗财政局"),
            deadline=D(2026, 6, 30),
        )
        decision.responsible_units.set([unit(name="旗教体局"), unit(name="阿勒腾席热镇")])
    return minutes


def render(minutes: Minutes) -> bytes:
    return render_minutes_pdf(minutes, number_label=NUMBER, issued_on=ISSUED)


def pages_of(pdf: bytes):
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [
            {
                "text": page.extract_text(),
                "chars": [
                    (c["text"], c["fontname"].split("+")[-1], c["size"], c["top"] / MM)
                    for c in page.chars
                ],
            }
            for page in doc.pages
        ]


def flat(text: str) -> str:
    """The text without line breaks and spaces, so wrapped lines still match."""
    return re.sub(r"\s+", "", text)


def text_of(pdf: bytes) -> str:
    return flat("".join(page["text"] for page in pages_of(pdf)))


@pytest.fixture
def minutes(office):
    return make_minutes(office)


@pytest.fixture
def fetches(monkeypatch):
    """Every URL the renderer asks its fetcher for, allowed or refused."""
    asked = []
    fetch = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    return asked


# --- Words and formats --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 6, 5), "2026年6月5日"),
        (D(2026, 12, 25), "2026年12月25日"),
        (D(2027, 1, 1), "2027年1月1日"),
    ],
)
def test_cn_date_has_arabic_numerals_and_no_leading_zeros(day, expected):
    assert cn_date(day) == expected


@pytest.mark.parametrize(
    "n, expected", [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (30, "三十")]
)
def test_decisions_are_numbered_in_chinese(n, expected):
    assert cn_ordinal(n) == expected


@pytest.mark.parametrize(
    "text, number, face, head, rest",
    [
        ("由旗民政局牵头。限期完成。", "一、", "hei", "一、由旗民政局牵头。", "限期完成。"),
        ("由旗民政局牵头，限期完成。", "一、", "hei", "一、由旗民政局牵头，限期完成。", ""),
        ("（二）加强信息共享。按季度推送。", "", "kai", "（二）加强信息共享。", "按季度推送。"),
        ("（二）加强信息共享", "", "kai", "（二）加强信息共享", ""),
        ("1.对因病致困家庭先行救助。", "", "", "", "1.对因病致困家庭先行救助。"),
        ("会议听取了汇报。", "", "", "", "会议听取了汇报。"),
    ],
)
def test_a_numbered_paragraph_sets_its_heading_sentence_in_the_levels_face(
    text, number, face, head, rest
):
    paragraph = body_paragraph(text, number=number)
    assert (paragraph["face"], paragraph["head"], paragraph["text"]) == (face, head, rest)


@pytest.mark.django_db
def test_it_shows_the_mark_number_facts_decisions_units_and_attendance(minutes):
    text = text_of(render(minutes))
    assert MARK in text
    assert NUMBER in text
    assert "伊金霍洛旗社会救助联席会议办公室2026年6月5日" in text
    assert "2026年6月5日印发" in text
    for decision in DECISIONS:
        assert flat(decision) in text
    assert "一、由旗民政局牵头" in text and "二、旗财政局按时足额" in text
    assert "牵头单位：旗民政局；责任单位：旗教体局、阿勒腾席热镇；完成时限：2026年6月30日。" in text
    assert "时间：2026年5月28日9时30分" in text
    assert "地点：旗政务服务中心三楼会议室" in text
    assert "召集人：组长李贵" in text
    assert "会议类型：全体会议" in text
    assert "出席：李贵、王志鹏、梁之维、韩浩亮（委托旗财政局副局长张三代）" in text
    assert "请假：贺平" in text and "列席：赵六" in text


@pytest.mark.django_db
def test_attendance_comes_after_the_decisions_and_the_banji_closes_the_last_page(minutes):
    pages = pages_of(render(minutes))
    text = flat("".join(page["text"] for page in pages))
    order = ["二、旗财政局", "出席：", "请假：", "列席：", "分送：各成员单位。"]
    assert [text.index(s) for s in order] == sorted(text.index(s) for s in order)
    last = flat(pages[-1]["text"])
    assert "分送：各成员单位。" in last
    assert "抄送：旗人民政府办公室。" in last
    assert "伊金霍洛旗社会救助联席会议办公室2026年6月5日印发" in last


@pytest.mark.django_db
def test_minutes_without_attendance_still_end_with_the_banji(office):
    minutes = make_minutes(office)
    minutes.meeting.attendances.all().delete()
    pages = pages_of(render(minutes))
    last = flat(pages[-1]["text"])
    assert "出席" not in text_of(render(minutes))
    assert "二、旗财政局" in flat("".join(p["text"] for p in pages))
    assert last.index("完成时限") < last.index("分送：各成员单位。")


@pytest.mark.django_db
@pytest.mark.parametrize("extra", range(4, 10))
def test_the_lead_in_line_is_never_left_at_the_bottom_of_a_page(office, extra):
    # Summaries of growing length walk "会议议定以下事项：" down page 1 and past its bottom.
    summary = "会议听取了旗民政局关于2025年社会救助工作的汇报。" + "会议研究了相关工作。" * extra
    pages = pages_of(render(make_minutes(office, summary=summary)))
    for page in pages:
        lines = [line for line in page["text"].splitlines() if not line.startswith("—")]
        body = [
            line
            for line in lines
            if not line.startswith(("分送", "抄送", "伊金霍洛旗社会救助联席会议办公室"))
        ]
        if "会议议定以下事项：" in body:
            assert body[-1] != "会议议定以下事项：", [p["text"] for p in pages]


# --- Nothing outside static/ -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_renderer_fetches_nothing_for_real_minutes(minutes, fetches):
    render(minutes)
    assert fetches == []


@pytest.mark.django_db
def test_markup_in_the_text_is_printed_literally_and_fetches_nothing(
    office, tmp_path, caplog, fetches
):
    secret = tmp_path / "secret.txt"
    secret.write_text("LEAKEDMARKER")
    sheet = tmp_path / "leak.css"
    sheet.write_text('body::after { content: "LEAKEDMARKER"; }')
    summary = (
        '<img src="file:///etc/passwd">\n'
        f'<a rel="attachment" href="{secret.as_uri()}">附件</a>'
        f'<link rel="attachment" href="file:///etc/passwd">\n'
        f'<link rel="stylesheet" href="{sheet.as_uri()}"><a href="http://example.com/">链接</a>'
    )
    minutes = make_minutes(office, summary=summary, decisions=[f"<b>{sheet.as_uri()}</b>"])
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render(minutes)

    assert fetches == []  # the markup never became markup
    assert not caplog.records
    reader = PdfReader(io.BytesIO(pdf))
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        assert not [x for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image"]
        assert "/Annots" not in page  # no live link or attachment was made out of the text
    text = text_of(pdf)
    assert flat(f'<a rel="attachment" href="{secret.as_uri()}">附件</a>') in text
    assert flat(f"<b>{sheet.as_uri()}</b>") in text
    assert "LEAKEDMARKER" not in text and "root:" not in text


def test_hostile_markup_that_reaches_the_renderer_is_refused_every_fetch(tmp_path):
    # Even if a template mistake let markup through, no file outside static/ is read and
    # nothing goes on the network: the fetcher refuses every URL it is asked for.
    secret = tmp_path / "secret.txt"
    secret.write_text("LEAKEDMARKER")
    urls = [
        secret.as_uri(),
        "file:///etc/passwd",
        "file:///etc/hostname",
        "http://example.com/x.css",
        "https://example.com/logo.png",
        "file:///usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ]
    html = f"""<html><head>
      <link rel="stylesheet" href="{urls[3]}">
      <link rel="attachment" href="{urls[2]}">
      <style>
        @font-face {{ font-family: leak; src: url("{urls[5]}"); }}
        body {{ font-family: leak, "Noto Serif CJK SC"; }}
      </style></head>
      <body><p>附件</p>
        <a rel="attachment" href="{urls[0]}">附件一</a>
        <a rel="attachment" href="{urls[1]}">附件二</a>
        <img src="{urls[4]}">
        <img src="favicon.svg">
      </body></html>"""
    fetcher = StaticOnlyFetcher()
    pdf = render_pdf(html, fetcher=fetcher)

    assert set(fetcher.refused) == set(urls)
    # Control: a file inside static/ is fetched, so the fetcher was really the one asked.
    assert fetcher.fetched == [(static_dir() / "favicon.svg").as_uri()]
    reader = PdfReader(io.BytesIO(pdf))
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert b"LEAKEDMARKER" not in pdf and b"root:" not in pdf
    for page in reader.pages:
        for annot in page.get("/Annots", []):
            assert annot.get_object()["/Subtype"] != "/FileAttachment"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/logo.png",
        "https://example.com/x.css",
        "data:text/css,body{}",
        "ftp://example.com/x",
        "file://otherhost/static/css/jiuzhu.css",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(ValueError):
        StaticOnlyFetcher().fetch(url)


def test_the_fetcher_refuses_files_outside_static_even_through_dot_dot(tmp_path):
    outside = tmp_path / "x.css"
    outside.write_text("body {}")
    fetcher = StaticOnlyFetcher()
    for url in [outside.as_uri(), static_dir().as_uri() + "/../pyproject.toml"]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_the_fetcher_serves_a_file_inside_static():
    css = static_dir() / "css" / "jiuzhu.css"
    response = StaticOnlyFetcher().fetch(css.as_uri())
    assert response.read() == css.read_bytes()


# --- Fonts -----------------------------------------------------------------------------------------


def licensed_font(folder, family: str, chinese: str, text: str):
    """A stand-in for an office's licensed face: a few glyphs of FandolFang under the names
    the real file carries (e.g. FangSong_GB2312 and 仿宋_GB2312)."""
    options = subset.Options()
    options.name_IDs, options.name_languages = ["*"], ["*"]
    font = TTFont(static_dir() / "fonts" / "FandolFang-Regular.otf")
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    names = font["name"]
    for record in names.names:
        if record.nameID in (1, 4, 6, 16):
            record.string = family
    for name_id in (1, 4):
        names.setName(chinese, name_id, 3, 1, 0x804)
    font.save(folder / f"{family}.otf")


def test_the_shipped_free_faces_are_loaded_from_static_fonts():
    files = {path.name for path in minutes_pdf.font_configuration().files}
    assert {"FandolFang-Regular.otf", "FandolKai-Regular.otf"} <= files


def test_an_office_adds_a_licensed_face_by_dropping_it_in_a_font_folder(tmp_path, settings):
    text = "伊金霍洛旗2026"
    licensed_font(tmp_path, "FangSong_GB2312", "仿宋_GB2312", text)
    stack = '"仿宋_GB2312", "FandolFang R", "Noto Serif CJK SC"'
    html = f"<html lang='zh-CN'><body style='font: 16pt {stack}'><p>{text}</p></body></html>"

    def faces(pdf):
        return {face for _, face, _, _ in pages_of(pdf)[0]["chars"]}

    assert faces(render_pdf(html)) == {"FandolFang"}
    settings.PDF_FONT_DIRS = [tmp_path]
    assert faces(render_pdf(html)) == {"FangSong_GB2312"}


@pytest.mark.django_db
def test_the_same_minutes_render_to_the_same_bytes(minutes):
    # Issuance stores the PDF's SHA-256; a re-render for checking must be able to match it.
    assert render(minutes) == render(minutes)
