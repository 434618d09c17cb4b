"""Chinese file names arrive intact in chromium (RFC 6266 filename*), for each attachment kind."""

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services as cases_services
from cases.identity import make_id
from cases.models import AccessLog
from duties import services as duties_services
from meetings import services
from meetings.models import AgendaItem
from members.models import Unit
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, approved_minutes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MATERIAL = "低保标准测算表（2026年 终稿）.pdf"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def download(page, link_name):
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    return info.value


def test_chinese_file_names_survive_upload_and_download_in_chromium(
    page, live_server, office, leader, liaison, tmp_path
):
    # A material uploaded through the form, then downloaded from the item's page.
    material = tmp_path / MATERIAL
    material.write_bytes(PDF)
    log_in(page, live_server, "liaison", PASSWORD)
    page.goto(f"{live_server.url}/meetings/items/new/")
    page.get_by_label("议题名称").fill("关于提高城乡低保标准的议题")
    page.get_by_label("背景情况").fill("物价上涨。")
    page.get_by_label("建议方案").fill("每人每月提高50元。")
    page.get_by_label("材料").set_input_files(material)
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_text("议题已提交").first.wait_for()
    item = AgendaItem.objects.get()
    assert item.materials.get().name == MATERIAL
    got = download(page, MATERIAL)
    assert got.suggested_filename == MATERIAL
    assert got.path().read_bytes() == PDF

    # A feedback file on the task page.
    minutes = approved_minutes(office, leader, liaison)
    task = services.issue_minutes(minutes, by=office).decisions.get().task
    duties_services.add_feedback(
        task,
        by=liaison,
        text="已入户核查。",
        date=datetime.date(2026, 7, 1),
        files=[SimpleUploadedFile("入户核查照片 #1.png", PNG)],
    )
    page.goto(f"{live_server.url}{task.get_absolute_url()}")
    got = download(page, "入户核查照片 #1.png")
    assert got.suggested_filename == "入户核查照片 #1.png"
    assert hashlib.sha256(got.path().read_bytes()).hexdigest() == hashlib.sha256(PNG).hexdigest()

    # A case's material, for the office, logged as a full view.
    case = cases_services.register_case(
        cases_services.CaseData(
            applicant="王五",
            id_number=make_id("152627", datetime.date(1970, 1, 1), 11),
            phone="13900001111",
            town=Unit.objects.get(name="札萨克镇"),
            address="札萨克镇某村",
            category="illness",
            facts="因病致困",
            requested_help="医疗救助",
            found_by="active",
        ),
        by=office,
        files=[SimpleUploadedFile("诊断证明（旗医院）.pdf", PDF)],
    )
    page.context.clear_cookies()
    log_in(page, live_server, "office", PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    logged = AccessLog.objects.count()
    got = download(page, "诊断证明（旗医院）.pdf")
    assert got.suggested_filename == "诊断证明（旗医院）.pdf"
    assert AccessLog.objects.count() == logged + 1
