"""The roster printed from the browser: chromium's own print of the page, measured."""

import io
import unicodedata

import pdfplumber
import pytest

from members.permissions import Role
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_roster_prints_as_the_list_alone(page, live_server, charter, tmp_path):
    make_user("member", Role.MEMBER, "旗财政局")
    log_in(page, live_server, "member", PASSWORD)
    page.goto(f"{live_server.url}/members/?date=2025-06-01")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / "roster.pdf").write_bytes(pdf)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        # NFKC: the PDF's text layer maps some characters to Kangxi radicals (⼯ for 工).
        text = unicodedata.normalize("NFKC", "".join(p.extract_text() or "" for p in doc.pages))
        pages = len(doc.pages)
        width = doc.pages[0].width
    assert 1 <= pages <= 3
    assert abs(width - 595) < 2  # A4
    assert "工作领导小组组成人员" in text and "2025年6月1日" in text
    assert "李贵" in text and "李慧君" in text  # the first seat and the last
    for chrome in ("退出", "打印", "导出", "查看日期", "跳到正文", "搜索", "伊政发〔2024〕58号 ·"):
        assert chrome not in text, chrome
