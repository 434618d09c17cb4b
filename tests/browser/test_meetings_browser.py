"""The whole meetings path in a real browser: 议题 → 会议 → 纪要 → 审签 → 印发 → 下载 → 签收."""

import io
import re

import pdfplumber
import pytest
from django.utils import timezone

from duties.models import Duty
from meetings import services
from meetings.models import AgendaItem, Distribution, Meeting, Minutes
from members.models import Unit
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, approved_minutes, make_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEM_TITLE = "关于提高城乡低保标准的议题"
MEETING_TITLE = "2026年第一次全体会议"
DECISION = "由旗民政局牵头，于年底前完成低保标准调整。"


def log_out(page):
    """The navbar's 退出 button; on a phone the menu has to be opened first."""
    toggler = page.get_by_role("button", name="展开导航")
    if toggler.is_visible():
        toggler.click()
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()


def nav(page, name):
    link = page.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True)
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**{href}")


def see(page, text):
    page.get_by_text(text).first.wait_for()


def test_an_item_goes_through_a_meeting_to_acknowledged_minutes(
    page, live_server, office, leader, liaison, tmp_path
):
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))

    # 1. The liaison of 旗民政局 submits an item with a PDF attached.
    material = tmp_path / "低保标准测算.pdf"
    material.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    duty = Duty.objects.for_unit(Unit.objects.get(name="旗民政局")).get()
    log_in(page, live_server, "liaison", PASSWORD)
    nav(page, "议题")
    page.get_by_role("link", name="提交议题").click()
    page.get_by_label("议题名称").fill(ITEM_TITLE)
    page.get_by_label("背景情况").fill("物价上涨，现行低保标准偏低。")
    page.get_by_label("建议方案").fill("建议城乡低保标准每人每月提高50元。")
    page.get_by_label("所依职责").select_option(str(duty.pk))
    page.get_by_label("材料").set_input_files(material)
    page.get_by_role("button", name="提交", exact=True).click()
    see(page, "议题已提交，等待办公室审核。")
    assert page.get_by_role("link", name="低保标准测算.pdf").is_visible()
    log_out(page)

    # 2. The office prepares a plenary meeting, accepts and schedules the item, holds the
    # meeting and drafts the minutes.
    log_in(page, live_server, "office", PASSWORD)
    nav(page, "会议")
    page.get_by_role("link", name="筹备会议").click()
    page.get_by_label("会议类型").select_option(label="全体会议")
    page.get_by_label("会议名称").fill(MEETING_TITLE)
    page.get_by_label("会议时间").fill("2026-03-10T09:30")
    page.get_by_label("会议地点").fill("旗政府第一会议室")
    page.get_by_label("召集人（全体会议）").select_option(label="组长 李贵")
    page.get_by_role("button", name="保存", exact=True).click()
    see(page, "会议已创建。")
    meeting_url = page.url
    assert "2026年3月10日 09:30" in page.get_by_role("main").inner_text()

    nav(page, "议题")
    page.get_by_role("link", name=ITEM_TITLE).click()
    review = page.get_by_role("region", name="审核")
    review.get_by_role("radio", name="受理", exact=True).check()
    review.get_by_role("button", name="提交审核意见").click()
    see(page, "议题已受理。")
    schedule = page.get_by_role("region", name="列入会议议程")
    schedule.get_by_label("列入会议").select_option(
        label=f"{MEETING_TITLE}（全体会议，2026-03-10）"
    )
    schedule.get_by_role("button", name="列入议程").click()
    see(page, f"已列入“{MEETING_TITLE}”议程第1项。")

    page.get_by_role("link", name=MEETING_TITLE).first.click()
    page.wait_for_url(meeting_url)
    agenda = page.get_by_role("region", name="议程")
    assert agenda.get_by_role("link", name=ITEM_TITLE).is_visible()
    page.get_by_role("button", name="发出通知").click()
    see(page, "会议通知已发出。")
    page.get_by_role("button", name="标记为已召开").click()
    see(page, "已标记为召开")
    assert "李贵" in page.get_by_role("region", name="出席情况（按会议当日在任人员）").inner_text()
    page.get_by_role("button", name="起草纪要").click()

    page.get_by_label("会议概况").fill("会议听取了旗民政局关于调整城乡低保标准的汇报。")
    first = page.get_by_role("group", name="第 1 项")
    first.get_by_label("议定事项").fill(DECISION)
    first.get_by_label("牵头单位").select_option(label="旗民政局")
    first.get_by_label("完成时限").fill("2026-12-31")
    page.get_by_role("button", name="保存并提交审签").click()
    see(page, "纪要已提交组长、副组长审签。")
    minutes_url = page.url
    log_out(page)

    # 3. The leader approves.
    log_in(page, live_server, "leader", PASSWORD)
    nav(page, "纪要")
    page.get_by_role("link", name=f"{MEETING_TITLE}纪要").click()
    page.wait_for_url(minutes_url)
    page.get_by_role("region", name="审签").get_by_role("link", name="阅读审签稿并审签…").click()
    # The 审签稿 opens inline in the browser: the exact PDF issuance would produce.
    href = page.get_by_role("link", name="在新窗口打开审签稿 PDF").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")  # with the leader's session
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert response.body().startswith(b"%PDF")
    page.get_by_label("我已阅读审签稿，同意按此印发").check()
    page.get_by_role("button", name="确认同意印发").click()
    see(page, "纪要已审签，可以印发。")
    log_out(page)

    # 4. The office issues.
    log_in(page, live_server, "office", PASSWORD)
    page.goto(minutes_url)
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.get_by_role("button", name="印发", exact=True).click()
    see(page, "纪要已印发")
    assert dialogs and "不能撤回" in dialogs[0]  # issuing asked first
    number = f"〔{timezone.localdate().year}〕第1期"
    assert number in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("region", name="分送与签收").get_by_title("旗民政局").is_visible()
    page.screenshot(path=tmp_path / "minutes-issued.png", full_page=True)
    assert (tmp_path / "minutes-issued.png").stat().st_size > 10_000
    log_out(page)

    # 5. The liaison downloads the PDF and acknowledges receipt.
    log_in(page, live_server, "liaison", PASSWORD)
    nav(page, "纪要")
    row = page.get_by_role("link", name=re.compile(MEETING_TITLE))
    assert "待签收" in row.inner_text()
    row.click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(f"{number}.pdf")
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in doc.pages))
    assert DECISION in text
    assert number in text
    page.get_by_role("button", name="签收", exact=True).click()
    see(page, "本单位已于")
    assert page.get_by_role("status").inner_text() == "已签收。"
    assert not page.get_by_role("button", name="签收", exact=True).count()
    nav(page, "纪要")
    assert "已签收" in page.get_by_role("link", name=re.compile(MEETING_TITLE)).inner_text()

    minutes = Minutes.objects.get(meeting__title=MEETING_TITLE)
    assert minutes.status == Minutes.Status.ISSUED
    item = AgendaItem.objects.get(title=ITEM_TITLE)
    assert item.status == AgendaItem.Status.DELIBERATED
    assert item.duty == duty
    assert [m.name for m in item.materials.all()] == ["低保标准测算.pdf"]
    assert (
        Meeting.objects.get(title=MEETING_TITLE).status == Meeting.Status.CLOSED
    )  # issuing ended it
    own = Distribution.objects.get(minutes=minutes, unit__name="旗民政局")
    assert own.download_count == 1
    assert own.acknowledged_by == liaison
    assert not console_errors, console_errors  # includes CSP violations


def test_meetings_pages_fit_a_phone_and_every_field_has_a_label(
    phone, live_server, office, leader, liaison
):
    minutes = approved_minutes(office, leader, liaison)
    services.issue_minutes(minutes, by=office)
    item = make_item(liaison, title="待审核的议题")
    meeting = minutes.meeting

    def check(path):
        response = phone.goto(f"{live_server.url}{path}")
        assert response.status == 200, f"{path}: HTTP {response.status}"
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 390px"
        unlabeled = phone.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                 .map(el => el.name)"""
        )
        assert unlabeled == [], f"{path}: fields without a label: {unlabeled}"

    log_in(phone, live_server, "liaison", PASSWORD)
    for path in ["/meetings/items/", "/meetings/items/new/", f"/meetings/minutes/{minutes.pk}/"]:
        check(path)
    log_out(phone)

    log_in(phone, live_server, "office", PASSWORD)
    for path in [
        "/meetings/items/",
        f"/meetings/items/{item.pk}/",
        "/meetings/new/",
        f"/meetings/{meeting.pk}/",
        f"/meetings/minutes/{minutes.pk}/",
    ]:
        check(path)
