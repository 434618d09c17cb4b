"""Certificates made by the tests themselves (cryptography), never the demo one of `make run`."""

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OFFICE_CN = "伊金霍洛旗社会救助联席会议办公室"  # a CN holds at most 64 bytes


def make_key_and_certificate(common_name=OFFICE_CN, *, days=365, tsa=False, not_before=None):
    """A self-signed certificate for signing documents (or, with tsa, for time stamps).

    RSA, as the office's must be: with an ECDSA key pyHanko declares the file PDF 2.0 (ISO/TS
    32002), which is no longer PDF/A-2 (see meetings/signing.py).
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "伊金霍洛旗民政局"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    start = not_before or datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if tsa:
        builder = builder.add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    else:
        builder = builder.add_extension(
            # digital signature + content commitment (non-repudiation): what a document
            # signature's certificate carries
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
    return key, builder.sign(key, hashes.SHA256())


def write_pkcs12(path: Path, passphrase: str, **kw) -> tuple[bytes, x509.Certificate]:
    """A PKCS#12 file with a fresh key and certificate; returns the key (DER) and the cert."""
    key, cert = make_key_and_certificate(**kw)
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"office",
            key,
            cert,
            None,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    path.chmod(0o600)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return der, cert
