"""The minutes PDF, measured the way a reader of the printed 纪要 would check it."""

import datetime
import io
import logging
import re

import pdfplumber
import pytest
from django.utils import timezone
from pypdf import PdfReader

from meetings.models import Attendance, Decision, Meeting, Minutes
from meetings.pdf import MARK, StaticOnlyFetcher, cn_date, render_minutes_pdf, static_dir
from members.models import Seat, Unit

D = datetime.date
A4 = (595.276, 841.890)
MM = 72 / 25.4
RED = (0.0, 0.8, 0.8, 0.0)  # DeviceCMYK Y80 M80, GB/T 9704 6.2
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
                "size": (page.width, page.height),
                "text": page.extract_text(),
                "chars": [(c["text"], c["fontname"]) for c in page.chars],
                "big": [(c["text"], c["non_stroking_color"]) for c in page.chars if c["size"] > 24],
                "rects": [(r["x0"], r["x1"], r["bottom"]) for r in page.rects],
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


@pytest.mark.django_db
def test_every_page_is_a4(minutes):
    pages = pages_of(render(minutes))
    assert pages
    for width, height in (page["size"] for page in pages):
        assert width == pytest.approx(A4[0], abs=1) and height == pytest.approx(A4[1], abs=1)


@pytest.mark.django_db
def test_it_shows_the_mark_number_decisions_units_and_attendance(minutes):
    text = text_of(render(minutes))
    assert MARK in text
    assert NUMBER in text
    assert "2026年6月5日印发" in text
    for decision in DECISIONS:
        assert flat(decision) in text
    assert "一、由旗民政局牵头" in text and "二、旗财政局按时足额" in text
    assert "牵头单位：旗民政局" in text and "牵头单位：旗财政局" in text
    assert "责任单位：旗教体局、阿勒腾席热镇" in text
    assert "完成时限：2026年6月30日" in text
    assert "召集人：组长李贵" in text
    assert "会议类型：全体会议" in text
    assert "出席：李贵、王志鹏、梁之维、韩浩亮（委托" in text
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
def test_the_mark_is_red_and_the_banji_ends_on_the_bottom_of_the_type_area(minutes):
    pages = pages_of(render(minutes))
    mark = pages[0]["big"]  # nothing else is set larger than the 22 pt title
    assert "".join(text for text, _ in mark) == MARK
    assert all(color == pytest.approx(RED) for _, color in mark)
    # R19: the last thick line of the 版记 lies on the 版心 bottom edge (262 mm), 版心 wide.
    x0, x1, bottom = max(pages[-1]["rects"], key=lambda r: r[2])
    assert (x0 / MM, x1 / MM, bottom / MM) == pytest.approx((28, 184, 262), abs=0.5)


@pytest.mark.django_db
def test_every_character_is_set_in_an_embedded_noto_cjk_subset(minutes):
    pdf = render(minutes)
    chars = [c for page in pages_of(pdf) for c in page["chars"] if c[0].strip()]
    assert chars
    assert all("Noto" in fontname for _, fontname in chars)
    assert all(re.match(r"^[A-Z]{6}\+", fontname) for _, fontname in chars)  # subset
    fonts = {fontname.split("+")[-1] for _, fontname in chars}
    assert {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold", "Noto-Sans-CJK-SC"} <= fonts

    embedded = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                embedded.append("/FontFile2" in descriptor or "/FontFile3" in descriptor)
    assert embedded and all(embedded)


@pytest.mark.django_db
def test_markup_in_the_text_is_printed_literally_and_fetches_nothing(office, tmp_path, caplog):
    image = tmp_path / "secret.png"
    image.write_bytes(
        bytes.fromhex(  # a 1×1 PNG
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360f8cf000000030101001a8d1cf80000000049454e44ae426082"
        )
    )
    sheet = tmp_path / "leak.css"
    sheet.write_text('body::after { content: "LEAKEDMARKER"; }')
    summary = (
        '<img src="file:///etc/passwd">\n'
        f'<img src="{image.as_uri()}"><link rel="stylesheet" href="{sheet.as_uri()}">\n'
        f'<a href="{image.as_uri()}">附件</a>'
    )
    minutes = make_minutes(office, summary=summary, decisions=[f"<b>{sheet.as_uri()}</b>"])
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render(minutes)

    assert not caplog.records  # not even a refused fetch: the markup never became markup
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page["/Resources"].get("/XObject", {})
        assert not [x for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image"]
        assert "/Annots" not in page  # no live link was made out of the text
    text = text_of(pdf)
    assert flat('<img src="file:///etc/passwd">') in text
    assert flat(f'<link rel="stylesheet" href="{sheet.as_uri()}">') in text
    assert flat(f"<b>{sheet.as_uri()}</b>") in text
    assert "LEAKEDMARKER" not in text and "root:" not in text


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


@pytest.mark.django_db
def test_the_same_minutes_render_to_the_same_text(minutes):
    assert pages_of(render(minutes)) == pages_of(render(minutes))


@pytest.mark.django_db
def test_the_same_minutes_render_to_the_same_bytes(minutes):
    # Issuance stores the PDF's SHA-256; a re-render for checking must be able to match it.
    assert render(minutes) == render(minutes)
