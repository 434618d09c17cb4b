"""核验 in chromium: a member checks the issued file they received, then a tampered copy."""

import re

import pytest

from meetings import services
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, approved_minutes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_verifies_the_issued_file_and_a_tampered_copy(
    page, live_server, office, leader, liaison, member, tmp_path
):
    minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    with minutes.pdf.open("rb") as f:
        original = f.read()
    received = tmp_path / "纪要.pdf"
    received.write_bytes(original)
    log_in(page, live_server, "member", PASSWORD)
    page.goto(f"{live_server.url}/meetings/minutes/")
    page.get_by_role("link", name="核验文件").click()
    page.get_by_label("纪要 PDF 文件").set_input_files(received)
    page.get_by_role("button", name="核验文件").click()
    verdict = page.locator("#verdict")
    verdict.wait_for()
    assert "核验通过" in verdict.inner_text()
    assert re.search(
        rf"本系统于.+印发的{re.escape(minutes.number_label)}纪要，文件完整、签名有效（签名者：",
        verdict.inner_text(),
    )
    page.screenshot(path=str(tmp_path / "verify-ok.png"), full_page=True)

    tampered = bytearray(original)
    start = original.index(b"stream\n", original.index(b"/Contents")) + 7
    tampered[start + 40] ^= 0x01
    received.write_bytes(bytes(tampered))
    page.get_by_label("纪要 PDF 文件").set_input_files(received)
    page.get_by_role("button", name="核验文件").click()
    page.get_by_text("核验未通过").wait_for()
    assert "文件在签名后被改动过" in page.locator("#verdict").inner_text()
