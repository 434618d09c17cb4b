"""The urgent-case path in a real browser: 受理 → 核对 → 书面审议 → 议定 → 交办督办 (issue 6)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.identity import make_id
from cases.models import AccessLog, Case, HouseholdMember, Verification
from duties.models import Task
from members.permissions import Role
from tests.browser.conftest import log_in
from tests.browser.test_meetings_browser import log_out, nav, see
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPLICANT = "张三丰"
PSEUDONYM = "张某某"
BAD_ID = "152627196803141230"  # the check digit should be 2
GOOD_ID = make_id("152627", datetime.date(1968, 3, 14), 123)
MASKED_ID = f"152627********{GOOD_ID[-4:]}"
MEMBER_ID = make_id("152627", datetime.date(1995, 7, 2), 45)
ADDRESS = "纳林陶亥镇新庙村三社12号"
REVIEW_TITLE = "急难救助个案书面审议（第一批）"
MEASURE = "给予临时救助，一次性发放医疗救助金"


def test_a_town_case_is_verified_deliberated_in_writing_and_supervised(
    page, live_server, charter, tmp_path
):
    office = make_user("office", Role.OFFICE, "旗民政局")
    make_user("town", Role.LIAISON, "纳林陶亥镇")
    make_user("police", Role.LIAISON, "旗公安局")
    number = f"急难〔{timezone.localdate().year}〕1号"

    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))

    # 1. The town's liaison registers the case; a wrong check digit is refused first.
    log_in(page, live_server, "town", PASSWORD)
    nav(page, "个案")
    page.get_by_role("link", name="登记个案").click()
    page.get_by_label("申请人姓名").fill(APPLICANT)
    page.get_by_label("身份证号").first.fill(BAD_ID)
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_label("住址").fill(ADDRESS)
    page.get_by_label("困难类别").select_option(label="因病")
    page.get_by_label("发现方式").select_option(label="主动发现")
    page.get_by_label("困难情况").fill(
        "户主突发脑溢血住院，自付医疗费用已超过十万元，家中无其他收入。"
    )
    page.get_by_label("救助诉求").fill("请求给予临时救助和医疗救助。")
    member = page.get_by_role("group", name=re.compile(r"^成员 1"))
    member.get_by_label("姓名").fill("张小明")
    member.get_by_label("与申请人关系").fill("子")
    member.get_by_label("身份证号").fill(MEMBER_ID)
    page.get_by_role("button", name="受理", exact=True).click()
    see(page, "校验位不正确")
    assert Case.objects.count() == 0

    page.get_by_label("身份证号").first.fill(GOOD_ID)
    page.get_by_role("button", name="受理", exact=True).click()
    see(page, f"个案已受理，编号 {number}。")
    case_url = page.url
    main = page.get_by_role("main")
    assert number in page.get_by_role("heading", level=1).inner_text()
    assert MASKED_ID in main.inner_text()
    assert "138****5678" in main.inner_text()
    assert GOOD_ID not in page.content()
    assert MEMBER_ID not in page.content()
    log_out(page)

    case = Case.objects.get()
    assert (case.id_number, case.applicant, case.status) == (GOOD_ID, APPLICANT, "received")
    assert HouseholdMember.objects.get(case=case).id_number == MEMBER_ID

    # 2. The office asks 旗公安局 to check the household's 户籍 and 车辆.
    log_in(page, live_server, "office", PASSWORD)
    nav(page, "个案")
    page.get_by_role("link", name=re.compile(re.escape(number))).click()
    page.wait_for_url(case_url)
    page.get_by_text("发起核对", exact=True).click()
    page.get_by_label("核对单位").select_option(label="旗公安局")
    page.get_by_label("核对事项").fill("户籍、车辆")
    # Minimum necessary: names and ID numbers are ticked, phone and address are not.
    assert page.get_by_role("checkbox", name="申请人身份证号").is_checked()
    assert not page.get_by_role("checkbox", name="联系电话").is_checked()
    assert not page.get_by_role("checkbox", name="住址").is_checked()
    page.get_by_role("button", name="发出核对请求").click()
    see(page, "核对请求已发出。")
    checks = page.get_by_role("region", name="家庭经济状况核对")
    assert "公安局：户籍、车辆" in checks.inner_text()
    assert "待答复" in checks.inner_text()
    log_out(page)

    # 3. 公安's liaison finds the request in the inbox and answers; the case is masked for them.
    log_in(page, live_server, "police", PASSWORD)
    nav(page, "个案")
    page.get_by_role("link", name="核对请求").click()
    request = page.get_by_role("link", name=re.compile(re.escape(number)))
    assert "待答复" in request.inner_text()
    request.click()
    assert MASKED_ID in page.get_by_role("main").inner_text()
    page.get_by_label("核对结果").fill("户籍：一户三人。名下无机动车。")
    page.get_by_role("button", name="答复", exact=True).click()
    see(page, "核对结果已答复。")
    assert page.get_by_role("link", name="个案完整信息").is_visible()  # a named unit may
    page.get_by_role("link", name="查看个案").click()
    page.wait_for_url(case_url)
    main_text = page.get_by_role("main").inner_text()
    assert PSEUDONYM in main_text and MASKED_ID in main_text and "已答复" in main_text
    assert APPLICANT not in main_text and ADDRESS not in main_text
    assert GOOD_ID not in page.content()
    nav(page, "个案")
    assert page.get_by_role("link", name=re.compile(re.escape(number))).is_visible()
    log_out(page)
    assert Verification.objects.get().answered_at is not None
    assert not AccessLog.objects.exists()  # nobody has opened the full record yet

    # 3b. 公安's full view shows what a 户籍 check needs (names, ID numbers), not phone or address.
    log_in(page, live_server, "police", PASSWORD)
    page.goto(f"{live_server.url}{reverse('cases:case-full', args=[case.pk])}")
    main_text = page.get_by_role("main").inner_text()
    assert APPLICANT in main_text and GOOD_ID in main_text and MEMBER_ID in main_text
    assert ADDRESS not in main_text and "13812345678" not in main_text
    assert "138****5678" in main_text
    assert AccessLog.objects.get().fields == [
        "applicant",
        "id_number",
        "member_names",
        "member_ids",
    ]
    log_out(page)

    # 4. The office prepares a written review, submits the case to it, ends the review and
    # records and hands out the measure.
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    log_in(page, live_server, "office", PASSWORD)
    nav(page, "会议")
    page.get_by_role("link", name="筹备会议").click()
    page.get_by_label("会议类型").select_option(label="书面审议")
    page.get_by_label("会议名称").fill(REVIEW_TITLE)
    page.get_by_label("会议时间").fill("2026-03-10T09:30")
    page.get_by_role("checkbox", name="旗民政局", exact=True).check()
    page.get_by_role("checkbox", name="旗医疗保障局", exact=True).check()
    page.get_by_label("书面意见截止时间").fill(f"{deadline:%Y-%m-%d}T17:00")
    page.get_by_role("button", name="保存", exact=True).click()
    see(page, "会议已创建。")
    meeting_url = page.url

    page.goto(case_url)
    page.get_by_label("提请审议的会议").select_option(
        label=f"{REVIEW_TITLE}（书面审议，2026-03-10）"
    )
    page.get_by_role("button", name="提请审议").click()
    see(page, "已提请审议")

    page.get_by_role("link", name=REVIEW_TITLE).click()
    page.wait_for_url(meeting_url)
    agenda = page.get_by_role("region", name="议程")
    assert f"{number} {PSEUDONYM}" in agenda.inner_text()
    assert APPLICANT not in page.get_by_role("main").inner_text()
    page.get_by_role("button", name="发出通知").click()
    see(page, "会议通知已发出。")
    page.once("dialog", lambda d: d.accept())  # it asks: opinions may still be missing
    page.get_by_role("button", name="审议结束").click()
    see(page, "书面审议已结束")

    page.goto(case_url)
    page.get_by_role("link", name="登记议定的救助措施").click()
    first = page.get_by_role("group", name="措施 1")
    first.get_by_label("落实单位").select_option(label="旗医疗保障局")
    first.get_by_label("措施内容").fill(MEASURE)
    first.get_by_label("金额（元）").fill("5000")
    first.get_by_label("完成时限").fill(f"{deadline:%Y-%m-%d}")
    page.get_by_role("button", name="登记", exact=True).click()
    see(page, "议定的救助措施已登记。")
    page.wait_for_url(case_url)
    page.once("dialog", lambda d: d.accept())  # 交办 cannot be undone: it asks first
    page.get_by_role("button", name="交办救助措施（列入督办）").click()
    see(page, "救助措施已交办，列入督办台账。")
    measures = page.get_by_role("region", name="救助措施")
    assert "医保局" in measures.inner_text() and "督办事项" in measures.inner_text()
    page.screenshot(path=tmp_path / "case-implementing.png", full_page=True)
    assert (tmp_path / "case-implementing.png").stat().st_size > 10_000

    # 5. The measure is a task in the 督办台账, named by number and pseudonym only.
    nav(page, "督办")
    task_link = page.get_by_role("link", name=re.compile(re.escape(MEASURE)))
    task_text = task_link.inner_text()
    assert number in task_text and PSEUDONYM in task_text
    assert APPLICANT not in page.get_by_role("main").inner_text()
    case.refresh_from_db()
    assert case.status == Case.Status.IMPLEMENTING
    measure = case.measures.select_related("task", "unit").get()
    assert measure.unit.name == "旗医疗保障局"
    assert measure.task is not None and measure.task.source == Task.Source.CASE
    assert measure.task.title.startswith(f"{number} {PSEUDONYM}：")

    # 6. The office opens the full record: the full ID shows and the view is logged.
    page.goto(case_url)
    page.get_by_role("link", name=re.compile("查看完整信息")).click()
    see(page, "您正在查看完整个人信息，本次查看已记录。")
    main_text = page.get_by_role("main").inner_text()
    assert GOOD_ID in main_text and MEMBER_ID in main_text and ADDRESS in main_text
    assert APPLICANT in page.get_by_role("heading", level=1).inner_text()
    assert AccessLog.objects.filter(case=case, user=office).count() == 1
    log = page.get_by_role("region", name="完整个人信息查看记录")
    assert "office" in log.inner_text()

    assert not console_errors, console_errors  # includes CSP violations
