"""Read-only queries of the roster, each in a fixed number of queries whatever the size."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Seat, Tenure


def count_of(queryset, field: str):
    """How many rows of `queryset` point at each listed row (`field` = the foreign key), as a
    correlated subquery: a page of a list costs one query, where annotate(Count(...)) would group
    every row of both tables before the page is cut."""
    rows = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


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
