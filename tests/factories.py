"""Plain helpers that make the objects tests need. No factory library: these are enough."""

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone

from cases.models import Case, Verification
from duties.models import Escalation, Extension, Feedback, Task
from meetings import services
from meetings.models import (
    AgendaItem,
    Attendance,
    Distribution,
    Material,
    Meeting,
    Minutes,
    Opinion,
)
from members.models import (
    CalendarDay,
    Delivery,
    Notification,
    Person,
    Seat,
    Step,
    Tenure,
    Unit,
    User,
)
from members.permissions import Role

PASSWORD = "correct-horse-battery"


def make_user(
    username: str, role: Role | None = None, unit: Unit | str | None = None, **kw
) -> User:
    if isinstance(unit, str):
        unit = Unit.objects.get(name=unit)
    user = User.objects.create_user(username=username, password=PASSWORD, unit=unit, **kw)
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


def aware(year, month, day, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def make_item(liaison, title="困难群众冬季取暖补贴议题", **kw):
    defaults = {"background": "今年冬季气温偏低。", "proposal": "建议发放取暖补贴。"}
    defaults.update(kw)
    return services.submit_item(by=liaison, title=title, **defaults)


def make_meeting(office, kind="special", units=("旗民政局", "旗教体局"), **kw):
    data = services.MeetingData(
        kind=kind,
        title=kw.pop("title", f"{Meeting.Kind(kind).label}（测试）"),
        starts_at=kw.pop("starts_at", aware(2026, 6, 5)),
        place=kw.pop("place", "旗政府第一会议室"),
        convener_seat=Seat.objects.get(role=Seat.Role.LEADER) if kind == "plenary" else None,
        invited_units=list(Unit.objects.filter(name__in=units)),
        opinion_deadline=kw.pop("opinion_deadline", None),
    )
    return services.create_meeting(data, by=office)


def held_meeting_with_item(office, liaison, **kw):
    """A meeting with one accepted, scheduled item, notified and held."""
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office, **kw)
    services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    services.hold_meeting(meeting, by=office)
    return meeting


DECISION_TEXT = "由旗民政局牵头，于12月底前完成困难群众取暖补贴发放。"


def approved_minutes(office, leader, liaison, *, sent_to=(), **kw):
    """Approved minutes of a held meeting; `sent_to` narrows the 分送 to those units."""
    return approve_minutes_of(
        held_meeting_with_item(office, liaison, **kw), office, leader, sent_to
    )


def approve_minutes_of(meeting, office, leader, sent_to=()):
    """Minutes of a held `meeting`, drafted with one decision, submitted and approved."""
    minutes = services.create_minutes(meeting, by=office)
    services.save_minutes(
        minutes,
        by=office,
        version=minutes.version,
        summary="会议听取了旗民政局关于冬季取暖补贴的汇报。",
        decisions=[
            services.DecisionData(
                text=DECISION_TEXT,
                lead_unit=Unit.objects.get(name="旗民政局"),
                responsible_units=[Unit.objects.get(name="旗财政局")],
                deadline=datetime.date(2026, 12, 31),
            )
        ],
        distribution=services.DistributionData(
            narrowed_units=list(Unit.objects.filter(name__in=sent_to)),
            reason="只涉及参会单位（测试）" if sent_to else "",
        ),
    )
    services.submit_minutes(minutes, by=office)
    services.approve_minutes(minutes, by=leader)
    minutes.refresh_from_db()
    return minutes


def db_snapshot():
    """Everything the workflows write, so a refusal can be shown to have changed nothing."""

    def rows(model, *fields):
        return list(model.objects.order_by("pk").values_list("pk", *fields))

    return {
        "tenures": rows(Tenure, "seat", "person", "start", "end"),
        "people": Person.objects.count(),
        "items": rows(AgendaItem, "status", "meeting", "order", "version", "title"),
        "steps": rows(Step, "content_type", "object_id", "action", "comment"),
        "materials": Material.objects.count(),
        "meetings": rows(Meeting, "status", "title"),
        "attendance": rows(Attendance, "status", "delegate_name"),
        "opinions": rows(Opinion, "choice", "text"),
        "minutes": rows(Minutes, "status", "number", "version", "summary"),
        "distributions": rows(Distribution, "acknowledged_at", "download_count"),
        "tasks": rows(Task, "status", "deadline", "title"),
        "feedback": rows(Feedback, "text"),
        "extensions": rows(Extension, "status", "reason"),
        "escalations": rows(Escalation, "content"),
        "cases": rows(Case, "status", "applicant"),
        "verifications": rows(Verification, "subject", "answer"),
        "notifications": rows(Notification, "read_at"),
        "deliveries": rows(Delivery, "status"),
        "workdays": rows(CalendarDay, "date", "is_working_day"),
    }
