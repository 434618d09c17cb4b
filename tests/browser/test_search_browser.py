"""The navigation's search box in a real browser: words travel in the URL, an ID number never."""

import datetime
from urllib.parse import unquote

import pytest
from django.core.management import call_command

from cases import services as cases_services
from cases.identity import make_id
from cases.models import AccessLog
from members.models import Unit
from members.permissions import Role
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, make_item, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ID_NUMBER = make_id("152627", datetime.date(1971, 5, 9), 37)


def test_the_box_puts_words_in_the_url_and_posts_an_id_number(page, live_server):
    call_command("loaddata", "charter", verbosity=0)
    office = make_user("office", Role.OFFICE, "旗民政局")
    liaison = make_user("liaison", Role.LIAISON, "旗民政局")
    make_item(liaison, title="城乡低保标准调整")
    case = cases_services.register_case(
        cases_services.CaseData(
            applicant="钱七斤",
            id_number=ID_NUMBER,
            phone="13900003333",
            town=Unit.objects.get(name="札萨克镇"),
            address="札萨克镇新街村",
            category="illness",
            facts="因病致困。",
            requested_help="医疗救助",
            found_by="active",
        ),
        by=office,
    )
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server, "office", PASSWORD)

    box = page.get_by_role("search").get_by_label("搜索")
    box.fill("低保")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert "低保" in unquote(page.url)
    assert page.get_by_role("link", name="城乡低保标准调整").is_visible()

    box = page.get_by_role("navigation").get_by_label("搜索")
    box.fill(f"{ID_NUMBER[:6]} {ID_NUMBER[6:]}")
    with page.expect_navigation():
        box.press("Enter")
    assert page.url.rstrip("/").endswith("/search"), page.url  # posted: nothing in the URL
    assert page.get_by_role("link", name=case.number_label).first.is_visible()
    assert ID_NUMBER not in unquote(page.url) and ID_NUMBER[6:14] not in page.url
    assert AccessLog.objects.filter(case=case, user=office).exists()
    assert not errors
