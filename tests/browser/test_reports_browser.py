"""救助信息报送 in chromium: a liaison fills in the unit's figures, the office sees the total move."""

import datetime

import pytest
from django.utils import timezone

from duties import services
from members.models import Unit
from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_liaison_fills_in_a_report_and_the_office_sees_the_total_change(
    page, live_server, office, liaison, liaison2
):
    count = services.create_indicator(
        by=office, name="临时救助人次", measure="人次", kind="integer", unit_kinds=["department"]
    )
    money = services.create_indicator(
        by=office, name="临时救助金额", measure="元", kind="money", unit_kinds=["department"]
    )
    round_ = services.open_round(
        by=office,
        period="quarter",
        year=2026,
        number=3,
        deadline=timezone.localdate() + datetime.timedelta(days=5),
        units=list(Unit.objects.filter(name__in=["旗民政局", "旗教体局"])),
        indicators=[count, money],
    )
    other = round_.reports.get(unit__name="旗教体局")
    services.submit_report(other, by=liaison2, values={count.pk: "4", money.pk: "1000"})

    def total_on_statistics_page():
        page.goto(f"{live_server.url}/duties/reports/{round_.pk}/statistics/")
        row = page.locator("#statistics tbody tr").filter(has_text="临时救助人次")
        return row.locator("td").nth(2).inner_text()  # 民政局, 教体局, 合计

    log_in(page, live_server, "office", PASSWORD)
    assert total_on_statistics_page() == "4"
    page.context.clear_cookies()

    log_in(page, live_server, "liaison", PASSWORD)
    page.get_by_role("link", name="待填报的救助信息报送").click()
    page.get_by_role("link", name="2026年第三季度").click()
    page.get_by_label("临时救助人次（人次）").fill("-3")
    page.get_by_label("临时救助金额（元）").fill("2500.5")
    page.get_by_role("button", name="报送", exact=True).click()
    page.get_by_text("临时救助人次：不能为负数").wait_for()
    page.get_by_label("临时救助人次（人次）").fill("12")
    page.get_by_role("button", name="报送", exact=True).click()
    page.get_by_text("已报送，等待办公室审核").wait_for()
    assert page.locator("#report-status").inner_text() == "已报送"
    page.context.clear_cookies()

    log_in(page, live_server, "office", PASSWORD)
    assert total_on_statistics_page() == "16"
    page.get_by_role("link", name=round_.title).click()
    page.locator("#report-" + str(round_.reports.get(unit__name="旗民政局").pk)).get_by_role(
        "button", name="采用"
    ).click()
    page.get_by_text("已采用民政局的报送").wait_for()
