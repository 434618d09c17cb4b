"""The office's signature on issued minutes, and the 核验 page that checks a file against it.

The office certificate is the one tests/conftest.py makes for the run; other certificates and
the time-stamping service (a real HTTP server on 127.0.0.1 answering RFC 3161 requests) are
made here. Files are validated with pyHanko itself, not with our own helpers only.
"""

import base64
import hashlib
import http.server
import io
import logging
import re
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from jiuzhu.backup import create_backup
from meetings import checks, services, signing
from meetings.models import Minutes
from meetings.pdf import render_pdf
from meetings.verification import ISSUED_KINDS, Outcome, parse_number, verify_file
from tests.certificates import make_key_and_certificate, write_pkcs12
from tests.factories import approved_minutes, db_snapshot
from tests.test_settings import KEYS

ROOT = Path(__file__).resolve().parent.parent.parent
VERIFY = "meetings:minutes-verify"
AUTHENTIC = re.compile(
    r"本系统于\d{4}年\d{1,2}月\d{1,2}日印发的〔\d{4}〕第1期纪要，文件完整、签名有效"
    r"（签名者：伊金霍洛旗社会救助联席会议办公室（伊金霍洛旗民政局），时间：\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d）"
)


@pytest.fixture
def issued(office, leader, liaison) -> Minutes:
    minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    minutes.refresh_from_db()
    return minutes


def pdf_bytes(minutes) -> bytes:
    with minutes.pdf.open("rb") as f:
        return f.read()


def asn1_cert(cert):
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def validate(pdf: bytes, trust):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf))
    (embedded,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=trust, allow_fetching=False)
    return embedded, validate_pdf_signature(embedded, signer_validation_context=context)


def upload(client, data: bytes, name="纪要.pdf"):
    return client.post(
        reverse(VERIFY), {"mode": "file", "file": SimpleUploadedFile(name, data, "application/pdf")}
    )


def verdict_text(response) -> str:
    html = response.content.decode()
    match = re.search(
        r'<section class="alert[^"]*"[^>]*id="verdict"[^>]*>(.*?)</section>', html, re.S
    )
    assert match, "no verdict on the page"
    return re.sub(r"<[^>]+>", "", match.group(1))


def outcome(response) -> str:
    return re.search(r'data-outcome="(\w+)"', response.content.decode()).group(1)


def other_certificate_pdf(tmp_path, settings, pdf: bytes) -> bytes:
    """`pdf` signed exactly as issuance signs, but with another certificate."""
    office_path, office_pass = settings.SIGNING_PKCS12, settings.SIGNING_PASSPHRASE
    other = tmp_path / "other.p12"
    write_pkcs12(other, "other", common_name="某某单位")
    settings.SIGNING_PKCS12, settings.SIGNING_PASSPHRASE = str(other), "other"
    try:
        return signing.sign_pdf(pdf)
    finally:
        settings.SIGNING_PKCS12, settings.SIGNING_PASSPHRASE = office_path, office_pass


# --- the issued file ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pyhanko_validates_the_issued_file_against_the_office_certificate(
    issued, office_certificate
):
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    pdf = pdf_bytes(issued)
    assert issued.pdf_sha256 == hashlib.sha256(pdf).hexdigest()  # the signed bytes are kept
    embedded, status = validate(pdf, [asn1_cert(office_certificate["certificate"])])
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.modification_level == ModificationLevel.NONE
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert embedded.docmdp_level == MDPPerm.NO_CHANGES  # a certification signature
    assert status.signing_cert.sha256 == asn1_cert(office_certificate["certificate"]).sha256
    assert status.timestamp_validity is None  # B-B: no time-stamping service configured
    assert embedded.sig_object["/Reason"] == "印发"


@pytest.mark.django_db
def test_pyhanko_refuses_the_issued_file_against_another_certificate(issued):
    _, other = make_key_and_certificate("某某单位")
    _, status = validate(pdf_bytes(issued), [asn1_cert(other)])
    assert status.intact and status.valid and not status.trusted and not status.bottom_line


@pytest.mark.django_db
def test_the_signed_file_stays_pdfa_2u(issued):
    """What PDF/A-2 asks of a signed file that can be read without a validator (no veraPDF on
    this machine): the identity and metadata kept and in step, PDF 1.7, a PAdES signature over
    the whole file, an invisible widget that is printable and not hidden, no encryption."""
    pdf = pdf_bytes(issued)
    assert pdf.startswith(b"%PDF-1.7\n")
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="U"' in xmp
    assert "/Version" not in root  # no PDF 2.0 declaration (an ECDSA key would add one)
    assert [i.get_object()["/S"] for i in root["/OutputIntents"]] == ["/GTS_PDFA1"]
    assert "/Encrypt" not in reader.trailer
    producer = re.search(r'pdf:Producer="([^"]+)"', xmp).group(1)
    assert reader.metadata["/Producer"] == producer  # Info and XMP agree (ISO 19005-2 6.6.2.3)
    assert issued.number_label in reader.metadata.title and issued.number_label in xmp
    (field,) = [f.get_object() for f in root["/AcroForm"]["/Fields"]]
    assert field["/FT"] == "/Sig" and [float(v) for v in field["/Rect"]] == [0, 0, 0, 0]
    assert field["/F"] & 4 and not field["/F"] & 2  # Print set, Hidden clear
    byte_range = list(field["/V"].get_object()["/ByteRange"])
    assert byte_range[0] == 0 and byte_range[2] + byte_range[3] == len(pdf)
    assert "/NeedAppearances" not in root["/AcroForm"]


@pytest.mark.django_db
def test_signing_keeps_the_text_and_pages_as_rendered(issued):
    """Signing appends; it does not re-lay anything (the GB/T 9704 measurements of the signed
    file are in test_pdf_signed.py)."""
    pdf = pdf_bytes(issued)
    reader = PdfReader(io.BytesIO(pdf))
    embedded_end = list(reader.trailer["/Root"]["/AcroForm"]["/Fields"][0].get_object()["/V"])
    assert embedded_end  # the signature dictionary is there
    original = pdf[: pdf.rfind(b"%%EOF", 0, pdf.rfind(b"%%EOF")) + 5]
    assert PdfReader(io.BytesIO(original)).pages[0].extract_text() == reader.pages[0].extract_text()


# --- refusing to issue without a certificate -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("configure", "message"),
    [
        (lambda s, tmp: setattr(s, "SIGNING_PKCS12", None), "系统没有配置办公室的数字证书"),
        (
            lambda s, tmp: setattr(s, "SIGNING_PKCS12", str(tmp / "gone.p12")),
            "找不到办公室证书文件",
        ),
        (lambda s, tmp: setattr(s, "SIGNING_PASSPHRASE", "wrong"), "口令不对"),
    ],
    ids=["none", "missing", "wrong-passphrase"],
)
def test_issuance_is_refused_with_a_chinese_message_without_a_usable_certificate(
    client, office, leader, liaison, settings, tmp_path, configure, message
):
    minutes = approved_minutes(office, leader, liaison)
    configure(settings, tmp_path)
    before = db_snapshot()
    media_before = sorted(Path(settings.MEDIA_ROOT).rglob("*"))
    client.force_login(office)
    response = client.post(reverse("meetings:minutes-issue", args=[minutes.pk]), follow=True)
    text = response.content.decode()
    assert "纪要不能印发" in text and message in text
    assert db_snapshot() == before
    assert sorted(Path(settings.MEDIA_ROOT).rglob("*")) == media_before
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED and minutes.number is None


@pytest.mark.django_db
def test_a_key_file_inside_the_media_folder_is_refused(
    office, leader, liaison, settings, office_certificate
):
    inside = Path(settings.MEDIA_ROOT) / "office.p12"
    inside.write_bytes(office_certificate["path"].read_bytes())
    settings.SIGNING_PKCS12 = str(inside)
    try:
        with pytest.raises(services.MeetingsError, match="私钥不能放在那里"):
            services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
        assert [e.id for e in checks.check_signing_certificate()] == ["meetings.E003"]
    finally:
        inside.unlink()


@pytest.mark.django_db
def test_an_expired_certificate_signs_nothing(office, leader, liaison, settings, tmp_path):
    import datetime

    path = tmp_path / "old.p12"
    write_pkcs12(
        path,
        "old",
        days=30,
        not_before=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=60),
    )
    settings.SIGNING_PKCS12, settings.SIGNING_PASSPHRASE = str(path), "old"
    with pytest.raises(services.MeetingsError, match="办公室证书已于.*过期"):
        services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    assert [e.id for e in checks.check_signing_certificate()] == ["meetings.E004"]


# --- check --deploy --------------------------------------------------------------------------------


def test_the_deploy_check_passes_with_the_office_certificate():
    assert checks.check_signing_certificate() == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"SIGNING_PKCS12": None}, "meetings.E001"),
        ({"SIGNING_PKCS12": "/nonexistent/office.p12"}, "meetings.E002"),
        ({"SIGNING_PASSPHRASE": "wrong"}, "meetings.E002"),
    ],
)
def test_the_deploy_check_reports_a_missing_or_unusable_certificate(settings, change, expected):
    for name, value in change.items():
        setattr(settings, name, value)
    assert [e.id for e in checks.check_signing_certificate()] == [expected]


def test_the_deploy_check_warns_of_a_soon_expiring_readable_certificate(settings, tmp_path):
    path = tmp_path / "soon.p12"
    write_pkcs12(path, "soon", days=10)
    path.chmod(0o644)
    settings.SIGNING_PKCS12, settings.SIGNING_PASSPHRASE = str(path), "soon"
    assert [e.id for e in checks.check_signing_certificate()] == ["meetings.W005", "meetings.W007"]


def test_production_check_deploy_reports_the_missing_certificate():
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="jiuzhu.settings.prod",
        DJANGO_SECRET_KEY="k8#Tq2v!mZ0r$Lp7@Xw4^Hn9&Bc1*Fd6(Gs3)Jy5-Ue8=Oa2+Ri0",
        DJANGO_ALLOWED_HOSTS="jiuzhu.example",
        **KEYS,  # the keys of the personal fields, without which production does not start
    )
    env.pop("JIUZHU_SIGNING_PKCS12", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "meetings.E001" in result.stderr and "没有配置办公室的签名证书" in result.stderr


# --- the 核验 page ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_issued_file_is_confirmed_with_its_number_signer_and_time(client, issued, member):
    client.force_login(member)
    response = upload(client, pdf_bytes(issued))
    assert response.status_code == 200 and outcome(response) == Outcome.AUTHENTIC
    text = verdict_text(response)
    assert AUTHENTIC.search(text), text
    assert issued.number_label in text and issued.pdf_sha256 in text


@pytest.mark.django_db
def test_number_and_sha256_confirm_the_issued_file(client, issued, liaison2):
    client.force_login(liaison2)
    data = {
        "mode": "digest",
        "digest-number": f"{issued.year}-{issued.number}",
        "digest-sha256": issued.pdf_sha256.upper(),
    }
    response = client.post(reverse(VERIFY), data)
    assert outcome(response) == Outcome.AUTHENTIC
    assert AUTHENTIC.search(verdict_text(response))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "sha", "says"),
    [
        ("〔{year}〕第1期", "0" * 64, "与您输入的不一致"),
        ("〔{year}〕第9期", "0" * 64, "本系统没有印发过〔{year}〕第9期纪要"),
        ("〔{year}〕第9期", "{sha}", "这个 SHA-256 属于本系统于"),
    ],
)
def test_a_wrong_number_or_sha256_is_not_confirmed(client, issued, office, number, sha, says):
    client.force_login(office)
    fill = {"year": issued.year, "sha": issued.pdf_sha256}
    data = {
        "mode": "digest",
        "digest-number": number.format(**fill),
        "digest-sha256": sha.format(**fill),
    }
    response = client.post(reverse(VERIFY), data)
    assert outcome(response) in (Outcome.MISMATCH, Outcome.UNKNOWN)
    assert says.format(**fill) in verdict_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "sha", "error"),
    [
        ("第几期", "a" * 64, "期号的格式"),
        ("2026-1", "xyz", "64 位十六进制"),
        ("", "", "请填写期号"),
    ],
)
def test_a_malformed_number_or_sha256_gets_a_chinese_message(client, office, number, sha, error):
    client.force_login(office)
    data = {"mode": "digest", "digest-number": number, "digest-sha256": sha}
    response = client.post(reverse(VERIFY), data)
    assert response.status_code == 200 and error in response.content.decode()
    assert 'id="verdict"' not in response.content.decode()


@pytest.mark.django_db
def test_one_changed_byte_is_reported_as_changed_after_signing(client, issued, office):
    pdf = bytearray(pdf_bytes(issued))
    # A byte in the middle of the first page's content stream: inside the signed range.
    start = pdf.index(b"stream\n", pdf.index(b"/Contents")) + 7
    pdf[start + 40] ^= 0x01
    client.force_login(office)
    response = upload(client, bytes(pdf))
    assert outcome(response) == Outcome.CHANGED
    assert "文件在签名后被改动过" in verdict_text(response)
    assert f"这份文件自称{issued.number_label}纪要" in verdict_text(response)


@pytest.mark.django_db
def test_an_update_appended_after_signing_is_reported_as_changed(client, issued, office):
    writer = PdfWriter(io.BytesIO(pdf_bytes(issued)), incremental=True)
    writer.add_metadata({"/Subject": "改过的主题"})
    out = io.BytesIO()
    writer.write(out)
    client.force_login(office)
    response = upload(client, out.getvalue())
    assert outcome(response) == Outcome.CHANGED
    assert "文件在签名后被改动过" in verdict_text(response)


@pytest.mark.django_db
def test_a_pdf_signed_by_another_certificate_is_refused(client, issued, office, settings, tmp_path):
    plain = render_pdf("<title>〔2026〕第1期</title><p>伪造的纪要</p>")
    forged = other_certificate_pdf(tmp_path, settings, plain)
    client.force_login(office)
    response = upload(client, forged)
    assert outcome(response) == Outcome.UNTRUSTED
    text = verdict_text(response)
    assert "签名不是本系统办公室的证书所签（签名者：某某单位" in text and "不予认可" in text


@pytest.mark.django_db
def test_a_damaged_signature_is_invalid(client, issued, office):
    pdf = bytearray(pdf_bytes(issued))
    contents = pdf.index(b"/Contents <") + len(b"/Contents <")
    pdf[contents + 600 : contents + 602] = (
        b"00" if pdf[contents + 600 : contents + 602] != b"00" else b"11"
    )
    client.force_login(office)
    response = upload(client, bytes(pdf))
    assert outcome(response) in (Outcome.INVALID, Outcome.CHANGED)
    assert "核验未通过" in response.content.decode()


@pytest.mark.django_db
def test_an_unsigned_pdf_matches_nothing_issued(client, office):
    client.force_login(office)
    response = upload(client, render_pdf("<p>别处的文件</p>"))
    assert outcome(response) == Outcome.UNKNOWN
    assert "与本系统印发的任何文件都不一致，文件中也没有办公室的签名" in verdict_text(response)


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(render_pdf("<p>加密</p>"))))
    writer.encrypt("secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda pdf: b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "不是 PDF 文件"),
        (lambda pdf: b"<html>not a pdf</html>", "不是 PDF 文件"),
        (lambda pdf: pdf[: len(pdf) // 2], "文件不完整"),
        (lambda pdf: pdf[:-200], "文件不完整"),
        (lambda pdf: encrypted_pdf(), "文件已加密"),
    ],
    ids=["png", "html", "half", "tail-cut", "encrypted"],
)
def test_bad_uploads_get_a_clear_message_and_change_nothing(client, issued, office, make, says):
    client.force_login(office)
    data = make(pdf_bytes(issued))
    before = db_snapshot()
    media_before = sorted(Path(settings.MEDIA_ROOT).rglob("*"))
    response = upload(client, data)
    assert response.status_code == 200
    assert outcome(response) == Outcome.REFUSED and says in verdict_text(response)
    assert db_snapshot() == before
    assert sorted(Path(settings.MEDIA_ROOT).rglob("*")) == media_before


@pytest.mark.django_db
def test_an_oversized_or_empty_upload_is_refused_before_it_is_read(client, office, settings):
    settings.VERIFY_MAX_BYTES = 1024 * 1024
    client.force_login(office)
    response = upload(client, b"%PDF-1.7\n" + b"0" * (1024 * 1024))
    assert "文件超过 1 MB，不是本系统印发的纪要" in response.content.decode()
    response = upload(client, b"")
    assert "上传的文件是空的" in response.content.decode()
    assert 'id="verdict"' not in response.content.decode()


@pytest.mark.django_db
def test_the_page_is_closed_to_anonymous_users_unless_the_office_opens_it(client, issued, settings):
    settings.VERIFY_PUBLIC = False
    response = client.get(reverse(VERIFY))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert upload(client, pdf_bytes(issued)).status_code == 302
    assert reverse(VERIFY) not in client.get(reverse("login")).content.decode()

    settings.VERIFY_PUBLIC = True
    assert reverse(VERIFY) in client.get(reverse("login")).content.decode()  # the way in
    assert client.get(reverse(VERIFY)).status_code == 200
    response = upload(client, pdf_bytes(issued))
    assert response.status_code == 200 and AUTHENTIC.search(verdict_text(response))
    assert "会议纪要</a></li>" not in response.content.decode()  # no links into the app


@pytest.mark.django_db
def test_a_user_without_a_role_may_not_verify_unless_the_page_is_public(client, norole, settings):
    client.force_login(norole)
    assert client.get(reverse(VERIFY)).status_code == 403
    settings.VERIFY_PUBLIC = True
    assert client.get(reverse(VERIFY)).status_code == 200


def test_every_kind_of_issued_file_is_looked_up_from_one_list():
    assert [k.format for k in ISSUED_KINDS] == [
        "PDF",
        "OFD",
    ]  # the OFD copy: tests/meetings/test_ofd.py


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("〔2026〕第1期", (2026, 1)),
        ("[2026]12", (2026, 12)),
        ("2026-3", (2026, 3)),
        ("2026年第4期", (2026, 4)),
        ("第1期", None),
        ("〔2026〕第0期", None),
    ],
)
def test_issue_numbers_are_read_in_the_ways_people_write_them(text, parsed):
    assert parse_number(text) == parsed


# --- the key stays secret ---------------------------------------------------------------------------


def secrets(office_certificate) -> list[bytes]:
    key = office_certificate["key_der"]
    p12 = office_certificate["path"].read_bytes()
    return [
        key,
        base64.b64encode(key)[:64],
        key.hex().encode()[:64],
        p12,
        base64.b64encode(p12)[:64],
        office_certificate["passphrase"].encode(),
    ]


@pytest.mark.django_db
def test_the_signing_key_is_in_no_response_and_no_log(
    client, office, leader, liaison, member, office_certificate, caplog
):
    caplog.set_level(logging.DEBUG)
    minutes = approved_minutes(office, leader, liaison)
    client.force_login(office)
    pages = [client.post(reverse("meetings:minutes-issue", args=[minutes.pk]), follow=True)]
    minutes.refresh_from_db()
    client.force_login(member)
    pages.append(client.get(reverse("meetings:minutes-pdf", args=[minutes.pk])))
    pages.append(upload(client, pdf_bytes(minutes)))
    pages.append(client.get(reverse("meetings:minutes-detail", args=[minutes.pk])))
    bodies = [b"".join(p.streaming_content) if p.streaming else p.content for p in pages]
    assert minutes.status == Minutes.Status.ISSUED
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records).encode()
    for secret in secrets(office_certificate):
        for body in bodies:
            assert secret not in body
        assert secret not in logged
    assert str(office_certificate["path"]).encode() not in b"".join(bodies)


@pytest.mark.django_db(transaction=True)
def test_the_signing_key_is_not_in_a_backup(charter, office_certificate, tmp_path, settings):
    from members.permissions import Role
    from tests.factories import make_user

    office = make_user("office", Role.OFFICE, "旗民政局")
    leader = make_user("leader", Role.LEADER, "旗人民政府")
    liaison = make_user("liaison", Role.LIAISON, "旗民政局")
    services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    archive = tmp_path / "backup.tar.gz"
    manifest = create_backup(archive, media_root=Path(settings.MEDIA_ROOT))
    assert any(name.startswith("minutes/") for name in manifest["files"])
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        contents = [tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()]
    assert not any(n.endswith((".p12", ".pfx", ".key", ".pem")) for n in names)
    for secret in secrets(office_certificate):
        assert not any(secret in c for c in contents)


# --- B-T: a time-stamping service -------------------------------------------------------------------


class TimeStampingService:
    """An RFC 3161 service on 127.0.0.1 with its own certificate, answering until stopped."""

    def __init__(self, tmp_path):
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        key, cert = make_key_and_certificate("测试时间戳服务", tsa=True)
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        stamper = DummyTimeStamper(asn1_cert(cert), asn1_keys.PrivateKeyInfo.load(der))
        self.certificate = tmp_path / "tsa.pem"
        self.certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.requests = 0
        self.broken = False
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                if service.broken:
                    self.send_error(500)
                    return
                request = tsp.TimeStampReq.load(
                    self.rfile.read(int(self.headers["Content-Length"]))
                )
                body = stamper.request_tsa_response(request).dump()
                service.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tsa(tmp_path, settings):
    service = TimeStampingService(tmp_path)
    settings.SIGNING_TSA_URL = service.url
    settings.SIGNING_TSA_CERTIFICATES = [str(service.certificate)]
    yield service
    service.stop()


@pytest.mark.django_db
def test_with_a_time_stamping_service_the_signature_is_b_t(client, tsa, office, leader, liaison):
    minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    pdf = pdf_bytes(minutes)
    assert tsa.requests >= 1
    check = signing.check_pdf_signature(pdf)
    assert check.valid and check.timestamped
    client.force_login(office)
    response = upload(client, pdf)
    assert outcome(response) == Outcome.AUTHENTIC
    assert "时间戳服务证明" in verdict_text(response)


@pytest.mark.django_db
def test_a_time_stamping_service_answering_an_error_stops_issuance(tsa, office, leader, liaison):
    tsa.broken = True
    minutes = approved_minutes(office, leader, liaison)
    with pytest.raises(services.MeetingsError, match="时间戳服务.*无法访问或答复有误"):
        services.issue_minutes(minutes, by=office)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED and not minutes.pdf


@pytest.mark.django_db
def test_an_unreachable_time_stamping_service_stops_issuance(office, leader, liaison, settings):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    settings.SIGNING_TSA_URL = f"http://127.0.0.1:{port}/tsa"
    minutes = approved_minutes(office, leader, liaison)
    with pytest.raises(services.MeetingsError, match="时间戳服务.*无法访问"):
        services.issue_minutes(minutes, by=office)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED and not minutes.pdf


@pytest.mark.django_db
def test_verify_file_reads_no_more_than_it_is_given(issued):
    """The service answers from bytes alone: it stores and changes nothing."""
    before = db_snapshot()
    assert verify_file(pdf_bytes(issued)).ok
    assert db_snapshot() == before


@pytest.mark.django_db
def test_after_a_certificate_renewal_earlier_files_still_check_when_listed(
    client, issued, office, settings, tmp_path, office_certificate
):
    new = tmp_path / "new.p12"
    write_pkcs12(new, "new")
    settings.SIGNING_PKCS12, settings.SIGNING_PASSPHRASE = str(new), "new"
    client.force_login(office)
    response = upload(client, pdf_bytes(issued))
    assert "签名未能通过复核" in verdict_text(response)  # the old certificate is not listed

    old = tmp_path / "old.pem"
    old.write_bytes(office_certificate["certificate"].public_bytes(serialization.Encoding.PEM))
    settings.SIGNING_PREVIOUS_CERTIFICATES = [str(old)]
    response = upload(client, pdf_bytes(issued))
    assert AUTHENTIC.search(verdict_text(response))
