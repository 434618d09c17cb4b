"""The 核验 page's answers: is this file one the office issued, unchanged, signed by the office?

Two questions, one lookup. A file (or a typed SHA-256) is first looked up among the stored issued
files by its SHA-256: a match means it is byte for byte what was issued. Then the stored file's
signature is checked (meetings/signing.py), so the answer names the signer and the signing
time. A file that matches nothing is examined for a signature, to tell "changed after signing"
from "not signed by the office" from "never ours".

Every kind of issued file that can be checked is one entry of ISSUED_KINDS (today: the minutes
PDF). Another kind — the minutes as OFD, say — is one more IssuedKind there: how to find its
files by SHA-256 and by number, and whether they carry a PAdES signature. Nothing here writes
to the database or the file store.
"""

import datetime
import hashlib
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from . import signing
from .models import Minutes

logger = logging.getLogger(__name__)

NUMBER = re.compile(r"(\d{4})\D{1,4}?(\d{1,4})")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
LABEL_IN_TEXT = re.compile(r"〔\d{4}〕第\d+期")


@dataclass(frozen=True)
class IssuedFile:
    """One stored issued file, as the 核验 page describes it."""

    title: str  # 〔2026〕第1期纪要
    format: str  # PDF
    issued_at: datetime.datetime
    sha256: str
    file: FieldFile
    signed: bool  # it carries the office's PAdES signature (issued after signing began)

    def read(self) -> bytes:
        with self.file.open("rb") as f:
            return f.read()


@dataclass(frozen=True)
class IssuedKind:
    """A kind of issued file: how to find its files by SHA-256 and by (year, number)."""

    format: str
    by_sha256: Callable[[str], list[IssuedFile]]
    by_number: Callable[[int, int], list[IssuedFile]]
    pades: bool = True  # its files are PDFs whose signature check_pdf_signature can read


def _minutes_pdf(minutes: Minutes) -> IssuedFile:
    return IssuedFile(
        title=f"{minutes.number_label}纪要",
        format="PDF",
        issued_at=minutes.issued_at,
        sha256=minutes.pdf_sha256,
        file=minutes.pdf,
        signed=True,
    )


def _issued_minutes():
    return Minutes.objects.filter(status=Minutes.Status.ISSUED).exclude(pdf="")


MINUTES_PDF = IssuedKind(
    format="PDF",
    by_sha256=lambda sha: [_minutes_pdf(m) for m in _issued_minutes().filter(pdf_sha256=sha)],
    by_number=lambda year, number: [
        _minutes_pdf(m) for m in _issued_minutes().filter(year=year, number=number)
    ],
)


def _minutes_ofd(minutes: Minutes) -> IssuedFile:
    # The OFD copy is made from the signed PDF and kept with its own SHA-256; it carries no
    # PAdES signature of its own, so it is checked byte for byte against the stored copy.
    return IssuedFile(
        title=f"{minutes.number_label}纪要（OFD 副本）",
        format="OFD",
        issued_at=minutes.issued_at,
        sha256=minutes.ofd_sha256,
        file=minutes.ofd,
        signed=False,
    )


def _minutes_with_ofd():
    return Minutes.objects.filter(status=Minutes.Status.ISSUED).exclude(ofd="")


MINUTES_OFD = IssuedKind(
    format="OFD",
    by_sha256=lambda sha: [_minutes_ofd(m) for m in _minutes_with_ofd().filter(ofd_sha256=sha)],
    by_number=lambda year, number: [
        _minutes_ofd(m) for m in _minutes_with_ofd().filter(year=year, number=number)
    ],
    pades=False,
)
ISSUED_KINDS: list[IssuedKind] = [MINUTES_PDF, MINUTES_OFD]


def find_by_sha256(sha: str) -> IssuedFile | None:
    for kind in ISSUED_KINDS:
        if found := kind.by_sha256(sha):
            return found[0]
    return None


def find_by_number(year: int, number: int) -> list[IssuedFile]:
    return [f for kind in ISSUED_KINDS for f in kind.by_number(year, number)]


# --- answers ------------------------------------------------------------------------------------


class Outcome(StrEnum):
    AUTHENTIC = "authentic"  # one of ours, unchanged (and signed, when it is a signed kind)
    CHANGED = "changed"  # our signature, but the file was changed after signing
    UNTRUSTED = "untrusted"  # signed, but not with the office's certificate
    INVALID = "invalid"  # a signature that does not check out
    UNKNOWN = "unknown"  # matches nothing we issued
    MISMATCH = "mismatch"  # the number exists, the SHA-256 is another
    REFUSED = "refused"  # not a file we can examine (not a PDF, encrypted, too large, cut short)


@dataclass
class Verdict:
    outcome: Outcome
    message: str
    details: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.AUTHENTIC


def _signature_details(check: signing.SignatureCheck) -> list[tuple[str, str]]:
    if not check.signer:
        return []
    return [
        ("签名者", check.signer),
        ("签名时间", check.signed_at_label),
        ("签名证书指纹（SHA-256）", check.fingerprint),
    ]


def _issued_date(issued: IssuedFile) -> str:
    day = timezone.localtime(issued.issued_at).date()
    return f"{day.year}年{day.month}月{day.day}日"  # as meetings.pdf.cn_date, without WeasyPrint


def _authentic(issued: IssuedFile) -> Verdict:
    """A stored issued file: say what it is, and what its signature says."""
    head = f"本系统于{_issued_date(issued)}印发的{issued.title}"
    details = [("文件 SHA-256", issued.sha256), ("格式", issued.format)]
    if not issued.signed:
        return Verdict(
            Outcome.AUTHENTIC, f"{head}，文件完整（与印发时保存的文件逐字节一致）。", details
        )
    try:
        data = issued.read()
    except OSError:
        logger.error("stored issued file missing: %s", issued.file.name)
        return Verdict(
            Outcome.AUTHENTIC,
            f"{head}，文件完整（与印发时记录的 SHA-256 一致）；存档文件暂时无法读取，签名未能复核，"
            "请告知办公室。",
            details,
        )
    check = signing.check_pdf_signature(data, moment=issued.issued_at)
    details += _signature_details(check)
    if check.state == signing.SignatureState.VALID:
        return Verdict(
            Outcome.AUTHENTIC,
            f"{head}，文件完整、签名有效（签名者：{check.signer}，时间：{check.signed_at_label}）。",
            details,
        )
    if check.state == signing.SignatureState.UNSIGNED:
        return Verdict(
            Outcome.AUTHENTIC,
            f"{head}，文件完整（与印发时保存的文件逐字节一致）；该文件印发于启用数字签名之前，没有签名。",
            details,
        )
    # Our own stored file whose signature no longer checks: its certificate is no longer among
    # the office's (a renewal without SIGNING_PREVIOUS_CERTIFICATES), or the store was altered.
    logger.error("stored issued file fails its signature check: %s (%s)", issued.title, check.state)
    return Verdict(
        Outcome.AUTHENTIC,
        f"{head}，文件与印发时记录的 SHA-256 一致，但签名未能通过复核（签名证书不在本系统认可的证书之列）。"
        "请告知办公室核查。",
        details,
    )


def _claimed_label(data: bytes) -> str:
    """The issue number the file says it is (from its metadata), for a clearer refusal."""
    try:
        from pypdf import PdfReader

        meta = PdfReader(io.BytesIO(data), strict=False).metadata or {}
        text = " ".join(str(meta.get(k, "")) for k in ("/Title", "/Keywords", "/Subject"))
    except Exception:  # noqa: BLE001 — a damaged file simply claims nothing
        return ""
    match = LABEL_IN_TEXT.search(text)
    return match.group(0) if match else ""


def verify_file(data: bytes) -> Verdict:
    """The answer for an uploaded file's bytes (already within VERIFY_MAX_BYTES)."""
    sha = hashlib.sha256(data).hexdigest()
    issued = find_by_sha256(sha)
    if issued is not None:
        return _authentic(issued)
    details = [("文件 SHA-256", sha)]
    if data.startswith(b"PK\x03\x04"):  # an OFD package (a zip) that matches no stored copy
        return Verdict(
            Outcome.UNKNOWN,
            "这个 OFD 文件与本系统印发的任何纪要 OFD 副本都不一致：可能不是本系统印发的，"
            "或印发后被改动过。请向办公室索取原件。",
            details,
        )
    if not data.startswith(b"%PDF-"):
        return Verdict(
            Outcome.REFUSED,
            "上传的文件不是 PDF 文件，无法核验。请上传收到的纪要 PDF 原件，"
            "或在下方输入期号和 SHA-256。",
            details,
        )
    if b"%%EOF" not in data[-2048:]:
        return Verdict(
            Outcome.REFUSED,
            "文件不完整（结尾缺失，可能下载或复制时中断），与本系统印发的任何文件都不一致。"
            "请重新下载或向办公室索取原件后再核验。",
            details,
        )
    if _encrypted(data):
        return Verdict(
            Outcome.REFUSED,
            "文件已加密（设置了密码或权限），无法核验。本系统印发的纪要从不加密：请上传收到的原件。",
            details,
        )
    claimed = _claimed_label(data)
    claim = f"这份文件自称{claimed}纪要，但" if claimed else ""
    check = signing.check_pdf_signature(data)
    details += _signature_details(check)
    state = signing.SignatureState
    if check.state == state.CHANGED:
        return Verdict(
            Outcome.CHANGED,
            f"{claim}文件在签名后被改动过：它不是本系统印发的原件，内容不可信。",
            details,
        )
    if check.state == state.UNTRUSTED:
        return Verdict(
            Outcome.UNTRUSTED,
            f"{claim}签名不是本系统办公室的证书所签（签名者：{check.signer}），不予认可；"
            "与本系统印发的任何文件都不一致。",
            details,
        )
    if check.state == state.INVALID:
        return Verdict(
            Outcome.INVALID,
            f"{claim}文件中的签名无效（签名数据已损坏或与文件内容不符），与本系统印发的任何文件都不一致。",
            details,
        )
    if check.state == state.VALID:
        # The office's signature over the whole file, yet no such file on record.
        return Verdict(
            Outcome.UNKNOWN,
            f"文件带有本系统办公室的有效签名，但本系统没有印发过这份文件的记录{f'（自称{claimed}）' if claimed else ''}。"
            "请向办公室核实。",
            details,
        )
    return Verdict(
        Outcome.UNKNOWN,
        f"{claim}与本系统印发的任何文件都不一致，文件中也没有办公室的签名。",
        details,
    )


def _encrypted(data: bytes) -> bool:
    try:
        from pypdf import PdfReader

        return PdfReader(io.BytesIO(data), strict=False).is_encrypted
    except Exception:  # noqa: BLE001 — unreadable: the signature check says so
        return False


def parse_number(text: str) -> tuple[int, int] | None:
    """〔2026〕第1期, [2026]1, 2026-1, 2026年第1期 → (2026, 1)."""
    match = NUMBER.search(text or "")
    if not match:
        return None
    year, number = int(match.group(1)), int(match.group(2))
    return (year, number) if number > 0 else None


def normalise_sha256(text: str) -> str:
    return re.sub(r"[\s:-]", "", text or "").lower()


def verify_digest(year: int, number: int, sha: str) -> Verdict:
    """The answer for a typed number and SHA-256."""
    label = f"〔{year}〕第{number}期纪要"
    files = find_by_number(year, number)
    for issued in files:
        if issued.sha256 == sha:
            return _authentic(issued)
    other = find_by_sha256(sha)
    if other is not None:
        return Verdict(
            Outcome.MISMATCH,
            f"这个 SHA-256 属于本系统于{_issued_date(other)}印发的{other.title}，不是{label}。"
            "请核对期号。",
            [("文件 SHA-256", sha)],
        )
    if not files:
        return Verdict(
            Outcome.UNKNOWN, f"本系统没有印发过{label}。请核对期号。", [("文件 SHA-256", sha)]
        )
    return Verdict(
        Outcome.MISMATCH,
        f"本系统印发的{label}的 SHA-256 与您输入的不一致：您手中的文件不是印发时的原件，"
        "或已被改动（也请核对输入是否有误）。",
        [("您输入的 SHA-256", sha)],
    )


def max_upload_label() -> str:
    return f"{settings.VERIFY_MAX_BYTES // (1024 * 1024)} MB"
