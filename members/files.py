"""Uploaded attachments (议题材料, 进展反馈附件, …): what may be uploaded, checked by name, size and
content. Shared by every app; lives here because members is the app everything depends on."""

import hashlib
from pathlib import PurePath

from django.core.exceptions import ValidationError

MAX_MATERIAL_BYTES = 20 * 1024 * 1024
ALLOWED = {
    # extension: magic bytes the file must start with
    ".pdf": (b"%PDF-",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),  # OLE2 compound file
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".docx": (b"PK\x03\x04",),  # Office Open XML is a zip
    ".xlsx": (b"PK\x03\x04",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
ALLOWED_LABEL = "pdf、doc、docx、xls、xlsx、jpg、png"


def check_material(upload) -> str:
    """Refuse anything but the allowed kinds of file; return the file's SHA-256."""
    name = PurePath(upload.name or "").name
    ext = PurePath(name).suffix.lower()
    if ext not in ALLOWED:
        raise ValidationError(f"“{name}”的文件类型不允许上传，只接受 {ALLOWED_LABEL} 文件。")
    if upload.size > MAX_MATERIAL_BYTES:
        raise ValidationError(f"“{name}”超过 20 MB，请压缩或拆分后再上传。")
    if upload.size == 0:
        raise ValidationError(f"“{name}”是空文件。")
    upload.seek(0)
    head = upload.read(16)
    if not any(head.startswith(magic) for magic in ALLOWED[ext]):
        raise ValidationError(f"“{name}”的内容与扩展名不符，不是有效的 {ext[1:]} 文件。")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def store_uploads(files, make_row, error_class):
    """Check each upload, then save it under its SHA-256 in a row made by `make_row(upload, sha)`.

    A refused file raises `error_class` with the Chinese reason; the caller's transaction then
    rolls back the rows already written.
    """
    for upload in files or []:
        try:
            sha = check_material(upload)
        except ValidationError as e:
            raise error_class(e.messages[0]) from e
        row = make_row(upload, sha)
        row.file.save(sha, upload, save=False)
        row.save()
