import pytest

from members.models import Tenure
from members.permissions import Role
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office_user(charter):
    return make_user("office", Role.OFFICE, "旗民政局")


def test_office_records_a_successor_and_sees_the_new_roster(
    page, live_server, office_user, tmp_path
):
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, "office", PASSWORD)

    page.get_by_role("link", name="领导小组").first.click()
    page.get_by_role("link", name="旗民政局局长").click()
    page.get_by_role("link", name="记录继任者").click()
    page.get_by_label("继任者姓名").fill("张三")
    post = page.get_by_label("职务")
    assert post.input_value() == "旗民政局局长"  # offered from the current holder
    page.get_by_label("接任日期").fill("2026-03-02")
    page.get_by_role("button", name="保存").click()

    page.get_by_text("已记录：张三 自 2026年3月2日 起接任。").wait_for()
    page.get_by_role("link", name="领导小组").first.click()
    deputy = page.get_by_role("region", name="副组长")
    assert "张三" in deputy.inner_text()
    assert "王志鹏" not in deputy.inner_text()
    page.screenshot(path=tmp_path / "roster-after-succession.png", full_page=True)
    assert (tmp_path / "roster-after-succession.png").stat().st_size > 10_000

    page.get_by_label("查看日期").fill("2026-03-01")
    page.get_by_role("button", name="查看").click()
    assert "王志鹏" in page.get_by_role("region", name="副组长").inner_text()

    assert Tenure.objects.get(person__name="王志鹏").end.isoformat() == "2026-03-01"
    assert not console_errors, console_errors  # includes CSP violations


PAGES = [
    "/",
    "/members/",
    "/members/seats/2/",
    "/members/seats/2/succession/",
    "/duties/",
    "/duties/?q=核对",
    "/duties/units/",
    "/duties/units/23/",
    "/duties/tasks/",
    "/duties/tasks/new/",
    "/duties/escalations/",
]


def test_pages_fit_a_phone_and_every_field_has_a_label(phone, live_server, office_user):
    log_in(phone, live_server, "office", PASSWORD)
    for path in PAGES:
        phone.goto(f"{live_server.url}{path}")
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


def test_the_phone_menu_opens_with_the_served_bootstrap_script(phone, live_server, office_user):
    log_in(phone, live_server, "office", PASSWORD)
    link = phone.get_by_role("navigation", name="主导航").get_by_role("link", name="职责清单")
    assert not link.is_visible()
    phone.get_by_role("button", name="展开导航").click()
    link.click()
    phone.wait_for_url(f"{live_server.url}/duties/")
