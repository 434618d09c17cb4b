"""`check --deploy`: the office's signing certificate (meetings/signing.py) is there and usable.

Without one nothing can be issued, so a deployment that lacks it is an error, not a warning.
"""

import datetime
import stat
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils import timezone

from . import signing

HINT = (
    "设置 JIUZHU_SIGNING_PKCS12（办公室证书的 PKCS#12 文件，只有运行应用的账号可读）和 "
    "JIUZHU_SIGNING_PASSPHRASE；见 README“部署”。"
)
EXPIRY_WARNING = datetime.timedelta(days=30)


@register(Tags.security, deploy=True)
def check_signing_certificate(app_configs=None, **kwargs):
    if not (settings.SIGNING_PKCS12 or "").strip():
        return [
            Error(
                "没有配置办公室的签名证书：纪要无法签名，也就不能印发。",
                hint=HINT,
                id="meetings.E001",
            )
        ]
    path = Path(settings.SIGNING_PKCS12)
    if problem := signing.key_location_problem(path):
        return [Error(problem, id="meetings.E003")]
    try:
        key = signing.load_office_key()
    except signing.SigningError as e:
        return [Error(str(e), id="meetings.E002")]
    found = []
    validity = key.certificate["tbs_certificate"]["validity"]
    not_after, now = validity["not_after"].native, timezone.now()
    if not_after <= now or validity["not_before"].native > now:
        found.append(
            Error(
                f"办公室签名证书不在有效期内（{signing.cn_datetime(validity['not_before'].native)}至"
                f"{signing.cn_datetime(not_after)}）：纪要不能印发。",
                id="meetings.E004",
            )
        )
    elif not_after - now < EXPIRY_WARNING:
        found.append(
            Warning(
                f"办公室签名证书将于{signing.cn_datetime(not_after)}过期，请及时换发；"
                "换证后把旧证书列入 JIUZHU_SIGNING_PREVIOUS_CERTIFICATES，以前印发的文件仍可核验。",
                id="meetings.W005",
            )
        )
    if key.certificate.public_key.algorithm != "rsa":
        found.append(
            Warning(
                "办公室签名证书的密钥不是 RSA：pyHanko 会把签名后的文件声明为 PDF 2.0"
                "（ISO/TS 32002），不再符合 PDF/A-2。请使用 RSA 密钥的证书。",
                id="meetings.W006",
            )
        )
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        found.append(
            Warning(
                f"办公室证书文件 {path} 可被其他账号读取：请 chmod 600，只让运行应用的账号读取。",
                id="meetings.W007",
            )
        )
    return found
