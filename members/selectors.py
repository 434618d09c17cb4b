"""Read-only queries of the roster, each in a fixed number of queries whatever the size."""

import datetime
from dataclasses import dataclass

from .models import Seat, Tenure


@dataclass(frozen=True)
class RosterLine:
    seat: Seat
    tenure: Tenure | None

    @property
    def person_name(self) -> str:
        return self.tenure.person.name if self.tenure else ""

    @property
    def post(self) -> str:
        return self.tenure.post if self.tenure else f"{self.seat.unit.name}{self.seat.post}"


def roster_on(day: datetime.date, *, seats=None) -> dict[str, list[RosterLine]]:
    """The leading group as it stood on `day`, grouped by role in the charter's order.

    Two queries: the seats in service, and the tenures in force on that day.
    """
    if seats is None:
        seats = Seat.objects.all()
    seats = list(seats.in_service_on(day).select_related("unit").order_by("order", "pk"))
    tenures = {
        t.seat_id: t for t in Tenure.objects.on(day).filter(seat__in=seats).select_related("person")
    }
    grouped: dict[str, list[RosterLine]] = {role: [] for role in Seat.Role}
    for seat in seats:
        grouped[seat.role].append(RosterLine(seat, tenures.get(seat.pk)))
    return grouped
