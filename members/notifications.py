"""站内消息 and e-mail: who hears of what, sent after the transaction that caused it commits.

A service calls one function here per event (`item_reviewed(item)`, `minutes_issued(minutes)`,
…), in one line, inside its transaction. The function names the audience by unit, seat and role,
never by person, and registers the send on `transaction.on_commit`: a change that rolls back
tells nobody, and the audience is resolved to users only when the message is sent (a unit's
current liaisons, the seat holder's account), so a successor simply starts receiving it.

The objects passed in come from the apps above members (meetings, duties, cases); they are used
by their attributes only, so this module imports none of them (tests/test_import_direction.py).

Sending writes the Notification rows in the request's process (the inbox is right at once) and
hands each e-mail to Django's Tasks framework (`send_delivery`), which the worker runs: a mail
server that is down never blocks or fails the web request, and a failed send is retried with
backoff (`RETRY_DELAYS`) and shown on the office's delivery page.
"""

import datetime
import logging
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from .models import Chase, Delivery, Liaison, Notification, Tenure, Unit, User
from .permissions import Role, is_office

logger = logging.getLogger(__name__)
Kind = Notification.Kind

# Seconds to wait before the 2nd, 3rd, … attempt of a failed e-mail; after the last, it is failed.
RETRY_DELAYS = [60, 300, 1800, 7200]


@dataclass
class Audience:
    """Whom a message is for, by what they hold: units (their current liaisons and the holders
    of their seats), seats (the holder), roles (every active user in the group), users."""

    units: set[int] = field(default_factory=set)
    seats: set[int] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    users: set[int] = field(default_factory=set)
    exclude: set[int] = field(default_factory=set)


def _ids(objs) -> set[int]:
    return {o if isinstance(o, int) else o.pk for o in objs if o is not None}


def audience(*, units=(), seats=(), roles=(), users=(), exclude=()) -> Audience:
    return Audience(
        units=_ids(units),
        seats=_ids(seats),
        roles={str(r) for r in roles},
        users=_ids(users),
        exclude=_ids(exclude),
    )


def resolve(to: Audience, day: datetime.date | None = None) -> list[User]:
    """The active users who hold the audience's places on `day` (today by default)."""
    day = day or timezone.localdate()
    q = Q(pk__in=to.users)
    if to.roles:
        q |= Q(groups__name__in=to.roles)
    if to.units:
        # A liaison is a user of the unit in the 联络员 group, or the account of a current
        # Liaison term; the seat holders of the unit's seats hear what their unit hears.
        q |= Q(unit__in=to.units, groups__name=Role.LIAISON.value)
        q |= Q(person__liaison_terms__in=Liaison.objects.on(day).filter(unit__in=to.units))
        q |= Q(person__tenures__in=Tenure.objects.on(day).filter(seat__unit__in=to.units))
    if to.seats:
        q |= Q(person__tenures__in=Tenure.objects.on(day).filter(seat__in=to.seats))
    users = User.objects.filter(q, is_active=True).exclude(pk__in=to.exclude).distinct()
    return list(users.order_by("pk"))


@dataclass
class Message:
    kind: str
    event: str
    title: str
    body: str = ""
    url: str = ""
    attachment_name: str = ""
    attachment: str = ""


def notify(to: Audience, message: Message):
    """Send `message` to `to` once the current transaction commits (at once outside one).

    `robust`: a failure here is logged and never turns a committed change into an error page.
    """
    transaction.on_commit(partial(send, to, message), robust=True)


def send(to: Audience, message: Message, *, day: datetime.date | None = None) -> list:
    """Write one Notification per recipient and queue the e-mail of those who want mail.

    With `day` (scheduled reminders) each row is inserted on its own: the database's unique
    (event, recipient, day) refuses a second one, so a reminder fired twice, or by two workers at
    once, reaches each person once that day. Returns the notifications written.
    """
    recipients = resolve(to, day)
    fields = {
        "kind": message.kind,
        "event": message.event[:80],
        "title": message.title[:200],
        "body": message.body,
        "url": message.url[:300],
        "day": day,
    }
    if day is None:
        with transaction.atomic():
            written = Notification.objects.bulk_create(
                Notification(recipient=user, **fields) for user in recipients
            )
            deliveries = _deliveries(written, recipients, message)
    else:
        written, deliveries = [], []
        for user in recipients:
            try:
                with transaction.atomic():
                    row = Notification.objects.create(recipient=user, **fields)
                    deliveries += _deliveries([row], [user], message)
            except IntegrityError:
                continue  # already sent to this person today
            written.append(row)
    for delivery in deliveries:
        enqueue_delivery(delivery)
    return written


def _deliveries(rows, recipients, message) -> list[Delivery]:
    wanted = [
        Delivery(
            notification=row,
            address=user.email,
            attachment_name=message.attachment_name,
            attachment=message.attachment,
        )
        for row, user in zip(rows, recipients, strict=True)
        if user.notify_by == User.NotifyBy.EMAIL and user.email
    ]
    return Delivery.objects.bulk_create(wanted)


def enqueue_delivery(delivery: Delivery, run_after: datetime.datetime | None = None):
    """Hand the e-mail to the task worker after the current transaction commits."""
    job = send_delivery.using(run_after=run_after) if run_after else send_delivery
    transaction.on_commit(partial(job.enqueue, delivery.pk), robust=True)


@task()
def send_delivery(delivery_id: int) -> str:
    """Run by the worker: send one e-mail; on failure record it and try again later."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("notification")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status == Delivery.Status.SENT:
            return "skipped"  # sent already (a resend raced the retry): never twice
        delivery.attempts += 1
        try:
            email_message(delivery).send()
        except Exception as e:  # noqa: BLE001 — any failure of the mail server is retried
            delivery.last_error = f"{type(e).__name__}: {e}"[:2000]
            if delivery.attempts <= len(RETRY_DELAYS):
                delay = RETRY_DELAYS[delivery.attempts - 1]
                delivery.status = Delivery.Status.RETRYING
                delivery.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
                enqueue_delivery(delivery, run_after=delivery.next_attempt_at)
            else:
                delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
            delivery.save()
            logger.warning("邮件发送失败（第%s次）：%s", delivery.attempts, delivery.last_error)
            return delivery.status
        delivery.status, delivery.sent_at = Delivery.Status.SENT, timezone.now()
        delivery.next_attempt_at, delivery.last_error = None, ""
        delivery.save()
        return delivery.status


def resend(delivery: Delivery) -> Delivery:
    """重发 by the office: queue the e-mail again whatever happened before."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        delivery.status, delivery.next_attempt_at = Delivery.Status.PENDING, None
        delivery.save(update_fields=["status", "next_attempt_at"])
        enqueue_delivery(delivery)
    return delivery


def absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def email_message(delivery: Delivery) -> EmailMessage:
    n = delivery.notification
    lines = [n.body, ""] if n.body else []
    if n.url:
        lines += ["查看详情：", absolute(n.url), ""]
    lines += ["——", "伊金霍洛旗社会救助联席会议工作平台（本邮件由系统发送，请勿直接回复）"]
    mail = EmailMessage(
        subject=f"【联席会议】{n.title}",
        body="\n".join(lines),
        to=[delivery.address],
    )
    if delivery.attachment:
        mail.attach(delivery.attachment_name, delivery.attachment, "text/calendar")
    return mail


def mark_read(notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(user) -> int:
    """全部标为已读 (one UPDATE; notifications keep no history)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- the events ---------------------------------------------------------------------------------
# One function per event; the services call these inside their transactions.


def _local(dt) -> str:
    return f"{timezone.localtime(dt):%Y年%-m月%-d日 %H:%M}"


def item_reviewed(item, comment: str = ""):
    """议题 accepted, returned for revision or not accepted: to the proposing unit."""
    words = {"accepted": "已受理", "returned": "被退回修改", "rejected": "不予受理"}
    status = words.get(item.status, item.get_status_display())
    body = f"意见：{comment}" if comment else ""
    notify(
        audience(units=[item.unit_id]),
        Message(
            Kind.ITEM,
            f"item-{item.status}:{item.pk}",
            f"议题“{item.title}”{status}",
            body,
            item.get_absolute_url(),
        ),
    )


def item_scheduled(item, meeting):
    notify(
        audience(units=[item.unit_id]),
        Message(
            Kind.ITEM,
            f"item-scheduled:{item.pk}",
            f"议题“{item.title}”已列入“{meeting.title}”议程",
            f"会议时间：{_local(meeting.starts_at)}",
            item.get_absolute_url(),
        ),
    )


def meeting_calendar(meeting) -> str:
    """The meeting as an iCalendar event (RFC 5545), for the notice's attachment."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//jiuzhu//社会救助联席会议//ZH")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@jiuzhu")
    # Each saved change of the meeting is a history row: a 变更通知's .ics has a higher SEQUENCE,
    # so Outlook and phone calendars update the event instead of adding a second one.
    event.add("sequence", meeting.history.count())
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + datetime.timedelta(hours=2))
    event.add("summary", meeting.title)
    if meeting.place:
        event.add("location", meeting.place)
    event.add("url", absolute(meeting.get_absolute_url()))
    cal.add_component(event)
    return cal.to_ical().decode()


def meeting_notified(meeting):
    """会议通知 (with an .ics) or, for a written review, the request for opinions."""
    units = list(meeting.invited_units.values_list("pk", flat=True))
    if meeting.is_written:
        message = Message(
            Kind.REVIEW,
            f"review-opened:{meeting.pk}",
            f"请填报书面审议意见：{meeting.title}",
            f"意见截止时间：{_local(meeting.opinion_deadline)}",
            meeting.get_absolute_url(),
        )
    else:
        message = Message(
            Kind.MEETING,
            f"meeting-notified:{meeting.pk}",
            f"会议通知：{meeting.title}",
            f"会议时间：{_local(meeting.starts_at)}\n会议地点：{meeting.place}",
            meeting.get_absolute_url(),
            "meeting.ics",
            meeting_calendar(meeting),
        )
    notify(audience(units=units, seats=[meeting.convener_seat_id]), message)


def meeting_changed(meeting, old_starts_at, old_place, old_deadline, reason):
    """变更通知: a notified meeting's time, place or deadline changed; old and new values."""
    lines = []
    if old_starts_at != meeting.starts_at and not meeting.is_written:
        lines.append(f"会议时间：由 {_local(old_starts_at)} 改为 {_local(meeting.starts_at)}")
    if (old_place or "") != meeting.place:
        lines.append(f"会议地点：由 {old_place or '（未定）'} 改为 {meeting.place}")
    if old_deadline != meeting.opinion_deadline and meeting.opinion_deadline:
        old = _local(old_deadline) if old_deadline else "（未定）"
        lines.append(f"意见截止时间：由 {old} 改为 {_local(meeting.opinion_deadline)}")
    lines.append(f"变更原因：{reason}")
    units = list(meeting.invited_units.values_list("pk", flat=True))
    ics = {} if meeting.is_written else {"attachment_name": "meeting.ics"}
    if ics:
        ics["attachment"] = meeting_calendar(meeting)
    notify(
        audience(units=units, seats=[meeting.convener_seat_id]),
        Message(
            Kind.MEETING,
            f"meeting-changed:{meeting.pk}",
            f"变更通知：{meeting.title}",
            "\n".join(lines),
            meeting.get_absolute_url(),
            **ics,
        ),
    )


def meeting_cancelled(meeting):
    if meeting.notified_at is None:
        return  # nobody was told of it
    units = list(meeting.invited_units.values_list("pk", flat=True))
    notify(
        audience(units=units, seats=[meeting.convener_seat_id]),
        Message(
            Kind.MEETING,
            f"meeting-cancelled:{meeting.pk}",
            f"会议取消：{meeting.title}",
            f"原定时间：{_local(meeting.starts_at)}",
            meeting.get_absolute_url(),
        ),
    )


def minutes_changed(minutes, comment: str = ""):
    """Submitted (to the leaders), returned or approved (to the office), issued (to the units)."""
    title = minutes.meeting.title
    url = minutes.get_absolute_url()
    body = f"意见：{comment}" if comment else ""
    if minutes.status == "submitted":
        to, text = audience(roles=[Role.LEADER]), f"纪要待审签：{title}"
    elif minutes.status == "returned":
        to, text = audience(roles=[Role.OFFICE]), f"纪要被退回修改：{title}"
    elif minutes.status == "approved":
        to, text = audience(roles=[Role.OFFICE]), f"纪要已审签，可以印发：{title}"
    elif minutes.status == "issued":
        units = list(minutes.distributions.values_list("unit_id", flat=True))
        to, text = audience(units=units), f"{minutes.number_label}纪要已印发，请下载并签收"
        body = f"{title}"
    else:
        return
    notify(to, Message(Kind.MINUTES, f"minutes-{minutes.status}:{minutes.pk}", text, body, url))


def task_assigned(task):
    units = list(task.units.values_list("unit_id", flat=True))
    deadline = f"完成时限：{task.deadline:%Y年%-m月%-d日}" if task.deadline else ""
    notify(
        audience(units=units),
        Message(
            Kind.TASK,
            f"task-assigned:{task.pk}",
            f"新督办事项：{task.title}",
            deadline,
            task.get_absolute_url(),
        ),
    )


def feedback_received(feedback):
    """To the office; a responsible unit's report also to the lead unit."""
    task = feedback.task
    units = [] if feedback.unit_id == task.lead_unit_id else [task.lead_unit_id]
    notify(
        audience(roles=[Role.OFFICE], units=units, exclude=[feedback.by_id]),
        Message(
            Kind.TASK,
            f"task-feedback:{feedback.pk}",
            f"{feedback.unit.name}反馈了进展：{task.title}",
            feedback.text[:200],
            task.get_absolute_url(),
        ),
    )


def extension_requested(task, unit, new_deadline, reason):
    notify(
        audience(roles=[Role.OFFICE]),
        Message(
            Kind.TASK,
            f"extension-requested:{task.pk}:{new_deadline}",
            f"{unit.name}申请延期：{task.title}",
            f"申请延至 {new_deadline:%Y年%-m月%-d日}。理由：{reason}",
            task.get_absolute_url(),
        ),
    )


def extension_decided(extension):
    words = "同意" if extension.status == "approved" else "不同意"
    notify(
        audience(units=[extension.unit_id]),
        Message(
            Kind.TASK,
            f"extension-decided:{extension.pk}",
            f"延期申请{words}：{extension.task.title}",
            extension.decision_comment,
            extension.task.get_absolute_url(),
        ),
    )


def escalation_issued(task, unit, level_label, number, content):
    """通报 / 约谈 / 挂牌督办 issued: to the unit."""
    notify(
        audience(units=[unit.pk]),
        Message(
            Kind.TASK,
            f"escalation-issued:{task.pk}:{level_label}:{number}",
            f"{level_label}：{task.title}",
            content[:500],
            task.get_absolute_url(),
        ),
    )


def escalation_resolved(escalation):
    notify(
        audience(units=[escalation.unit_id]),
        Message(
            Kind.TASK,
            f"escalation-resolved:{escalation.pk}",
            f"{escalation.number_label}已解除：{escalation.task.title}",
            escalation.resolution[:500],
            escalation.get_absolute_url(),
        ),
    )


# Cases: the case number and the 张某某-style name only — never an ID number, phone or address.


def _case_label(case) -> str:
    return f"{case.number_label} {case.deidentified_name}"


def verification_requested(verification):
    case = verification.case
    notify(
        audience(units=[verification.unit_id]),
        Message(
            Kind.CASE,
            f"verification-requested:{verification.pk}",
            f"请核对：{_case_label(case)}（{verification.subject}）",
            "请在个案核对页面答复核对结果。",
            verification.get_absolute_url(),
        ),
    )


def case_decided(case):
    notify(
        audience(units=[case.town_id]),
        Message(
            Kind.CASE,
            f"case-decided:{case.pk}",
            f"个案已议定救助措施：{_case_label(case)}",
            "",
            case.get_absolute_url(),
        ),
    )


# --- 催办 / 催签 by hand --------------------------------------------------------------------------


class ChaseError(Exception):
    """A 催办/催签 that is refused; str(e) is the Chinese message the office sees."""


def chase(subject, *, kind, by, units=(), late_units=(), all_late=False, text="", title, url):
    """The office reminds the chosen units (or all that are late) about `subject`, at most once
    per unit, object and day; recorded as Chase rows (who, when, whom) and sent to the units."""
    label = Chase.Kind(kind).label
    if not is_office(by):
        raise ChaseError(f"只有办公室可以{label}。")
    chosen = {u.pk: u for u in units}
    if all_late:
        chosen.update({u.pk: u for u in late_units})
    if not chosen:
        raise ChaseError(f"请选择要{label}的单位。")
    text = (text or "").strip()
    if len(text) > 200:
        raise ChaseError("附言最多 200 个字。")
    day = timezone.localdate()
    content_type = ContentType.objects.get_for_model(subject)
    with transaction.atomic():
        done = Chase.objects.filter(
            content_type=content_type, object_id=subject.pk, day=day, unit__in=list(chosen)
        ).select_related("unit")
        names = [c.unit.name for c in done]
        if names:
            raise ChaseError(f"今天已向{'、'.join(names)}{label}过，每个单位每天最多{label}一次。")
        try:
            with transaction.atomic():
                rows = Chase.objects.bulk_create(
                    Chase(
                        content_type=content_type,
                        object_id=subject.pk,
                        kind=kind,
                        unit=unit,
                        day=day,
                        text=text,
                        by=by,
                    )
                    for unit in Unit.objects.filter(pk__in=list(chosen)).order_by("order", "pk")
                )
        except IntegrityError as e:
            raise ChaseError(f"今天已{label}过这些单位（可能刚刚有人发送），请刷新后查看。") from e
        notify(
            audience(units=list(chosen)),
            Message(
                {Chase.Kind.TASK: Kind.TASK, Chase.Kind.MINUTES: Kind.MINUTES}.get(
                    kind, Kind.MEETING
                ),
                f"chase-{kind}:{subject.pk}:{day}",
                f"{label}：{title}",
                text,
                url,
            ),
        )
    return rows
