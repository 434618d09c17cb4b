"""Times the minutes PDF (`make bench-pdf`, `python -m bench.pdf`): a 2-page and a 20-page 纪要,
cold and warm, with memory and size; the OFD copy made from each PDF (time and size); and a
3-page 纪要 rendered and signed as issuance does it (issue 15: ≤ 0.5 s warm, ≤ 400 KiB), with the
office's certificate of the settings (the demo certificate of `make run` under the dev settings;
made here if it is missing).

The minutes are built inside a transaction that is rolled back, so it leaves the database as it
found it; it needs only `migrate` and `load_charter` (the development database by default, or
DJANGO_SETTINGS_MODULE / DATABASE_URL as for manage.py).
"""

import argparse
import datetime
import io
import os
import resource
import statistics
import sys
import time
import tracemalloc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings.dev")
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import DatabaseError, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from meetings.models import Attendance, Decision, Meeting, Minutes  # noqa: E402
from members.models import Seat, Tenure, Unit  # noqa: E402

MEETING_DAY = datetime.date(2026, 5, 28)
ISSUED_ON = datetime.date(2026, 6, 5)
TARGETS = {"cold": 5.0, "warm-2": 0.5, "warm-20": 1.5, "warm-3": 0.5, "size": 1024 * 1024}
SIZE_TARGETS = {"3": 400 * 1024}  # the signed 3-page 纪要 (issue 15)
DECISIONS_FOR_3_PAGES = 2  # with sub-points and all 30 seats attending: 3 pages
DECISIONS_FOR_20_PAGES = 32  # decisions with sub-points: 20 pages with the shipped fonts

SUMMARY = (
    "2026年5月28日上午，旗社会救助联席会议在旗政务服务中心三楼会议室召开2026年第一次全体会议。"
    "会议听取了旗民政局关于2025年度社会救助工作情况和2026年工作安排的汇报，"
    "各成员单位结合职责分工作了发言，会议对低保边缘家庭和刚性支出困难家庭的认定、"
    "急难型临时救助“先行救助、事后补充说明”机制、社会救助资金监管等事项进行了研究。"
)
DECISION = (
    "由{lead}牵头，会同各镇人民政府，对全旗低保边缘家庭和刚性支出困难家庭开展一次全面排查，"
    "6月30日前完成入户核查和信息比对，做到应保尽保、应救尽救、应退尽退，"
    "排查结果于7月10日前报旗社会救助联席会议办公室。"
)
SUB_POINTS = [
    "（一）健全主动发现机制。依托村（社区）网格员、社会救助协理员，每月至少走访一次困难群众。",
    "（二）加强部门信息共享。公安、人社、不动产登记、医保等部门按季度向民政部门推送数据。",
    "1.对因病、因灾、因残导致基本生活出现严重困难的家庭，急难型临时救助可先行救助。",
]


def build_minutes(user, *, decisions: int, sub_points: bool = True) -> Minutes:
    """A 纪要 of a plenary meeting with every seat attending and `decisions` decisions."""
    units = list(Unit.objects.order_by("order"))
    meeting = Meeting.objects.create(
        kind=Meeting.Kind.PLENARY,
        title="伊金霍洛旗社会救助联席会议2026年第一次全体会议",
        starts_at=timezone.make_aware(datetime.datetime(2026, 5, 28, 9, 30)),
        place="旗政务服务中心三楼会议室",
        convener_seat=Seat.objects.filter(role=Seat.Role.LEADER).first(),
        created_by=user,
    )
    holders = Tenure.objects.on(MEETING_DAY).select_related("person", "seat")
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, seat=t.seat, name=t.person.name, post=t.post, order=n)
        for n, t in enumerate(holders.order_by("seat__order"))
    )
    minutes = Minutes.objects.create(meeting=meeting, summary=SUMMARY, drafted_by=user)
    for n in range(decisions):
        lead = units[n % len(units)]
        text = DECISION.format(lead=lead.name)
        if sub_points:
            text += "\n" + "\n".join(SUB_POINTS)
        decision = Decision.objects.create(
            minutes=minutes,
            order=n + 1,
            text=text,
            lead_unit=lead,
            deadline=datetime.date(2026, 6, 30),
        )
        decision.responsible_units.set(units[(n + 1) % len(units) :][:3])
    return minutes


def pdf_pages(pdf: bytes) -> str:
    try:
        from pypdf import PdfReader  # a test dependency; the count is only informative
    except ImportError:
        return "?"
    return str(len(PdfReader(io.BytesIO(pdf)).pages))


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (Linux reports KiB), Pango and fonts included."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="测量纪要 PDF 的生成时间、内存峰值和文件大小（约 2 页与 20 页，首次与热启动），"
        "OFD 副本的生成时间和大小，以及 3 页纪要生成并签名。"
    )
    parser.add_argument("--runs", type=int, default=5, help="热启动测量次数（取中位数）")
    runs = parser.parse_args(argv).runs
    try:
        ready = Seat.objects.exists()
    except DatabaseError as e:
        sys.exit(f"数据库未就绪（{e}）：请先运行 make setup 或 migrate。")
    if not ready:
        sys.exit("还没有《制度》名单：请先运行 load_charter（或 make setup）。")
    from bench.certificate import ensure_certificate

    ensure_certificate()
    bench = PdfBench()
    with transaction.atomic():
        user = get_user_model().objects.create(username="bench-pdf-temporary")
        documents = [
            ("2", build_minutes(user, decisions=1, sub_points=False), False),
            ("20", build_minutes(user, decisions=DECISIONS_FOR_20_PAGES), False),
            ("3", build_minutes(user, decisions=DECISIONS_FOR_3_PAGES), True),
        ]
        results = [bench.measure(label, m, runs, sign=sign) for label, m, sign in documents]
        transaction.set_rollback(True)
    failed = [label for label, ok in results if not ok]
    print("未达标：" + "、".join(failed) if failed else "全部达标。")
    return 1 if failed else 0


class PdfBench:
    def __init__(self):
        # Issuance imports the renderer on first use too (meetings/services.py): time it.
        start = time.perf_counter()
        from meetings.ofd import pdf_to_ofd
        from meetings.pdf import render_minutes_pdf

        self.render = render_minutes_pdf
        self.to_ofd = pdf_to_ofd
        self.imported = time.perf_counter() - start
        print(
            f"导入渲染器（WeasyPrint、Pango）{self.imported:.3f} s；进程内存峰值 {peak_rss_mib():.0f} MiB"
        )

    def measure(self, label, minutes, runs, *, sign=False):
        from meetings.signing import SigningError, office_key, sign_pdf

        if sign:
            try:
                office_key()
            except SigningError as e:
                sys.exit(f"无法签名：{e}")

        def render():
            pdf = self.render(minutes, number_label="〔2026〕第1期", issued_on=ISSUED_ON)
            if sign:
                start = time.perf_counter()
                pdf = sign_pdf(pdf)
                signing.append(time.perf_counter() - start)
            return pdf

        signing = []

        start = time.perf_counter()
        pdf = render()
        first = time.perf_counter() - start
        first_rss = peak_rss_mib()
        # Cold: the process's first document, import included; the second is already warm.
        cold, imported, self.imported = first + self.imported, self.imported, 0.0
        warm, cpu = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            render()
            warm.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        # tracemalloc slows Python down several times over: an extra, untimed render.
        tracemalloc.start()
        render()
        _, python_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # The OFD copy issuance makes from the same PDF (meetings/ofd.py), timed the same way.
        # The first conversion of a process also converts its glyphs (meetings/ofd.py caches them).
        ofd_times = []
        for _ in range(max(1, runs) + 1):
            start = time.perf_counter()
            ofd = self.to_ofd(pdf)
            ofd_times.append(time.perf_counter() - start)
        median = statistics.median(warm)
        target = TARGETS[f"warm-{label}"]
        size_target = SIZE_TARGETS.get(label, TARGETS["size"])
        ok = cold <= TARGETS["cold"] and median <= target and len(pdf) <= size_target
        cold_note = f"（连同导入 {cold:.3f} s，目标 ≤ {TARGETS['cold']} s）" if imported else ""
        print(
            f"{label} 页档（实际 {pdf_pages(pdf)} 页）：首次 {first:.3f} s{cold_note}；"
            f"热启动中位数 {median:.3f} s（{runs} 次，{min(warm):.3f}–{max(warm):.3f} s，"
            f"目标 ≤ {target} s）；内存：一次渲染的 Python 分配峰值 {python_peak / 2**20:.1f} MiB，"
            f"进程峰值（RSS）首次后 {first_rss:.0f} MiB / 测完 {peak_rss_mib():.0f} MiB；"
            f"PDF {len(pdf) / 1024:.0f} KiB；"
            f"OFD 副本：首次 {ofd_times[0]:.3f} s，其后中位数 {statistics.median(ofd_times[1:]):.3f} s"
            f"（{len(ofd_times) - 1} 次，{min(ofd_times[1:]):.3f}–{max(ofd_times[1:]):.3f} s），"
            f"OFD {len(ofd) / 1024:.0f} KiB"
        )
        if sign:
            # The issue's two numbers on a line of their own; the signing alone after them.
            print(
                f"  生成并签名（PAdES {'B-T' if settings.SIGNING_TSA_URL else 'B-B'}）3 页纪要："
                f"热启动中位数 {median:.3f} s（目标 ≤ {target} s），"
                f"签名后 {len(pdf) / 1024:.0f} KiB（目标 ≤ {size_target // 1024} KiB）；"
                f"其中签名本身中位数 {statistics.median(signing[1:] or signing):.3f} s；"
                # On a machine shared with other work the wall clock also counts waiting for a
                # core; the process's CPU time is what one uncontended core would take.
                f"本进程 CPU 时间中位数 {statistics.median(cpu):.3f} s"
                f"（系统负载 {os.getloadavg()[0]:.1f}，{os.cpu_count()} 核）"
            )
        return f"{label} 页", ok


if __name__ == "__main__":
    sys.exit(main())
