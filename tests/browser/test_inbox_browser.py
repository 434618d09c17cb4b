import pytest

from meetings import services
from members.permissions import Role
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, make_item, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_event_shows_the_badge_and_reading_clears_it(page, live_server, charter, tmp_path):
    office = make_user("office", Role.OFFICE, "旗民政局")
    liaison = make_user("liaison", Role.LIAISON, "旗民政局")
    item = make_item(liaison, title="冬季取暖补贴议题")
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, "liaison", PASSWORD)
    assert page.locator("#unread-badge").count() == 0

    services.review_item(item, by=office, action="return", comment="请补充测算依据")  # commits

    page.reload()
    badge = page.locator("#unread-badge")
    assert badge.inner_text().startswith("1")
    page.screenshot(path=tmp_path / "badge.png")
    page.get_by_role("link", name="消息").click()
    page.get_by_role("button", name="议题“冬季取暖补贴议题”被退回修改").click()
    page.wait_for_url(f"{live_server.url}{item.get_absolute_url()}")
    assert page.locator("#unread-badge").count() == 0
    page.get_by_role("link", name="消息").click()
    assert "未读" not in page.locator(".list-group").inner_text()
    page.screenshot(path=tmp_path / "inbox.png", full_page=True)
    assert (tmp_path / "inbox.png").stat().st_size > 10_000
    assert not console_errors, console_errors
