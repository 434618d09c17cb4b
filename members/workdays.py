"""Working days: weekends, the State Council's public holidays and 调休 working days, from the
chinese-calendar package, with the office's own days (CalendarDay) on top.

chinese-calendar knows each year once the State Council has published its arrangement (usually
in November for the next year); `known_until()` says which year that is. For a later year it
knows nothing and this module counts Monday to Friday as working days, until the package is
updated or the office enters that year's days.
"""

import datetime
from functools import cache

import chinese_calendar

from .models import CalendarDay


@cache
def known_until() -> int:
    """The last year whose holidays chinese-calendar knows."""
    return max(chinese_calendar.holidays).year


def overrides() -> dict[datetime.date, bool]:
    """The office's days (a small table: read once per computation)."""
    return dict(CalendarDay.objects.values_list("date", "is_working_day"))


def is_working_day(day: datetime.date, office_days: dict | None = None) -> bool:
    office_days = overrides() if office_days is None else office_days
    if day in office_days:
        return office_days[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not know yet
        return day.weekday() < 5


def working_days_between(start: datetime.date, end: datetime.date, office_days=None) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    office_days = overrides() if office_days is None else office_days
    days = (end - start).days
    return sum(
        is_working_day(start + datetime.timedelta(days=i), office_days) for i in range(1, days + 1)
    )


def next_working_day(day: datetime.date, office_days=None) -> datetime.date:
    office_days = overrides() if office_days is None else office_days
    day += datetime.timedelta(days=1)
    while not is_working_day(day, office_days):
        day += datetime.timedelta(days=1)
    return day
