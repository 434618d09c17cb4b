"""The minutes PDF as a reader sees its lines: no person's name split across two lines, no
heading or label left alone at a page's bottom, page 1 carrying text, the 主持人 printed, and
列席/委托 with name and post. Lines are rebuilt from pdfplumber's characters by baseline."""

import datetime
import io
import itertools
import re

import pdfplumber
import pytest
from django.utils import timezone

from meetings.models import Attendance, Decision, Meeting, Minutes
from meetings.pdf import render_minutes_pdf
from members.models import Seat, Unit

pytestmark = pytest.mark.django_db
MM = 72 / 25.4
BOTTOM = 262.0  # the 版心's bottom edge, mm
PITCH = 225 / 22
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭"
GIVEN = "志建国明华强军平辉伟芳娜秀英敏静丽刚勇杰涛斌超波磊鹏飞霞燕玲桂兰红梅琴云莲真环雪荣爱妹香月莺媛艳瑞凡佳嘉琼勤珍贞莉"
MONGOLIAN = ["乌敦苏都", "巴图孟和", "其木格", "额尔敦", "苏日娜", "那仁", "哈斯朝鲁", "包金山"]


def names(count: int) -> list[str]:
    """Distinct names of 2, 3 and 4 characters (Han and Mongolian), none inside another."""
    out, seen = [], set()
    for n, (s, g1, g2) in enumerate(itertools.product(SURNAMES, GIVEN, GIVEN)):
        name = [s + g1, s + g1 + g2, s + g1 + g2 + GIVEN[(n * 7) % len(GIVEN)]][n % 3]
        if name not in seen and not any(name in o or o in name for o in seen):
            seen.add(name)
            out.append(name)
        if len(out) == count - len(MONGOLIAN):
            break
    return out + MONGOLIAN


def lines_of(pdf: bytes) -> list[list[str]]:
    """Every page's lines of text, in reading order (characters grouped by baseline)."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            by_base = {}
            for c in page.chars:
                if c["text"].strip():
                    base = round(page.height - c["matrix"][5], 1)
                    by_base.setdefault(base, []).append(c)
            pages.append(
                [
                    "".join(c["text"] for c in sorted(cs, key=lambda c: c["x0"]))
                    for _, cs in sorted(by_base.items())
                ]
            )
    return pages


def make_minutes(office, *, people, decisions=3, summary_lines=2, kind=Meeting.Kind.PLENARY):
    meeting = Meeting.objects.create(
        kind=kind,
        title="伊金霍洛旗社会救助联席会议排版测试会议",
        starts_at=timezone.make_aware(datetime.datetime(2026, 5, 28, 9, 30)),
        place="旗政务服务中心三楼会议室",
        convener_seat=Seat.objects.get(role=Seat.Role.LEADER)
        if kind == Meeting.Kind.PLENARY
        else None,
        host_seat=Seat.objects.get(role=Seat.Role.DEPUTY) if kind == Meeting.Kind.PLENARY else None,
        host_name="" if kind == Meeting.Kind.PLENARY else "贺平",
        host_post="" if kind == Meeting.Kind.PLENARY else "旗民政局副局长",
        created_by=office,
    )
    units = list(Unit.objects.order_by("order"))
    for order, person in enumerate(people):
        Attendance.objects.create(meeting=meeting, order=order, **person)
    minutes = Minutes.objects.create(
        meeting=meeting,
        summary="会议听取了旗民政局关于社会救助工作的汇报，研究部署了下一阶段重点工作。"
        * summary_lines,
        drafted_by=office,
    )
    for n in range(decisions):
        Decision.objects.create(
            minutes=minutes,
            order=n + 1,
            text="由牵头单位会同责任单位，对全旗低保边缘家庭开展排查，做到应保尽保、应救尽救。"
            * (1 + n % 3),
            lead_unit=units[(n + 1) % len(units)],
        )
    return minutes


def render(minutes) -> bytes:
    return render_minutes_pdf(
        minutes, number_label="〔2026〕第3期", issued_on=datetime.date(2026, 6, 5)
    )


def person_rows(all_names: list[str], units) -> list[dict]:
    """Present, on leave, delegating to a named stand-in, and observers with unit and post."""
    rows = []
    for n, name in enumerate(all_names):
        unit = units[n % len(units)]
        status = [
            Attendance.Status.PRESENT,
            Attendance.Status.PRESENT,
            Attendance.Status.LEAVE,
            Attendance.Status.DELEGATE,
            Attendance.Status.OBSERVER,
        ][n % 5]
        row = {"name": name, "post": "副局长", "unit": unit, "status": status}
        if status == Attendance.Status.DELEGATE:
            row["delegate_name"] = all_names[-1 - n] if n < len(all_names) // 2 else "白云峰"
            row["delegate_post"] = "科长"
        rows.append(row)
    return rows


def every_name(minutes) -> list[str]:
    found = []
    for a in minutes.meeting.attendances.all():
        found += [a.name] + ([a.delegate_name] if a.delegate_name else [])
    return found


def assert_no_name_split(pdf: bytes, all_names: list[str]):
    pages = lines_of(pdf)
    broken = "\n".join(line for page in pages for line in page)
    flat = broken.replace("\n", "")
    for name in set(all_names):
        # A name broken by a line end is missing from the text with line ends kept.
        assert broken.count(name) == flat.count(name) >= 1, name


@pytest.mark.parametrize("count", [12, 45, 90])
def test_no_name_is_ever_split_across_lines(office, count):
    units = list(Unit.objects.order_by("order"))
    minutes = make_minutes(office, people=person_rows(names(count), units))
    pdf = render(minutes)
    all_names = every_name(minutes)
    assert {len(n) for n in all_names} >= {2, 3, 4}
    assert_no_name_split(pdf, all_names + ["王志鹏"])  # the 主持人 too (副组长 on the day)


def test_names_that_would_break_at_every_position_stay_whole(office):
    # Lists of only 2-, only 3- and only 4-character names, with each first name's length
    # shifted, walk a name across every position of the line end.
    units = list(Unit.objects.order_by("order"))
    pool = names(120)
    for length in (2, 3, 4):
        same = [n for n in pool if len(n) == length][:28]
        for shift in range(3):
            people = [
                {"name": name, "post": "局长", "unit": units[1]}
                for name in (["奥远", "高君", "李"][shift:] + same)
            ]
            minutes = make_minutes(office, people=people, decisions=1)
            assert_no_name_split(render(minutes), same)
            minutes.delete()


def test_observers_and_delegates_print_name_unit_and_post(office):
    units = {u.name: u for u in Unit.objects.all()}
    people = [
        {"name": "韩浩亮", "post": "局长", "unit": units["旗财政局"]},
        {
            "name": "梁之维",
            "post": "局长",
            "unit": units["旗民政局"],
            "status": Attendance.Status.DELEGATE,
            "delegate_name": "白云峰",
            "delegate_post": "副局长",
        },
        {
            "name": "赵六",
            "post": "科长",
            "unit": units["旗民政局"],
            "status": Attendance.Status.OBSERVER,
        },
        {"name": "刘志强", "post": "旗审计局副局长", "status": Attendance.Status.OBSERVER},
    ]
    pdf = render(make_minutes(office, people=people))
    text = "".join(line for page in lines_of(pdf) for line in page)
    assert "梁之维（委托旗民政局副局长白云峰代）" in text
    assert "列席：赵六（旗民政局科长）、刘志强（旗审计局副局长）" in text


def test_the_host_is_printed_the_deputy_on_the_day_or_whom_the_office_named(office):
    text = "".join(
        line for page in lines_of(render(make_minutes(office, people=[]))) for line in page
    )
    assert "主持人：" in text and "王志鹏" in text.split("主持人：")[1][:20]
    special = make_minutes(office, people=[], kind=Meeting.Kind.SPECIAL)
    text = "".join(line for page in lines_of(render(special)) for line in page)
    assert "主持人：旗民政局副局长贺平" in text
    assert "召集人" not in text


LEAD = re.compile(r"^[一二三四五六七八九十]+、")
LABEL = re.compile(r"^(出席|请假|列席)：")


@pytest.mark.parametrize("summary_lines", range(1, 9))
def test_no_heading_or_label_is_left_alone_at_a_page_bottom(office, summary_lines):
    # Summaries of growing length walk every decision and the attendance down the pages.
    units = list(Unit.objects.order_by("order"))
    minutes = make_minutes(
        office, people=person_rows(names(20), units), decisions=5, summary_lines=summary_lines
    )
    pages = lines_of(render(minutes))
    for page, nxt in itertools.pairwise(pages):
        body = [line for line in page if not line.startswith("—")]
        following = [line for line in nxt if not line.startswith("—")]
        last = body[-1]
        if LEAD.match(last) or LABEL.match(last):
            # Allowed only if its paragraph ends there: the next page starts a new paragraph.
            assert (
                LEAD.match(following[0])
                or LABEL.match(following[0])
                or following[0].startswith(("牵头单位", "会议"))
            ), (last, following[0])


def test_page_one_carries_text_after_the_mark(office):
    units = list(Unit.objects.order_by("order"))
    minutes = make_minutes(office, people=person_rows(names(30), units), decisions=6)
    pdf = render(minutes)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) >= 2
        first = doc.pages[0]
        body = [c for c in first.chars if abs(c["size"] - 16) < 0.1 and c["text"].strip()]
        lowest = max(c["bottom"] for c in body) / MM
    # Page 1 is filled but for at most three lines: "会议议定以下事项：" goes with the decision
    # after it, whose first paragraph leaves no single line behind (2 lines + the lead-in).
    assert BOTTOM - lowest < 3 * PITCH + 1


@pytest.mark.parametrize("summary_lines", range(1, 13))
def test_a_short_last_list_never_stands_alone_with_the_banji(office, summary_lines):
    # The 版记 takes the last line of text to its page when both do not fit: 请假 and 列席 go
    # with the list before them, so the 版记 page never holds one lone "列席：…" line.
    units = list(Unit.objects.order_by("order"))
    *present, away, guest = names(30)
    people = [
        {"name": n, "post": "副局长", "unit": units[i % len(units)], "status": "present"}
        for i, n in enumerate(present)
    ]
    people += [
        {"name": away, "post": "副局长", "unit": units[0], "status": Attendance.Status.LEAVE},
        {"name": guest, "post": "副局长", "unit": units[1], "status": Attendance.Status.OBSERVER},
    ]
    minutes = make_minutes(office, people=people, decisions=3, summary_lines=summary_lines)
    last = lines_of(render(minutes))[-1]
    before = list(itertools.takewhile(lambda line: not line.startswith("分送"), last))
    assert before, last
    assert not (len(before) == 1 and LABEL.match(before[0])), before
