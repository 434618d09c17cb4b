"""Scheduled reminders (提醒、催办、催签): one idempotent run a day, on working days.

`send_reminders(day)` looks at every app's open work and sends what is due that day. Each
reminder is a Notification with `day` set, unique per (event, recipient, day) in the database:
running it twice, from cron and by hand, or in two workers at once, reaches each person once.
It lives in jiuzhu/ because it reads every app (members may import none of them).

Run by `manage.py send_reminders` from cron or a systemd timer (README.md); `--queue` hands the
run to the task worker instead (`run_reminders` below).
"""

import datetime

from django.tasks import task
from django.utils import timezone

from cases.models import Case, Verification
from duties.models import Task, TaskUnit
from meetings.models import Distribution, Meeting, Minutes, Opinion, Reply
from members import workdays
from members.notifications import Kind, Message, audience, send
from members.permissions import Role

DUE_SOON_WORKING_DAYS = 3
ACKNOWLEDGE_WORKING_DAYS = 3
VERIFICATION_WORKING_DAYS = 5


def _date(d) -> str:
    return f"{d:%Y年%-m月%-d日}"


def _local_date(dt) -> datetime.date:
    return timezone.localtime(dt).date()


def send_reminders(day: datetime.date | None = None) -> dict[str, int]:
    """Send the reminders due on `day` (today); returns how many notifications each rule wrote."""
    day = day or timezone.localdate()
    office_days = workdays.overrides()
    if not workdays.is_working_day(day, office_days):
        return {}
    next_day = workdays.next_working_day(day, office_days)
    sent: dict[str, int] = {}

    def out(rule, to, message):
        sent[rule] = sent.get(rule, 0) + len(send(to, message, day=day))

    # 督办: a unit's unfinished part due in 3 working days, or overdue (daily).
    parts = TaskUnit.objects.filter(
        done_at__isnull=True, task__status=Task.Status.OPEN, task__deadline__isnull=False
    ).select_related("task", "unit")
    for part in parts:
        task_ = part.task
        url = task_.get_absolute_url()
        if task_.deadline < day:
            late = (day - task_.deadline).days
            out(
                "task-overdue",
                audience(units=[part.unit_id]),
                Message(
                    Kind.REMINDER,
                    f"task-overdue:{part.pk}",
                    f"督办事项已逾期 {late} 天：{task_.title}",
                    f"完成时限 {_date(task_.deadline)}，请尽快办理并反馈进展。",
                    url,
                ),
            )
        elif workdays.working_days_between(day, task_.deadline, office_days) == (
            DUE_SOON_WORKING_DAYS
        ):
            out(
                "task-due",
                audience(units=[part.unit_id]),
                Message(
                    Kind.REMINDER,
                    f"task-due:{part.pk}",
                    f"督办事项还有 {DUE_SOON_WORKING_DAYS} 个工作日到期：{task_.title}",
                    f"完成时限 {_date(task_.deadline)}。",
                    url,
                ),
            )

    # 催签: issued minutes not acknowledged 3 working days after they were delivered.
    distributions = Distribution.objects.filter(
        acknowledged_at__isnull=True, minutes__status=Minutes.Status.ISSUED
    ).select_related("minutes__meeting")
    for d in distributions:
        waited = workdays.working_days_between(_local_date(d.delivered_at), day, office_days)
        if waited >= ACKNOWLEDGE_WORKING_DAYS:
            out(
                "minutes-unacknowledged",
                audience(units=[d.unit_id]),
                Message(
                    Kind.REMINDER,
                    f"minutes-unacknowledged:{d.pk}",
                    f"催签：{d.minutes.number_label}纪要印发已 {waited} 个工作日，请下载并签收",
                    d.minutes.meeting.title,
                    d.minutes.get_absolute_url(),
                ),
            )

    # 书面审议: opinions due by the next working day, to the units that have not given one.
    tomorrow = day + datetime.timedelta(days=1)
    reviews = Meeting.objects.filter(
        kind=Meeting.Kind.WRITTEN, status=Meeting.Status.NOTIFIED, opinion_deadline__isnull=False
    )
    for meeting in reviews:
        due = _local_date(meeting.opinion_deadline)
        if not (tomorrow <= due <= next_day):
            continue
        answered = Opinion.objects.filter(meeting=meeting).values_list("unit_id", flat=True)
        units = meeting.invited_units.exclude(pk__in=answered).values_list("pk", flat=True)
        out(
            "review-due",
            audience(units=list(units)),
            Message(
                Kind.REMINDER,
                f"review-due:{meeting.pk}",
                f"书面审议意见明天截止：{meeting.title}",
                f"截止时间 {timezone.localtime(meeting.opinion_deadline):%Y年%-m月%-d日 %H:%M}，"
                "请尽快填报本单位意见。",
                meeting.get_absolute_url(),
            ),
        )

    # 会议提醒: a notified meeting on the next day (or before the next working day).
    meetings = Meeting.objects.filter(status=Meeting.Status.NOTIFIED).exclude(
        kind=Meeting.Kind.WRITTEN
    )
    for meeting in meetings:
        on = _local_date(meeting.starts_at)
        if not (tomorrow <= on <= next_day):
            continue
        out(
            "meeting-tomorrow",
            audience(
                units=list(meeting.invited_units.values_list("pk", flat=True)),
                seats=[meeting.convener_seat_id],
            ),
            Message(
                Kind.REMINDER,
                f"meeting-tomorrow:{meeting.pk}",
                f"会议提醒：{meeting.title}",
                f"会议时间：{timezone.localtime(meeting.starts_at):%Y年%-m月%-d日 %H:%M}\n"
                f"会议地点：{meeting.place}",
                meeting.get_absolute_url(),
            ),
        )

    # 回执: not given 2 days before the meeting (on the last working day that is).
    for meeting in meetings:
        on = _local_date(meeting.starts_at)
        if not ((on - day).days >= 2 > (on - next_day).days):
            continue
        replied = Reply.objects.filter(meeting=meeting).values_list("unit_id", flat=True)
        units = meeting.invited_units.exclude(pk__in=replied).values_list("pk", flat=True)
        out(
            "reply-missing",
            audience(units=list(units)),
            Message(
                Kind.REMINDER,
                f"reply-missing:{meeting.pk}",
                f"请填报会议回执：{meeting.title}",
                f"会议时间：{timezone.localtime(meeting.starts_at):%Y年%-m月%-d日 %H:%M}，"
                f"回执截止 {timezone.localtime(Reply.deadline_of(meeting)):%Y年%-m月%-d日 %H:%M}。",
                meeting.get_absolute_url(),
            ),
        )

    # 核对: a verification request unanswered after 5 working days (case number, masked name).
    waiting = Verification.objects.filter(
        answered_at__isnull=True, case__status=Case.Status.VERIFYING
    ).select_related("case")
    for v in waiting:
        waited = workdays.working_days_between(_local_date(v.requested_at), day, office_days)
        if waited >= VERIFICATION_WORKING_DAYS:
            out(
                "verification-overdue",
                audience(units=[v.unit_id]),
                Message(
                    Kind.REMINDER,
                    f"verification-overdue:{v.pk}",
                    f"核对请求已 {waited} 个工作日未答复：{v.case.number_label} "
                    f"{v.case.deidentified_name}（{v.subject}）",
                    "请尽快答复核对结果。",
                    v.get_absolute_url(),
                ),
            )

    # 全体会议: none held this year by 1 October (the charter asks for at least one a year).
    # Sent once a year: its `day` is 1 October, whichever working day first sees it.
    october = datetime.date(day.year, 10, 1)
    if day >= october:
        held = Meeting.objects.filter(
            kind=Meeting.Kind.PLENARY,
            status__in=[Meeting.Status.HELD, Meeting.Status.CLOSED],
            starts_at__year=day.year,
        )
        if not held.exists():
            written = send(
                audience(roles=[Role.OFFICE, Role.LEADER]),
                Message(
                    Kind.REMINDER,
                    f"plenary-missing:{day.year}",
                    f"{day.year}年尚未召开全体会议",
                    "《制度》要求每年至少召开一次全体会议，请及时安排。",
                    "/meetings/",
                ),
                day=october,
            )
            sent["plenary-missing"] = len(written)
    return sent


@task()
def run_reminders(day: str | None = None) -> dict[str, int]:
    """The same run in the task worker (`send_reminders --queue`)."""
    return send_reminders(datetime.date.fromisoformat(day) if day else None)
