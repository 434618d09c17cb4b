"""Files open in the browser: PDFs and images inline (查看), Word and Excel through a PDF preview
that the real LibreOffice (soffice, a Debian package `make test` installs) makes once in the task
worker, served by the same permission-checked views; without LibreOffice, or when it fails,
download only and the page says why."""

import io
import zipfile
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from meetings.models import Material
from members.files import Preview
from members.previews import make_preview, queue_missing, soffice
from tests.factories import make_item

pytestmark = pytest.mark.django_db

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def word_document(*paragraphs: str) -> bytes:
    """A real .docx, with the parts Word itself writes and LibreOffice needs to open one."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}">'
            f"<w:body>{body}</w:body></w:document>",
        )
    return buf.getvalue()


def workbook(*rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def material_of(liaison, name, content, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item = make_item(liaison, files=[SimpleUploadedFile(name, content)])
    material = item.materials.get()
    return item, material, reverse("meetings:material-download", args=[item.pk, material.pk])


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_libreoffice_is_installed_for_the_tests():
    # `make test` installs it (scripts/install-system-deps): the tests below use the real one.
    assert soffice() is not None


def test_a_word_material_is_queued_then_previewed_as_pdf_and_opens_inline(
    client, liaison, django_capture_on_commit_callbacks
):
    content = word_document("城乡低保标准调整方案", "自2027年1月1日起执行。")
    item, material, url = material_of(
        liaison, "低保标准调整方案.docx", content, django_capture_on_commit_callbacks
    )
    assert material.preview_status == Preview.PENDING
    queued = DBTaskResult.objects.get(task_path="members.previews.make_preview")
    assert queued.args_kwargs["args"] == ["meetings.Material", material.pk]
    client.force_login(liaison)
    assert "预览生成中" in client.get(item.get_absolute_url()).text

    assert make_preview.call("meetings.Material", material.pk) == Preview.READY

    material.refresh_from_db()
    assert material.preview_status == Preview.READY and len(material.preview_sha256) == 64
    page = client.get(item.get_absolute_url()).text
    assert f'href="{url}?view=1"' in page and "预览生成中" not in page
    view = client.get(url, {"view": "1"})
    assert view.status_code == 200 and view["Content-Type"] == "application/pdf"
    assert view["Content-Disposition"].startswith("inline;")
    assert "%E9%A2%84%E8%A7%88" in view["Content-Disposition"]  # （预览）in the name
    assert view["X-Content-Type-Options"] == "nosniff"
    text = pdf_text(body(view))
    assert "城乡低保标准调整方案" in text and "自2027年1月1日起执行" in text
    download = client.get(url)  # 下载 stays: the original file, as an attachment
    assert download["Content-Disposition"].startswith("attachment;")
    assert body(download) == content


def test_an_excel_material_is_previewed_with_its_cells(liaison, django_capture_on_commit_callbacks):
    content = workbook(["指标", "人次"], ["临时救助", 1234], ["医疗救助", 567])
    _, material, _ = material_of(
        liaison, "救助台账.xlsx", content, django_capture_on_commit_callbacks
    )
    assert make_preview.call("meetings.Material", material.pk) == Preview.READY
    material.refresh_from_db()
    with material.preview.open("rb") as f:
        text = pdf_text(f.read())
    assert "临时救助" in text and "1234" in text and "医疗救助" in text


def test_a_second_run_keeps_the_first_preview(liaison, django_capture_on_commit_callbacks):
    _, material, _ = material_of(
        liaison, "方案.docx", word_document("方案"), django_capture_on_commit_callbacks
    )
    make_preview.call("meetings.Material", material.pk)
    material.refresh_from_db()
    first = (material.preview.name, material.preview_sha256)
    assert make_preview.call("meetings.Material", material.pk) == Preview.READY
    material.refresh_from_db()
    assert (material.preview.name, material.preview_sha256) == first


@override_settings(JIUZHU_SOFFICE="/nonexistent/soffice")
def test_without_libreoffice_the_file_only_downloads_and_the_page_says_so(
    client, liaison, django_capture_on_commit_callbacks
):
    item, material, url = material_of(
        liaison, "方案.docx", word_document("方案"), django_capture_on_commit_callbacks
    )
    assert make_preview.call("meetings.Material", material.pk) == Preview.UNAVAILABLE
    client.force_login(liaison)
    page = client.get(item.get_absolute_url()).text
    assert "未安装 LibreOffice，仅可下载" in page and f"{url}?view=1" not in page
    response = client.get(url, {"view": "1"})  # asked anyway: the file itself, to download
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == Material.objects.get().content_type


@override_settings(JIUZHU_PREVIEW_TIMEOUT=0.01)
def test_a_conversion_that_does_not_finish_fails_and_the_page_says_so(
    client, liaison, django_capture_on_commit_callbacks
):
    item, material, url = material_of(
        liaison, "方案.docx", word_document("方案"), django_capture_on_commit_callbacks
    )
    assert make_preview.call("meetings.Material", material.pk) == Preview.FAILED
    material.refresh_from_db()
    assert not material.preview and material.preview_sha256 == ""
    client.force_login(liaison)
    page = client.get(item.get_absolute_url()).text
    assert "预览生成失败，仅可下载" in page and f"{url}?view=1" not in page


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("会议材料.pdf", b"%PDF-1.4\n%test\n", "application/pdf"),
        ("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10, "image/png"),
    ],
)
def test_pdfs_and_images_open_inline_and_still_download(
    client, liaison, name, content, content_type, django_capture_on_commit_callbacks
):
    item, material, url = material_of(liaison, name, content, django_capture_on_commit_callbacks)
    assert material.preview_status == Preview.NONE
    assert not DBTaskResult.objects.exists()  # nothing to convert
    client.force_login(liaison)
    assert f'href="{url}?view=1"' in client.get(item.get_absolute_url()).text
    view = client.get(url, {"view": "1"})
    assert view["Content-Type"] == content_type and view["Content-Disposition"].startswith(
        "inline;"
    )
    assert body(view) == content and view["X-Content-Type-Options"] == "nosniff"
    assert client.get(url)["Content-Disposition"].startswith("attachment;")


def test_a_preview_changed_on_disk_is_refused(client, liaison, django_capture_on_commit_callbacks):
    _, material, url = material_of(
        liaison, "方案.docx", word_document("方案"), django_capture_on_commit_callbacks
    )
    make_preview.call("meetings.Material", material.pk)
    material.refresh_from_db()
    Path(material.preview.path).write_bytes(b"%PDF-1.4 changed")
    client.force_login(liaison)
    assert client.get(url, {"view": "1"}).status_code == 409


def test_viewing_is_allowed_exactly_where_downloading_is(
    client, personas, liaison, django_capture_on_commit_callbacks
):
    _, material, url = material_of(
        liaison, "方案.docx", word_document("方案"), django_capture_on_commit_callbacks
    )
    make_preview.call("meetings.Material", material.pk)
    seen = {}
    for name, user in personas.items():
        client.force_login(user)
        seen[name] = (client.get(url).status_code, client.get(url, {"view": "1"}).status_code)
        client.logout()
    assert all(download == view for download, view in seen.values()), seen
    assert {name for name, (code, _) in seen.items() if code == 200} >= {"office", "liaison"}
    assert any(code != 200 for code, _ in seen.values())  # someone is refused both


def test_files_stored_before_previews_are_queued_by_make_previews(liaison):
    item = make_item(liaison, files=[SimpleUploadedFile("旧方案.docx", word_document("旧"))])
    Material.objects.update(preview_status=Preview.NONE)
    make_item(liaison, files=[SimpleUploadedFile("材料.pdf", b"%PDF-1.4\n%x\n")])
    DBTaskResult.objects.all().delete()
    assert queue_missing() == 1
    material = item.materials.get()
    assert material.preview_status == Preview.PENDING
    assert DBTaskResult.objects.get().args_kwargs["args"] == ["meetings.Material", material.pk]
