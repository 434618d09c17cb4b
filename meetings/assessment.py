"""The 年度考评 indicators that read meetings' records: attendance and acknowledgement of minutes.

Registered with duties.assessment from MeetingsConfig.ready(): duties owns the assessment but
may not import meetings.
"""

from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from duties.assessment import Detail, Measure, Source, add_working_days, register, share

from .models import Attendance, Distribution, Meeting

ACK_WORKING_DAYS = 3
# 出席 counts in full, 委托 (a delegate sent) 0.8, 请假 0.5.
CREDIT = {
    Attendance.Status.PRESENT: Decimal(1),
    Attendance.Status.DELEGATE: Decimal("0.8"),
    Attendance.Status.LEAVE: Decimal("0.5"),
}


def attendance(year, unit_ids, today):
    rows = defaultdict(list)
    credits = defaultdict(Decimal)
    attendances = (
        Attendance.objects.filter(
            unit_id__in=unit_ids,
            meeting__starts_at__year=year,
            meeting__status__in=[Meeting.Status.HELD, Meeting.Status.CLOSED],
        )
        .exclude(status=Attendance.Status.OBSERVER)
        .select_related("meeting")
        .order_by("meeting__starts_at")
    )
    for a in attendances:
        credit = CREDIT[a.status]
        credits[a.unit_id] += credit
        rows[a.unit_id].append(
            Detail(
                a.meeting.title[:60],
                a.meeting.get_absolute_url(),
                a.status == Attendance.Status.PRESENT,
                f"{a.name} {a.get_status_display()}（计 {credit}）",
            )
        )
    return {
        uid: Measure(
            credits[uid] / len(ds) if ds else None,
            f"应出席 {len(ds)} 人次，折合出席 {credits[uid]} 人次",
            ds,
        )
        for uid, ds in rows.items()
    }


def minutes_ack(year, unit_ids, today):
    rows = defaultdict(list)
    distributions = (
        Distribution.objects.filter(
            unit_id__in=unit_ids,
            kind=Distribution.Kind.MAIN,
            minutes__issued_at__year=year,
        )
        .select_related("minutes")
        .order_by("delivered_at")
    )
    for d in distributions:
        delivered = timezone.localtime(d.delivered_at).date()
        due = add_working_days(delivered, ACK_WORKING_DAYS)
        if d.acknowledged_at is None and due >= today:
            continue  # still within its 3 working days: not yet late, not yet counted
        acked = timezone.localtime(d.acknowledged_at).date() if d.acknowledged_at else None
        ok = acked is not None and acked <= due
        note = f"送达 {delivered:%Y-%m-%d}，" + (f"签收 {acked:%Y-%m-%d}" if acked else "未签收")
        rows[d.unit_id].append(
            Detail(f"纪要{d.minutes.number_label}", d.minutes.get_absolute_url(), ok, note)
        )
    return {
        uid: Measure(
            share(sum(x.ok for x in ds), len(ds)),
            f"分送 {len(ds)} 期，3 个工作日内签收 {sum(x.ok for x in ds)} 期",
            ds,
        )
        for uid, ds in rows.items()
    }


def register_sources():
    register(
        Source(
            "attendance",
            "会议出席",
            15,
            False,
            attendance,
            "出席计 1、委托计 0.8、请假计 0.5，折合出席率 × 分值",
        )
    )
    register(
        Source(
            "minutes_ack",
            "纪要按时签收",
            10,
            False,
            minutes_ack,
            "印发后 3 个工作日内签收的比例 × 分值",
        )
    )
