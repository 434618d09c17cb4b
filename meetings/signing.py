"""The office's digital signature on every issued file (PAdES, with pyHanko), and checking it.

Signing: `sign_pdf(pdf) -> pdf` adds one invisible certification signature (DocMDP "no changes")
as an incremental update, so the bytes WeasyPrint wrote stay exactly as they were and the file
keeps its PDF/A-2u identity (pyHanko updates the XMP packet and the Info dictionary together,
the signature's byte range covers the whole file, the widget has a zero-size rectangle and the
print flag, nothing is encrypted). Baseline B-B; B-T when SIGNING_TSA_URL names an RFC 3161
time-stamping service, whose token then carries the signing time.

The key and certificate come from a PKCS#12 file (SIGNING_PKCS12) and its passphrase
(SIGNING_PASSPHRASE), both named in the environment. They are read only here: no view, log
line, error message or backup holds them (the file must live outside MEDIA_ROOT, which the
backups copy, and outside static/; `check --deploy` and signing itself refuse it there).

Checking: `check_pdf_signature(pdf)` validates the signature against the office's certificate
(and the previous ones in SIGNING_PREVIOUS_CERTIFICATES, so files issued before a renewal still
check) — a signature by any other certificate, however valid in itself, is not the office's.
"""

import asyncio
import concurrent.futures
import contextlib
import datetime
import hashlib
import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

FIELD_NAME = "OfficeSignature"
REASON = "印发"
LOCATION = "伊金霍洛旗"
TSA_TIMEOUT_SECONDS = 10
CONFIG_HINT = (
    "请系统管理员设置环境变量 JIUZHU_SIGNING_PKCS12（办公室证书的 PKCS#12 文件）和 "
    "JIUZHU_SIGNING_PASSPHRASE（其口令）后重启应用（见 README“部署”）。"
)


class SigningError(Exception):
    """The file cannot be signed; str(e) is the Chinese message the office sees. It never holds
    the passphrase, the key or a path's contents."""


@dataclass(frozen=True)
class OfficeKey:
    signer: object  # pyhanko.sign.signers.SimpleSigner
    certificate: object  # asn1crypto.x509.Certificate

    @property
    def subject(self) -> str:
        return certificate_subject(self.certificate)


_keys: dict[tuple, OfficeKey] = {}
_keys_lock = threading.Lock()


def _configured_path() -> Path | None:
    value = (getattr(settings, "SIGNING_PKCS12", None) or "").strip()
    return Path(value) if value else None


def _forbidden_folders() -> list[Path]:
    """Folders whose files leave the server: MEDIA_ROOT goes into every backup, static files
    are served to anyone."""
    folders = [Path(settings.MEDIA_ROOT), Path(settings.BASE_DIR, "static")]
    if getattr(settings, "STATIC_ROOT", None):
        folders.append(Path(settings.STATIC_ROOT))
    folders += [Path(d) for d in getattr(settings, "STATICFILES_DIRS", [])]
    return folders


def key_location_problem(path: Path) -> str:
    """Why the key file may not live where it is ("" when its place is fine)."""
    resolved = path.resolve()
    for folder in _forbidden_folders():
        if resolved.is_relative_to(folder.resolve()):
            return (
                f"办公室证书文件在 {folder} 之内：该目录会进入备份或被公开提供，私钥不能放在那里。"
                "请把证书文件移到其他目录（例如 /etc/jiuzhu/，只有运行应用的账号可读）。"
            )
    return ""


def load_office_key() -> OfficeKey:
    """The office's key and certificate, read once per process (again when the file changes).
    Raises SigningError when none is configured or it cannot be read."""
    from pyhanko.sign import signers

    path = _configured_path()
    if path is None:
        raise SigningError("系统没有配置办公室的数字证书，纪要无法签名。" + CONFIG_HINT)
    if problem := key_location_problem(path):
        raise SigningError(problem)
    try:
        stat = path.stat()
    except OSError:
        raise SigningError(f"找不到办公室证书文件 {path}。" + CONFIG_HINT) from None
    passphrase = (getattr(settings, "SIGNING_PASSPHRASE", None) or "").encode()
    cache_key = (str(path), stat.st_mtime_ns, stat.st_size, hashlib.sha256(passphrase).digest())
    with _keys_lock:
        key = _keys.get(cache_key)
    if key is None:
        try:
            data = path.read_bytes()
        except OSError:
            raise SigningError(f"无法读取办公室证书文件 {path}（权限不足？）。") from None
        try:
            loaded = signers.SimpleSigner.load_pkcs12_data(data, (), passphrase=passphrase or None)
        except (ValueError, TypeError):
            # The passphrase is not in the message, nor chained: cryptography's error may
            # describe the decrypted structure.
            raise SigningError(
                "办公室证书文件无法打开：口令不对，或文件不是含私钥的 PKCS#12 证书。" + CONFIG_HINT
            ) from None
        signer = _signer_class()(
            signing_key=loaded.signing_key,
            signing_cert=loaded.signing_cert,
            cert_registry=loaded.cert_registry,
        )
        key = OfficeKey(signer=signer, certificate=signer.signing_cert)
        with _keys_lock:
            _keys.clear()
            _keys[cache_key] = key
    return key


def office_key() -> OfficeKey:
    """The office's key, refused (SigningError) unless its certificate is valid today."""
    key = load_office_key()
    now = timezone.now()
    validity = key.certificate["tbs_certificate"]["validity"]
    if validity["not_after"].native <= now:
        raise SigningError(
            f"办公室证书已于{cn_datetime(validity['not_after'].native)}过期，纪要无法签名。"
            "请系统管理员换用新证书。"
        )
    if validity["not_before"].native > now:
        raise SigningError("办公室证书尚未生效，纪要无法签名。请检查服务器时间或证书。")
    return key


_signer_classes = []


def _signer_class():
    """pyHanko's SimpleSigner, but parsing the private key once rather than on every signature.

    SimpleSigner.sign_raw loads the key from DER each time it signs, and cryptography checks an
    RSA key's primes on every load: about 0.1 s for 2048 bits, twice per document (pyHanko
    signs once to size the signature, then for real). That is most of the signing time.
    """
    if _signer_classes:
        return _signer_classes[0]
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.signers import SimpleSigner

    class OfficeSigner(SimpleSigner):
        _loaded = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if mechanism.signature_algo != "rsassa_pkcs1v15":
                return super().sign_raw(data, digest_algorithm)
            from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
            from pyhanko.sign.general import get_pyca_cryptography_hash

            if self._loaded is None:
                self._loaded = serialization.load_der_private_key(
                    self.signing_key.dump(), password=None
                )
            return self._loaded.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))

    _signer_classes.append(OfficeSigner)
    return OfficeSigner


def certificate_subject(cert) -> str:
    """The certificate's common name (with its organisation when that adds something)."""
    subject = cert.subject.native
    name = subject.get("common_name") or ""
    organisation = subject.get("organization_name") or ""
    if isinstance(name, list):
        name = name[0]
    if isinstance(organisation, list):
        organisation = organisation[0]
    if organisation and organisation not in name:
        return f"{name}（{organisation}）" if name else organisation
    return name or organisation or "（证书未写明名称）"


def certificate_fingerprint(cert) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


def timestamper():
    url = (getattr(settings, "SIGNING_TSA_URL", None) or "").strip()
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=TSA_TIMEOUT_SECONDS)


def sign_pdf(pdf: bytes) -> bytes:
    """The PDF with the office's signature appended: PAdES B-B, or B-T with a time stamp."""
    import aiohttp
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError as HankoSigningError
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    key = office_key()
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=REASON,
        location=LOCATION,
        # A certification signature that allows no change at all: a reader (Adobe, Foxit, WPS)
        # flags any later edit, not only one inside the signed bytes.
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    stamper = timestamper()
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        _align_producer(writer)
        out = _outside_event_loop(
            signers.sign_pdf,
            writer,
            meta,
            signer=key.signer,
            timestamper=stamper,
            bytes_reserved=_reserve(key),
        )
    except (TimestampRequestError, aiohttp.ClientError, OSError) as e:
        # Refused, unreachable, timed out or an HTTP error; the URL is the administrator's,
        # not a secret.
        logger.warning("time-stamping service failed: %s", type(e).__name__)
        raise SigningError(
            f"时间戳服务（{settings.SIGNING_TSA_URL}）无法访问或答复有误，纪要未印发。"
            "请稍后再试，或请系统管理员检查 JIUZHU_SIGNING_TSA_URL。"
        ) from None
    except HankoSigningError as e:
        logger.warning("signing failed: %s", type(e).__name__)
        raise SigningError("纪要签名失败，纪要未印发。请联系系统管理员。") from None
    return out.getvalue()


def _outside_event_loop(function, *args, **kwargs):
    """Call one of pyHanko's synchronous functions, which run their own asyncio loop.

    In a thread that already runs a loop (an async caller, or Playwright's sync API in the
    browser tests) asyncio.run() refuses, so the call goes to a short-lived thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def _reserve(key: OfficeKey) -> int | None:
    """Bytes to reserve for the signature container, or None to let pyHanko measure.

    pyHanko measures by signing once in a dry run, which costs as much as the signature itself.
    Without a time stamp the container is the certificates plus a signer info of known bounds
    (signed attributes and the RSA signature: about 1 KiB at 4096 bits), so it is reserved
    from the certificates' sizes; a time stamp token's size is the service's, so pyHanko measures.
    """
    if getattr(settings, "SIGNING_TSA_URL", None):
        return None
    certs = [key.certificate, *key.signer.cert_registry]
    # pyHanko counts the reserved room in hexadecimal digits: two per byte.
    return 2 * (sum(len(c.dump()) for c in certs) + 2048)


def _align_producer(writer):
    """Make the Info dictionary's /Producer what pyHanko writes into the XMP packet.

    pyHanko appends itself to the Info producer ("WeasyPrint 70.0; pyHanko 0.38.0") but writes
    only "pyHanko 0.38.0" as the XMP pdf:Producer; PDF/A-2 (ISO 19005-2 6.6.2.3) wants the two
    equal. Starting the Info entry as pyHanko's own name keeps them equal.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    info_ref = writer.trailer.raw_get("/Info")
    if isinstance(info_ref, generic.IndirectObject):
        info_ref.get_object()["/Producer"] = generic.TextStringObject(VENDOR)
        writer.mark_update(info_ref)


# --- checking ----------------------------------------------------------------------------------


class SignatureState(StrEnum):
    VALID = "valid"  # intact, made with the office's certificate, covering the whole file
    CHANGED = "changed"  # the signed bytes were altered, or something was appended after
    UNTRUSTED = "untrusted"  # a sound signature, but not by the office's certificate
    INVALID = "invalid"  # the signature itself does not check out or cannot be read
    UNSIGNED = "unsigned"


@dataclass(frozen=True)
class SignatureCheck:
    state: SignatureState
    signer: str = ""
    fingerprint: str = ""
    signed_at: datetime.datetime | None = None
    timestamped: bool = False  # signed_at comes from a trusted time stamp (B-T)

    @property
    def valid(self) -> bool:
        return self.state == SignatureState.VALID

    @property
    def signed_at_label(self) -> str:
        if self.signed_at is None:
            return "未知"
        label = cn_datetime(self.signed_at)
        return f"{label}，时间戳服务证明" if self.timestamped else label


def cn_datetime(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _load_certificates(paths) -> list:
    from asn1crypto import pem, x509

    certs = []
    for name in paths or []:
        try:
            data = Path(name).read_bytes()
        except OSError:
            logger.warning("certificate file not readable: %s", name)
            continue
        blocks = (
            [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
        )
        for der in blocks:
            try:
                certs.append(x509.Certificate.load(der))
            except ValueError:
                logger.warning("not a certificate: %s", name)
    return certs


def office_certificates() -> list:
    """The certificates whose signatures are the office's: the current one and earlier ones."""
    certs = _load_certificates(getattr(settings, "SIGNING_PREVIOUS_CERTIFICATES", []))
    with contextlib.suppress(SigningError):  # not configured: earlier certificates still count
        certs.insert(0, load_office_key().certificate)
    return certs


def check_pdf_signature(pdf: bytes, *, moment: datetime.datetime | None = None) -> SignatureCheck:
    """Validate the first signature of `pdf` against the office's certificates.

    `moment` is the time to judge the certificate at (default: the signature's time stamp if
    it has a trusted one, else now); the 核验 page passes the recorded issuance time of a file
    it knows, so files issued under an expired certificate still check.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 — any parse failure of an uploaded file is "unreadable"
        logger.info("signature check: unreadable PDF", exc_info=True)
        return SignatureCheck(SignatureState.INVALID)
    if not signatures:
        return SignatureCheck(SignatureState.UNSIGNED)
    embedded = signatures[0]
    trust = office_certificates()
    tsa_trust = _load_certificates(getattr(settings, "SIGNING_TSA_CERTIFICATES", []))
    options = {"allow_fetching": False, "revocation_mode": "soft-fail"}
    if moment is not None:
        options["moment"] = moment
    try:
        status = _outside_event_loop(
            validate_pdf_signature,
            embedded,
            signer_validation_context=ValidationContext(trust_roots=trust, **options),
            ts_validation_context=ValidationContext(trust_roots=tsa_trust or trust, **options),
        )
    except Exception:  # noqa: BLE001 — an uploaded file's malformed signature is "invalid"
        logger.info("signature check: signature not readable", exc_info=True)
        return SignatureCheck(SignatureState.INVALID)
    cert = status.signing_cert
    ts = status.timestamp_validity
    timestamped = bool(ts is not None and ts.intact and ts.valid and ts.trusted)
    found = {
        "signer": certificate_subject(cert),
        "fingerprint": certificate_fingerprint(cert),
        "signed_at": ts.timestamp if timestamped else status.signer_reported_dt,
        "timestamped": timestamped,
    }
    if not status.intact:
        return SignatureCheck(SignatureState.CHANGED, **found)
    if not status.valid:
        return SignatureCheck(SignatureState.INVALID, **found)
    if not status.trusted:
        return SignatureCheck(SignatureState.UNTRUSTED, **found)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not whole or len(signatures) > 1 or status.modification_level != ModificationLevel.NONE:
        return SignatureCheck(SignatureState.CHANGED, **found)
    return SignatureCheck(SignatureState.VALID, **found)
