"""PDF previews of Word, Excel and PowerPoint attachments, made by LibreOffice in the task worker.

A browser opens a PDF or an image itself; a .docx or .xlsx it can only download. Where
LibreOffice is installed (Debian's libreoffice-writer-nogui / libreoffice-calc-nogui; `make run`
does not need it), the worker converts each such upload once (`soffice --headless --convert-to
pdf`), and the PDF is stored beside the file with its SHA-256 and served by the same permission-
checked view (`?view=1`, members.files.serve_stored_file). Without LibreOffice, or when the
conversion fails or takes too long, the file stays download-only and its page says why.

The conversion runs outside any transaction (it takes seconds); the row is locked only to record
the result, so two workers that raced on one file store one preview.
"""

import hashlib
import logging
import shutil
import subprocess
import tempfile
from functools import partial
from pathlib import Path, PurePath

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.tasks import task

from members.files import OFFICE_TYPES, PDF_MAGIC, Preview

logger = logging.getLogger(__name__)


def soffice() -> str | None:
    """The LibreOffice program: settings.JIUZHU_SOFFICE if set, else soffice on PATH."""
    configured = getattr(settings, "JIUZHU_SOFFICE", "")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def queue_preview(row) -> None:
    """Ask the worker for a preview of `row` (a StoredFile) once the upload has committed."""
    job = partial(make_preview.enqueue, row._meta.label, row.pk)
    transaction.on_commit(job, robust=True)


@task()
def make_preview(model: str, pk: int) -> str:
    """Run by the worker: convert one stored Office file to PDF and record what happened."""
    row = apps.get_model(model).objects.filter(pk=pk).first()
    if row is None or row.content_type not in OFFICE_TYPES:
        return "skipped"
    if row.preview_status == Preview.READY:
        return "ready"
    program = soffice()
    if program is None:
        return _record(row, Preview.UNAVAILABLE)
    with tempfile.TemporaryDirectory(prefix="jiuzhu-preview-") as tmp:
        pdf = _convert(program, row, Path(tmp))
        if pdf is None:
            return _record(row, Preview.FAILED)
        return _record(row, Preview.READY, pdf)


def _convert(program: str, row, tmp: Path) -> Path | None:
    source = tmp / f"source{PurePath(row.name).suffix.lower()}"
    digest = hashlib.sha256()
    with row.file.open("rb") as stored, source.open("wb") as copy:
        for chunk in iter(lambda: stored.read(1024 * 1024), b""):
            digest.update(chunk)
            copy.write(chunk)
    if digest.hexdigest() != row.sha256:
        logger.error("%s does not match its SHA-256; no preview made.", row.file.name)
        return None
    command = [
        program,
        "--headless",
        "--norestore",
        "--nologo",
        "--nolockcheck",
        # A profile of its own: two conversions at once (two workers) must not share one.
        f"-env:UserInstallation={(tmp / 'profile').as_uri()}",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp),
        str(source),
    ]
    try:
        subprocess.run(
            command,
            cwd=tmp,
            capture_output=True,
            timeout=getattr(settings, "JIUZHU_PREVIEW_TIMEOUT", 120),
            check=True,
        )
    except (subprocess.SubprocessError, OSError) as e:
        logger.warning("LibreOffice could not convert %s: %s", row.file.name, e)
        return None
    pdf = tmp / "source.pdf"
    if not pdf.exists() or pdf.read_bytes()[: len(PDF_MAGIC)] != PDF_MAGIC:
        logger.warning("LibreOffice made no PDF of %s.", row.file.name)
        return None
    return pdf


def _record(row, status: str, pdf: Path | None = None) -> str:
    with transaction.atomic():
        row = type(row).objects.select_for_update().get(pk=row.pk)
        if row.preview_status == Preview.READY:
            return "ready"  # another worker finished first
        if pdf is not None:
            data = pdf.read_bytes()
            row.preview_sha256 = hashlib.sha256(data).hexdigest()
            with pdf.open("rb") as handle:
                row.preview.save("preview.pdf", File(handle), save=False)
        row.preview_status = status
        row.save(update_fields=["preview", "preview_sha256", "preview_status"])
    return status


def queue_missing() -> int:
    """Queue a preview for every Office file that has none (after LibreOffice is installed, or
    for files stored before previews existed). Returns how many were queued."""
    from members.files import StoredFile

    queued = 0
    for model in apps.get_models():
        if not issubclass(model, StoredFile):
            continue
        rows = model.objects.filter(content_type__in=OFFICE_TYPES).exclude(
            preview_status=Preview.READY
        )
        pks = list(rows.values_list("pk", flat=True))
        rows.update(preview_status=Preview.PENDING)
        for pk in pks:
            make_preview.enqueue(model._meta.label, pk)
        queued += len(pks)
    return queued
