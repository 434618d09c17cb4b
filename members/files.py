"""Stored files: 议题材料, 进展反馈附件, 个案材料 and the issued minutes PDF.

One model base (`StoredFile`), one upload check (`check_upload` / `store_uploads`) and one way to
serve a file (`serve_stored_file`), so every attachment gets the same checks on the way in and the
same headers on the way out. Lives here because members is the app everything depends on.
"""

import hashlib
import logging
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.http import content_disposition_header

logger = logging.getLogger(__name__)

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 20 * MB
# An Office document is a zip: a few hundred KB can expand to gigabytes (a zip bomb) in whatever
# opens it later — the office's Word, a preview, a virus scanner. These bound what we accept.
MAX_UNZIPPED_BYTES = 100 * MB
MAX_ZIP_ENTRIES = 10_000

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .doc/.xls/.ppt
ZIP = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class Kind:
    """What a file with a given extension must look like inside, and how it is served."""

    magic: bytes
    content_type: str
    # Office Open XML: a zip whose parts live under this folder (word/, xl/, ppt/).
    package_part: str = ""


KINDS = {
    ".pdf": Kind(PDF_MAGIC, "application/pdf"),
    ".doc": Kind(OLE2, "application/msword"),
    ".xls": Kind(OLE2, "application/vnd.ms-excel"),
    ".ppt": Kind(OLE2, "application/vnd.ms-powerpoint"),
    ".docx": Kind(
        ZIP,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "word/",
    ),
    ".xlsx": Kind(ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/"),
    ".pptx": Kind(
        ZIP,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "ppt/",
    ),
    ".jpg": Kind(b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": Kind(b"\xff\xd8\xff", "image/jpeg"),
    ".png": Kind(b"\x89PNG\r\n\x1a\n", "image/png"),
}
ALLOWED_LABEL = "pdf、doc、docx、xls、xlsx、ppt、pptx、jpg、png"


def content_type_for(name: str) -> str:
    """The Content-Type a file of this name is served with (its content was checked on upload)."""
    kind = KINDS.get(PurePath(name).suffix.lower())
    return kind.content_type if kind else "application/octet-stream"


# --- the model base -----------------------------------------------------------------------------


def stored_file_path(instance, filename):
    # Never the user's file name on disk: it is kept in `name` and given back on download.
    return f"{instance.upload_folder()}/{instance.sha256}"


def preview_path(instance, filename):
    return f"{instance.upload_folder()}/{instance.sha256}.preview.pdf"


# Word, Excel and PowerPoint: browsers cannot show them, so a PDF preview is made by LibreOffice
# in the task worker (members/previews.py) where it is installed.
OFFICE_TYPES = frozenset(
    kind.content_type for ext, kind in KINDS.items() if ext[1:4] in ("doc", "xls", "ppt")
)
# What a browser shows itself when served inline.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


class Preview(models.TextChoices):
    NONE = "", "无需预览"  # a PDF or an image opens as it is
    PENDING = "pending", "预览生成中"
    READY = "ready", "可预览"
    UNAVAILABLE = "unavailable", "未安装 LibreOffice，仅可下载"
    FAILED = "failed", "预览生成失败，仅可下载"


class StoredFile(models.Model):
    """An uploaded file kept outside any public URL, served only through `serve_stored_file`."""

    file = models.FileField("文件", upload_to=stored_file_path, max_length=200)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveBigIntegerField("大小（字节）")
    content_type = models.CharField("文件类型", max_length=100)
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    preview = models.FileField("预览 PDF", upload_to=preview_path, max_length=200, blank=True)
    preview_sha256 = models.CharField("预览 SHA-256", max_length=64, blank=True)
    preview_status = models.CharField(
        "预览", max_length=12, choices=Preview.choices, default=Preview.NONE, blank=True
    )

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name

    def upload_folder(self) -> str:
        """The folder under MEDIA_ROOT that holds this file, e.g. materials/<item id>."""
        raise NotImplementedError

    @property
    def viewable(self) -> bool:
        """查看 is offered: the browser shows the file itself, or its PDF preview is ready."""
        return self.content_type in INLINE_TYPES or self.preview_status == Preview.READY

    @property
    def preview_note(self) -> str:
        """Why there is no 查看 yet (预览生成中) or at all (…仅可下载); empty when there is."""
        if self.preview_status == Preview.READY or self.content_type in INLINE_TYPES:
            return ""
        if self.preview_status == Preview.NONE:  # stored before previews, not yet queued
            return "仅可下载"
        return self.get_preview_status_display()


@dataclass(frozen=True)
class ServedFile:
    """A file kept as a field of another model (the issued minutes PDF), served like a StoredFile."""

    file: FieldFile
    name: str
    content_type: str
    sha256: str


# --- checks on the way in -----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedUpload:
    sha256: str
    content_type: str


def check_upload(upload) -> CheckedUpload:
    """Refuse anything but the allowed kinds of file, judged by content; return its SHA-256 and
    the Content-Type it will be served with. Raises ValidationError with the Chinese reason."""
    name = PurePath(upload.name or "").name
    ext = PurePath(name).suffix.lower()
    kind = KINDS.get(ext)
    if kind is None:
        raise ValidationError(f"“{name}”的文件类型不允许上传，只接受 {ALLOWED_LABEL} 文件。")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(f"“{name}”超过 20 MB，请压缩或拆分后再上传。")
    if upload.size == 0:
        raise ValidationError(f"“{name}”是空文件。")
    upload.seek(0)
    if not upload.read(len(kind.magic)).startswith(kind.magic):
        raise ValidationError(f"“{name}”的内容与扩展名不符，不是有效的 {ext[1:]} 文件。")
    if kind.magic == ZIP:
        _check_package(upload, name, ext, kind)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(digest.hexdigest(), kind.content_type)


def _check_package(upload, name, ext, kind):
    """A zip-based Office document: bounded in entries and uncompressed size, and really one."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise ValidationError(
                    f"“{name}”内含 {len(entries)} 个压缩条目，超过 {MAX_ZIP_ENTRIES} 个的上限，"
                    "不予上传。"
                )
            total = sum(entry.file_size for entry in entries)
            if total > MAX_UNZIPPED_BYTES:
                raise ValidationError(
                    f"“{name}”解压后有 {total / MB:.0f} MB，超过 {MAX_UNZIPPED_BYTES // MB} MB "
                    "的上限（可能是“压缩炸弹”），不予上传。"
                )
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" not in names or not any(
                n.startswith(kind.package_part) for n in names
            ):
                raise ValidationError(f"“{name}”的内容与扩展名不符，不是有效的 {ext[1:]} 文件。")
            # The sizes above are what the archive claims. Reading every entry proves them: the
            # reader stops at the claimed size and checks the CRC, so an entry that would expand
            # further than it claims fails here instead of in whoever opens it later.
            for entry in entries:
                with archive.open(entry) as part:
                    while part.read(MB):
                        pass
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError):
        # RuntimeError: an encrypted entry; NotImplementedError: an unknown compression method.
        raise ValidationError(f"“{name}”已损坏或无法读取，请重新保存后再上传。") from None
    finally:
        upload.seek(0)


def store_uploads(files, make_row, error_class):
    """Check every upload, then save each under its SHA-256 in a row made by `make_row(upload, sha)`.

    All are checked before any is stored, so a refused file leaves nothing behind: no row (the
    caller's transaction rolls back) and no file on disk. A refusal raises `error_class` with the
    Chinese reason.
    """
    checked = []
    for upload in files or []:
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as e:
            raise error_class(e.messages[0]) from e
    for upload, result in checked:
        row = make_row(upload, result.sha256)
        row.content_type = result.content_type
        if result.content_type in OFFICE_TYPES:
            row.preview_status = Preview.PENDING
        row.file.save(result.sha256, upload, save=False)
        row.save()
        if row.preview_status == Preview.PENDING:
            from members.previews import queue_preview  # previews imports this module

            queue_preview(row)


# --- serving on the way out ---------------------------------------------------------------------


def ascii_filename(name: str) -> str:
    """An ASCII stand-in for `name`, for clients that do not read RFC 6266's filename*."""
    path = PurePath(unicodedata.normalize("NFKC", name))
    suffix = path.suffix if path.suffix.isascii() else ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", path.stem).strip("._-")
    return f"{stem or 'file'}{suffix}"


def content_disposition(name: str, *, inline: bool = False) -> str:
    """Both forms RFC 6266 asks for: filename="ascii" and filename*=UTF-8''percent-encoded.

    Django's content_disposition_header gives only filename* for a non-ASCII name; it is used
    here for the quoted ASCII form, and the UTF-8 form carries the real (Chinese) name.
    """
    head = content_disposition_header(not inline, ascii_filename(name))
    return f"{head}; filename*=UTF-8''{quote(name, safe='')}"


def _sha256_of(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(MB), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def serve_stored_file(request, stored, *, inline=False, log=None):
    """The response for a file the caller has already allowed `request.user` to see.

    `stored` is a StoredFile or a ServedFile. The bytes must still match the SHA-256 recorded
    when the file was stored — what was sent to the units must never change — or the download is
    refused (409). `log()`, if given, runs once the file is known good: the case rules' access log,
    the minutes' download count.

    `?view=1` on any file link asks for 查看 instead of 下载: a PDF or an image is sent inline, a
    Word/Excel file sends its PDF preview inline if one is ready (else it downloads).
    """
    if request.GET.get("view") == "1" and isinstance(stored, StoredFile):
        inline = True
        if stored.preview_status == Preview.READY:
            stored = ServedFile(
                stored.preview,
                f"{PurePath(stored.name).stem}（预览）.pdf",
                "application/pdf",
                stored.preview_sha256,
            )
    inline = inline and stored.content_type in INLINE_TYPES
    try:
        handle = stored.file.open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: the field holds no file
        raise Http404("文件不存在。") from None
    if _sha256_of(handle) != stored.sha256:
        handle.close()
        logger.error("%s does not match its SHA-256; download refused.", stored.file.name)
        return render(request, "members/file_changed.html", {"stored": stored}, status=409)
    if log is not None:
        log()
    response = FileResponse(handle, content_type=stored.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition(stored.name, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    # Only ever served after a permission check: no shared cache, and not left on a shared
    # office computer's disk cache either.
    response["Cache-Control"] = "private, no-store"
    return response
