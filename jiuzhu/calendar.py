"""日历: meetings and deadlines (tasks, written review opinions) within what the user may see, as
a month or week page and as a personal iCalendar feed (RFC 5545) at a secret, renewable URL.

Cases never appear: a calendar shows meetings and task deadlines only, each through the app's
own visibility rule (meetings_for_user, tasks_for_user).
"""

import calendar as pycalendar
import datetime
import secrets
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from icalendar import Calendar, Event

from duties.models import Task
from duties.permissions import tasks_for_user
from meetings.models import Meeting
from meetings.permissions import meetings_for_user
from members.models import CalendarFeed
from members.notifications import absolute
from members.permissions import role_required, roles_of

FEED_PAST_DAYS = 90
FEED_FUTURE_DAYS = 400
SHOWN_YEARS = (1900, 2999)  # a typed URL outside these shows the current month


@dataclass
class Entry:
    uid: str
    kind: str  # 会议 / 督办时限 / 书面审议截止
    title: str
    url: str
    day: datetime.date
    start: datetime.datetime | None = None  # a timed event; None = an all-day deadline
    place: str = ""
    cancelled: bool = False


def entries(user, first: datetime.date, last: datetime.date) -> list[Entry]:
    """What the user may see between `first` and `last` (inclusive), in date order."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tz)
    found = []
    meetings = meetings_for_user(user).exclude(status=Meeting.Status.DRAFT)
    for m in meetings.filter(starts_at__gte=start, starts_at__lt=end).exclude(
        kind=Meeting.Kind.WRITTEN
    ):
        found.append(
            Entry(
                f"meeting-{m.pk}",
                "会议",
                m.title,
                m.get_absolute_url(),
                timezone.localtime(m.starts_at).date(),
                m.starts_at,
                m.place,
                m.status == Meeting.Status.CANCELLED,
            )
        )
    for m in meetings.filter(
        kind=Meeting.Kind.WRITTEN, opinion_deadline__gte=start, opinion_deadline__lt=end
    ):
        found.append(
            Entry(
                f"review-{m.pk}",
                "书面审议截止",
                f"书面审议意见截止：{m.title}",
                m.get_absolute_url(),
                timezone.localtime(m.opinion_deadline).date(),
                m.opinion_deadline,
                cancelled=m.status == Meeting.Status.CANCELLED,
            )
        )
    tasks = tasks_for_user(user).filter(
        status=Task.Status.OPEN, deadline__gte=first, deadline__lte=last
    )
    for t in tasks:
        found.append(
            Entry(
                f"task-{t.pk}", "督办时限", f"督办时限：{t.title}", t.get_absolute_url(), t.deadline
            )
        )
    return sorted(found, key=lambda e: (e.day, e.start or start, e.title))


def _month(value: str, today: datetime.date) -> datetime.date:
    try:
        year, month = (int(p) for p in value.split("-"))
        return datetime.date(year, month, 1)
    except (ValueError, TypeError):
        return today.replace(day=1)


def _week(value: str) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(value)
    except (ValueError, TypeError):
        return None
    return day - datetime.timedelta(days=day.weekday())


def _add_months(day: datetime.date, n: int) -> datetime.date:
    month = day.month - 1 + n
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


@role_required()
@require_safe
def calendar_page(request):
    """A month (default) or a week (?week=YYYY-MM-DD) of meetings and deadlines."""
    today = timezone.localdate()
    week = _week(request.GET.get("week", ""))
    if week and SHOWN_YEARS[0] <= week.year <= SHOWN_YEARS[1]:
        days = [week + datetime.timedelta(days=i) for i in range(7)]
        weeks = [days]
        title = f"{days[0]:%Y年%-m月%-d日} — {days[-1]:%-m月%-d日}"
        prev_link = f"?week={days[0] - datetime.timedelta(days=7)}"
        next_link = f"?week={days[0] + datetime.timedelta(days=7)}"
        view = "week"
    else:
        month = _month(request.GET.get("month", ""), today)
        if not SHOWN_YEARS[0] <= month.year <= SHOWN_YEARS[1]:
            month = today.replace(day=1)
        weeks = pycalendar.Calendar().monthdatescalendar(month.year, month.month)
        title = f"{month:%Y年%-m月}"
        prev_link = f"?month={_add_months(month, -1):%Y-%m}"
        next_link = f"?month={_add_months(month, 1):%Y-%m}"
        view = "month"
        week = month
    first, last = weeks[0][0], weeks[-1][-1]
    by_day: dict[datetime.date, list[Entry]] = {}
    for e in entries(request.user, first, last):
        by_day.setdefault(e.day, []).append(e)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "jiuzhu/calendar.html",
        {
            "title": title,
            "view": view,
            "weeks": [[(d, by_day.get(d, [])) for d in w] for w in weeks],
            "current_month": week.month if view == "month" else None,
            "today": today,
            "prev_link": prev_link,
            "next_link": next_link,
            "this_week": f"?week={today - datetime.timedelta(days=today.weekday())}",
            "feed_url": absolute(reverse("calendar-feed", args=[feed.token])) if feed else "",
        },
    )


@role_required()
@require_POST
def calendar_feed_renew(request):
    """Make (or replace) the user's secret feed URL; the old one stops working at once."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=request.user, defaults={"token": token, "created_at": timezone.now()}
    )
    messages.success(request, "已生成新的日历订阅地址，原地址已失效。")
    return redirect("calendar")


@login_not_required
@require_safe
def calendar_feed(request, token):
    """The personal iCalendar feed: the secret in the URL is the only key (calendar programs
    cannot sign in). An unknown or renewed secret, or a disabled account, is a 404."""
    feed = CalendarFeed.objects.filter(token=token).select_related("user").first()
    if feed is None or not feed.user.is_active or not roles_of(feed.user):
        raise Http404("订阅地址无效。")
    today = timezone.localdate()
    cal = Calendar()
    cal.add("prodid", "-//jiuzhu//社会救助联席会议//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "社会救助联席会议")
    stamp = timezone.now()
    first = today - datetime.timedelta(days=FEED_PAST_DAYS)
    last = today + datetime.timedelta(days=FEED_FUTURE_DAYS)
    for e in entries(feed.user, first, last):
        event = Event()
        event.add("uid", f"{e.uid}@jiuzhu")
        event.add("dtstamp", stamp)
        event.add("summary", e.title)
        if e.start:
            event.add("dtstart", e.start)
            event.add("dtend", e.start + datetime.timedelta(hours=2 if e.kind == "会议" else 0))
        else:
            event.add("dtstart", e.day)
            event.add("dtend", e.day + datetime.timedelta(days=1))
        if e.place:
            event.add("location", e.place)
        if e.cancelled:
            event.add("status", "CANCELLED")
        event.add("url", absolute(e.url))
        event.add("categories", [e.kind])
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="jiuzhu.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
