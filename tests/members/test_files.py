"""Stored files: every attachment kind goes in through the same checks and comes out with the
same headers (RFC 6266 names, stored Content-Type, nosniff); zip-based Office documents are
bounded before anything is stored."""

import datetime
import io
import struct
import zipfile
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services as cases_services
from cases.identity import make_id
from cases.models import AccessLog, CaseFile
from duties import services as duties_services
from duties.models import FeedbackFile
from meetings import services
from meetings.models import AgendaItem, Download, Material
from members.files import (
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_ENTRIES,
    ascii_filename,
    check_upload,
    content_disposition,
)
from members.models import Unit
from tests.factories import approved_minutes, db_snapshot, make_item

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PDF = b"%PDF-1.4\n%test\n"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)


def docx(document=b"<w:document/>", *, extra=0) -> bytes:
    """A small Office Open XML package, as Word writes one (the parts that matter here)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        z.writestr("word/document.xml", document)
        for i in range(extra):
            z.writestr(f"word/media/{i}.xml", b"")
    return buf.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A real zip bomb dressed as a .docx: 300 MB of zeros deflated to a few hundred KB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        with z.open("word/document.xml", "w") as part:
            zeros = bytes(MB)
            for _ in range(300):
                part.write(zeros)
    return buf.getvalue()


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- the checks on the way in -------------------------------------------------------------------


def test_the_zip_bomb_is_small_and_expands_past_the_limit(zip_bomb):
    assert len(zip_bomb) < 400 * 1024
    with zipfile.ZipFile(io.BytesIO(zip_bomb)) as z:
        assert sum(i.file_size for i in z.infolist()) > MAX_UNZIPPED_BYTES


def test_the_form_refuses_a_zip_bomb_docx_and_stores_nothing(client, liaison, zip_bomb):
    client.force_login(liaison)
    before, files_before = db_snapshot(), stored_files()
    bomb = SimpleUploadedFile("情况说明.docx", zip_bomb, content_type=DOCX)
    response = client.post(
        reverse("meetings:item-create"),
        {
            "title": "关于取暖补贴的议题",
            "background": "背景",
            "proposal": "方案",
            "materials": [bomb],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "“情况说明.docx”解压后有 300 MB，超过 100 MB 的上限" in html
    assert db_snapshot() == before and stored_files() == files_before


def test_a_service_refuses_a_zip_bomb_after_a_good_file_and_stores_neither(office, zip_bomb):
    """All uploads are checked before any is stored: the good PDF does not stay on disk."""
    files_before = stored_files()
    with pytest.raises(cases_services.CasesError, match="解压后有 300 MB"):
        cases_services.register_case(
            case_data(),
            by=office,
            files=[
                SimpleUploadedFile("申请书.pdf", PDF),
                SimpleUploadedFile("诊断证明.docx", zip_bomb),
            ],
        )
    assert not CaseFile.objects.exists() and stored_files() == files_before


def test_a_docx_with_too_many_entries_is_refused():
    upload = SimpleUploadedFile("清单.docx", docx(extra=MAX_ZIP_ENTRIES))
    with pytest.raises(Exception, match="内含 10002 个压缩条目，超过 10000 个的上限"):
        check_upload(upload)


def test_a_docx_that_lies_about_its_size_is_refused():
    """Sizes in the zip's directory are only claims: an entry claiming 1,000 bytes that really
    inflates to 2 MB is caught when it is read."""
    data = bytearray(docx(bytes(2 * MB)))
    # The second central directory entry is word/document.xml; its uncompressed size is at +24.
    second = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)
    struct.pack_into("<I", data, second + 24, 1000)
    with pytest.raises(Exception, match="已损坏或无法读取"):
        check_upload(SimpleUploadedFile("说明.docx", bytes(data)))


@pytest.mark.parametrize(
    "name, content",
    [
        ("表格.xlsx", docx()),  # a Word package named .xlsx: no xl/ part
        ("说明.docx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_a_zip_that_is_not_the_office_document_it_claims_is_refused(name, content):
    with pytest.raises(Exception, match="内容与扩展名不符|已损坏或无法读取"):
        check_upload(SimpleUploadedFile(name, content))


def test_a_real_docx_passes_and_is_stored_with_its_content_type(liaison):
    item = make_item(liaison, files=[SimpleUploadedFile("工作方案.docx", docx())])
    material = item.materials.get()
    assert material.content_type == DOCX and material.name == "工作方案.docx"
    assert material.uploaded_by == liaison and len(material.sha256) == 64


# --- the headers on the way out -----------------------------------------------------------------

NAME = "低保标准测算表（2026年 终稿）.pdf"


def case_data(**kw):
    data = {
        "applicant": "王五",
        "id_number": make_id("152627", datetime.date(1970, 1, 1), 11),
        "phone": "13900001111",
        "town": Unit.objects.get(name="札萨克镇"),
        "address": "札萨克镇某村",
        "category": "illness",
        "facts": "因病致困",
        "requested_help": "医疗救助",
        "found_by": "active",
    }
    return cases_services.CaseData(**{**data, **kw})


@pytest.fixture
def downloads(office, leader, liaison):
    """One of each kind, each with a Chinese name: (url, name, bytes, content type)."""
    minutes = approved_minutes(office, leader, liaison)
    minutes = services.issue_minutes(minutes, by=office)
    item = make_item(liaison, files=[SimpleUploadedFile(NAME, PDF)])
    feedback = duties_services.add_feedback(
        minutes.decisions.get().task,
        by=liaison,
        text="已完成摸底。",
        date=datetime.date(2026, 7, 1),
        files=[SimpleUploadedFile("入户照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10)],
    )
    certificate = docx()  # once: a zip's entries carry the time they were written
    case = cases_services.register_case(
        case_data(), by=office, files=[SimpleUploadedFile("诊断证明.docx", certificate)]
    )
    material, attachment, case_file = item.materials.get(), feedback.files.get(), case.files.get()
    with minutes.pdf.open("rb") as f:
        pdf = f.read()
    return {
        "material": (
            reverse("meetings:material-download", args=[item.pk, material.pk]),
            NAME,
            PDF,
            "application/pdf",
        ),
        "feedback": (
            reverse("duties:feedback-file", args=[feedback.task_id, attachment.pk]),
            "入户照片.png",
            b"\x89PNG\r\n\x1a\n" + b"0" * 10,
            "image/png",
        ),
        "case": (
            reverse("cases:case-file", args=[case.pk, case_file.pk]),
            "诊断证明.docx",
            certificate,
            DOCX,
        ),
        "minutes": (
            reverse("meetings:minutes-pdf", args=[minutes.pk]),
            f"伊金霍洛旗社会救助联席会议纪要{minutes.number_label}.pdf",
            pdf,
            "application/pdf",
        ),
    }


@pytest.mark.parametrize("kind", ["material", "feedback", "case", "minutes"])
def test_every_kind_downloads_with_both_filename_forms_nosniff_and_its_content_type(
    client, office, downloads, kind
):
    url, name, content, content_type = downloads[kind]
    client.force_login(office)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.isascii()
    disposition_type, fallback, extended = (part.strip() for part in disposition.split(";"))
    assert disposition_type == "attachment"
    assert fallback == f'filename="{ascii_filename(name)}"'
    assert extended == f"filename*=UTF-8''{quote(name, safe='')}"
    assert unquote(extended.removeprefix("filename*=UTF-8''"), errors="strict") == name
    assert b"".join(response.streaming_content) == content


def test_a_case_file_download_is_logged_as_a_full_view_and_a_material_download_is_not(
    client, office, downloads
):
    client.force_login(office)
    b"".join(client.get(downloads["material"][0]).streaming_content)
    assert not AccessLog.objects.exists()
    b"".join(client.get(downloads["case"][0]).streaming_content)
    assert AccessLog.objects.get().user == office


def test_a_minutes_download_by_a_receiving_unit_counts(client, liaison, downloads):
    client.force_login(liaison)
    b"".join(client.get(downloads["minutes"][0]).streaming_content)
    assert Download.objects.get().by == liaison


def test_a_material_whose_bytes_changed_is_refused_and_not_counted(client, liaison, downloads):
    material = Material.objects.get()
    with open(material.file.path, "ab") as f:
        f.write(b"tampered")
    client.force_login(liaison)
    response = client.get(downloads["material"][0])
    assert response.status_code == 409
    assert "校验值不一致" in response.content.decode() and NAME in response.content.decode()


def test_a_case_file_whose_bytes_changed_is_refused_and_not_logged(client, office, downloads):
    with open(CaseFile.objects.get().file.path, "ab") as f:
        f.write(b"x")
    client.force_login(office)
    assert client.get(downloads["case"][0]).status_code == 409
    assert not AccessLog.objects.exists()


def test_a_missing_file_is_404(client, liaison, downloads):
    Path(FeedbackFile.objects.get().file.path).unlink()
    client.force_login(liaison)
    assert client.get(downloads["feedback"][0]).status_code == 404


@pytest.mark.parametrize(
    "name, fallback",
    [
        ("a.pdf", "a.pdf"),
        ("会议材料.pdf", "file.pdf"),
        ("2026年工作方案v2.docx", "2026_v2.docx"),
        ("ＡＢＣ１２３.pdf", "ABC123.pdf"),  # full-width letters and digits are kept as ASCII
        ('say "hi"\\.pdf', "say_hi.pdf"),
        ("纪要.文件", "file"),
    ],
)
def test_the_ascii_fallback_keeps_what_ascii_can_carry(name, fallback):
    assert ascii_filename(name) == fallback


def test_an_inline_disposition_keeps_both_forms():
    assert content_disposition("会议材料.pdf", inline=True) == (
        "inline; filename=\"file.pdf\"; filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E6%9D%90%E6%96%99.pdf"
    )


def test_materials_come_back_in_upload_order(liaison):
    item = make_item(
        liaison, files=[SimpleUploadedFile("b.pdf", PDF), SimpleUploadedFile("a.pdf", PDF + b"a")]
    )
    assert list(AgendaItem.objects.get(pk=item.pk).materials.values_list("name", flat=True)) == [
        "b.pdf",
        "a.pdf",
    ]
