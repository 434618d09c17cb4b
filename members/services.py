"""State changes of the roster. Each is one atomic function that checks permission and state."""

import datetime

from django.db import IntegrityError, transaction
from django.utils.formats import date_format

from .models import SUCCESSION_BASIS, Person, Seat, Tenure
from .permissions import can_record_succession


class MembersError(Exception):
    """A change that is not allowed; str(e) is the Chinese message the user sees."""


@transaction.atomic
def record_succession(
    seat: Seat,
    *,
    name: str,
    post: str,
    start: datetime.date,
    basis: str = SUCCESSION_BASIS,
    by,
) -> Tenure:
    """继任者自然接任: close the current holder's tenure the day before `start`, open the successor's.

    No new document is needed (伊政发〔2024〕58号): the successor holds the seat from `start`
    and so inherits everything the seat and its unit own.
    """
    if not can_record_succession(by):
        raise MembersError("只有办公室可以记录继任者。")
    name = (name or "").strip()
    post = (post or "").strip()
    basis = (basis or "").strip() or SUCCESSION_BASIS
    if not name:
        raise MembersError("请填写继任者姓名。")
    if not post:
        raise MembersError("请填写继任者职务。")
    if start is None:
        raise MembersError("请填写接任日期。")

    # The seat row is the lock: two offices recording a successor on one seat queue here.
    seat = Seat.objects.select_for_update().get(pk=seat.pk)
    if seat.is_retired_on(start):
        raise MembersError("该席位已撤销，不能再记录继任者。")
    current = Tenure.objects.select_for_update().filter(seat=seat, end__isnull=True).first()
    if current is None:
        # A vacant seat: the new tenure must not overlap the last closed one.
        last = Tenure.objects.filter(seat=seat).order_by("-end").first()
        if last is not None and start <= last.end:
            raise MembersError(f"接任日期须晚于前任的离任日期（{date_format(last.end)}）。")
    else:
        if start <= current.start:
            raise MembersError(
                f"接任日期须晚于现任 {current.person.name} 的任职起始日期（{date_format(current.start)}）。"
            )
        current.end = start - datetime.timedelta(days=1)
        current.save(update_fields=["end"])

    person = Person.objects.create(name=name)
    try:
        with transaction.atomic():
            return Tenure.objects.create(
                seat=seat, person=person, post=post, start=start, basis=basis, recorded_by=by
            )
    except IntegrityError as e:  # only reachable if a writer bypassed the seat lock
        raise MembersError("该席位已有在任人员，请刷新后重试。") from e
