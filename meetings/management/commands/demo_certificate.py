"""`manage.py demo_certificate`: a self-signed certificate for the office, for demonstration only.

`make run` (the Makefile's setup target) calls it, and seed_demo before it issues the demo
minutes. It writes SIGNING_PKCS12 (var/signing/office-demo.p12 under the dev settings, not in
git) with SIGNING_PASSPHRASE, once: an existing file is never replaced, so files issued earlier
keep checking on the 核验 page. A deployment uses the office's real certificate instead.
"""

import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from meetings.signing import key_location_problem

COMMON_NAME = "伊金霍洛旗社会救助联席会议办公室（演示）"
NOTE = "演示证书，仅供演示，不具法律效力"
YEARS = 5


def demo_pkcs12(passphrase: str, *, not_before: datetime.datetime | None = None) -> bytes:
    """RSA 3072 (an ECDSA key would make pyHanko declare the signed file PDF 2.0, which is no
    longer PDF/A-2), SHA-256, key usage for document signatures. Valid from yesterday (or
    `not_before`: the benchmark issues minutes dated years back) for YEARS years."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "伊金霍洛旗民政局"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, NOTE),
            x509.NameAttribute(NameOID.COMMON_NAME, COMMON_NAME),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # digitalSignature + contentCommitment (non-repudiation)
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"office-demo", key, cert, None, encryption)


class Command(BaseCommand):
    help = (
        "为办公室创建一张自签名的演示证书（签名印发的纪要用），写入 JIUZHU_SIGNING_PKCS12 指定的文件。"
        "仅供演示；文件已存在时不覆盖。"
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("生产环境（DEBUG 关闭）不能创建演示证书：请使用办公室的正式证书。")
        if not settings.SIGNING_PKCS12:
            raise CommandError("没有设置 JIUZHU_SIGNING_PKCS12，不知道证书写到哪里。")
        path = Path(settings.SIGNING_PKCS12)
        if problem := key_location_problem(path):
            raise CommandError(problem)
        if path.exists():
            self.stdout.write(f"已有办公室证书 {path}，不再创建。")
            return
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = demo_pkcs12(settings.SIGNING_PASSPHRASE or "")
        # Created readable by this account only, and never replaced (O_EXCL).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        self.stdout.write(
            self.style.SUCCESS(f"已创建办公室演示证书 {path}（自签名，{YEARS} 年有效，仅供演示）。")
        )
