"""The leader reads the exact PDF issuance will produce (审签稿) before approving, and approving
asks for confirmation; issued PDFs open in the browser (查看) as well as by download (下载)."""

import io

import pdfplumber
import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Distribution, Minutes
from tests.factories import approved_minutes

pytestmark = pytest.mark.django_db
MM = 72 / 25.4


def submitted_minutes(office, leader, liaison):
    minutes = approved_minutes(office, leader, liaison)
    services.withdraw_approval(minutes, by=office, reason="回到草稿")
    services.submit_minutes(minutes, by=office)
    minutes.refresh_from_db()
    return minutes


def page_lines(pdf: bytes) -> list[list[str]]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_text().splitlines() for page in doc.pages]


def test_the_leader_opens_the_draft_inline_marked_outside_the_type_area(
    client, office, leader, liaison
):
    minutes = submitted_minutes(office, leader, liaison)
    client.force_login(leader)
    response = client.get(reverse("meetings:minutes-preview", args=[minutes.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    pdf = response.content
    year = timezone.localdate().year
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            mark = [c for c in page.chars if c["text"] in "审签稿"]
            mark = [c for c in mark if c["top"] < 37 * MM]
            assert "".join(c["text"] for c in mark) == "审签稿"  # on every page
            assert all(c["bottom"] < 37 * MM for c in mark)  # above the 版心
        text = doc.pages[0].extract_text()
    assert f"〔{year}〕第□期" in text
    client.force_login(office)  # the office reads it too
    assert client.get(reverse("meetings:minutes-preview", args=[minutes.pk])).status_code == 200


def test_the_issued_pdf_differs_from_the_draft_only_in_number_date_and_mark(
    client, office, leader, liaison
):
    minutes = submitted_minutes(office, leader, liaison)
    client.force_login(leader)
    preview = client.get(reverse("meetings:minutes-preview", args=[minutes.pk])).content
    client.post(
        reverse("meetings:minutes-approve", args=[minutes.pk]), {"confirm": "yes", "comment": ""}
    )
    services.issue_minutes(Minutes.objects.get(pk=minutes.pk), by=office)
    minutes.refresh_from_db()
    issued = minutes.pdf.read()
    year = minutes.year
    draft_pages, issued_pages = page_lines(preview), page_lines(issued)
    assert len(draft_pages) == len(issued_pages)
    for draft, final in zip(draft_pages, issued_pages, strict=True):
        draft = [line.replace(f"〔{year}〕第□期", "NUMBER") for line in draft if line != "审签稿"]
        final = [line.replace(minutes.number_label, "NUMBER") for line in final]
        assert draft == final  # same day: the same date; only the number and the mark differ


def test_approving_asks_for_confirmation(client, office, leader, liaison):
    minutes = submitted_minutes(office, leader, liaison)
    client.force_login(leader)
    url = reverse("meetings:minutes-approve", args=[minutes.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("meetings:minutes-preview", args=[minutes.pk]) in html
    assert "我已阅读审签稿" in html and "各成员单位" in html
    response = client.post(url, {"comment": "同意"})  # no confirmation
    assert response.status_code == 302 and response["Location"] == url
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.SUBMITTED
    client.post(url, {"comment": "同意", "confirm": "yes"})
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED
    assert minutes.steps.latest("pk").comment == "同意"


def test_units_never_see_a_draft_and_no_draft_after_issuance(client, office, leader, liaison):
    minutes = submitted_minutes(office, leader, liaison)
    url = reverse("meetings:minutes-preview", args=[minutes.pk])
    client.force_login(liaison)
    assert client.get(url).status_code == 403  # not a role that reads drafts
    services.approve_minutes(minutes, by=leader)
    services.issue_minutes(minutes, by=office)
    client.force_login(leader)
    assert client.get(url).status_code == 404


def test_issued_pdfs_open_inline_and_download_both_counted_for_the_unit(
    client, office, leader, liaison
):
    minutes = approved_minutes(office, leader, liaison)
    services.issue_minutes(minutes, by=office)
    client.force_login(liaison)
    view = client.get(reverse("meetings:minutes-pdf-view", args=[minutes.pk]))
    assert view.status_code == 200
    assert view["Content-Disposition"].startswith("inline;")
    assert b"".join(view.streaming_content).startswith(b"%PDF")
    download = client.get(reverse("meetings:minutes-pdf", args=[minutes.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    b"".join(download.streaming_content)
    row = Distribution.objects.get(minutes=minutes, unit=liaison.unit)
    assert row.download_count == 2 and row.downloads.count() == 2
    detail = client.get(reverse("meetings:minutes-detail", args=[minutes.pk])).content.decode()
    assert "查看 PDF" in detail and "下载 PDF" in detail
