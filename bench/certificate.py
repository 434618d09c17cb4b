"""A signing certificate for benchmark runs: issued minutes are signed (meetings/signing.py).

Under bench.settings it is a throwaway one beside the results (bench-results/, not in git);
under the dev settings (bench.pdf) it is the demo certificate of `make run`. Made once, never
replaced; JIUZHU_SIGNING_PKCS12 names another one.
"""

import datetime
import os
import sys
from pathlib import Path

LONG_AGO = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def ensure_certificate(out=sys.stdout):
    from django.conf import settings

    from meetings.management.commands.demo_certificate import demo_pkcs12

    path = Path(settings.SIGNING_PKCS12)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # bench.load_data issues minutes with the clock set years back: valid since long before.
    data = demo_pkcs12(settings.SIGNING_PASSPHRASE or "", not_before=LONG_AGO)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    print(f"已为压测创建签名证书 {path}（自签名，仅供压测）。", file=out)
