"""继任者自然接任: record_succession and what the roster shows before and after."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from members.models import SUCCESSION_BASIS, Person, Seat, Tenure
from members.selectors import roster_on
from members.services import MembersError, record_succession

D = datetime.date


def seat_of(name: str) -> Seat:
    return Tenure.objects.get(person__name=name).seat


def snapshot():
    return (
        list(Tenure.objects.order_by("pk").values_list("pk", "seat", "person", "start", "end")),
        Person.objects.count(),
    )


@pytest.mark.django_db
def test_it_closes_the_old_tenure_the_day_before_and_opens_the_new_one(office):
    seat = seat_of("王志鹏")
    new = record_succession(seat, name="张三", post="旗民政局局长", start=D(2026, 3, 2), by=office)
    old = Tenure.objects.get(person__name="王志鹏")
    assert old.end == D(2026, 3, 1)
    assert new.seat == seat and new.start == D(2026, 3, 2) and new.end is None
    assert new.basis == SUCCESSION_BASIS
    assert new.recorded_by == office
    assert seat.current_tenure == new


@pytest.mark.django_db
def test_the_roster_of_any_earlier_date_still_shows_the_predecessor(office):
    record_succession(
        seat_of("王志鹏"), name="张三", post="旗民政局局长", start=D(2026, 3, 2), by=office
    )

    def deputy_on(day):
        return roster_on(day)[Seat.Role.DEPUTY][0].person_name

    assert deputy_on(D(2024, 6, 25)) == "王志鹏"
    assert deputy_on(D(2026, 3, 1)) == "王志鹏"
    assert deputy_on(D(2026, 3, 2)) == "张三"
    assert deputy_on(D(2030, 1, 1)) == "张三"
    assert roster_on(D(2024, 6, 24))[Seat.Role.DEPUTY][0].tenure is None  # before the charter


@pytest.mark.django_db
def test_what_the_seat_owns_passes_to_the_successor_without_another_step(office):
    seat = seat_of("刘建军")
    record_succession(seat, name="李四", post="旗教体局副局长", start=D(2026, 5, 1), by=office)
    seat.refresh_from_db()
    assert seat.tenure_on(D(2026, 5, 1)).person.name == "李四"
    assert seat.unit.seats.get().current_tenure.person.name == "李四"


@pytest.mark.django_db
def test_successions_chain_on_one_seat(office):
    seat = seat_of("杨桢")
    record_succession(seat, name="甲", post="红庆河镇镇长", start=D(2025, 1, 1), by=office)
    record_succession(seat, name="乙", post="红庆河镇镇长", start=D(2026, 1, 1), by=office)
    spans = list(seat.tenures.order_by("start").values_list("person__name", "start", "end"))
    assert spans == [
        ("杨桢", D(2024, 6, 25), D(2024, 12, 31)),
        ("甲", D(2025, 1, 1), D(2025, 12, 31)),
        ("乙", D(2026, 1, 1), None),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"start": D(2024, 6, 25)}, "接任日期须晚于现任 王志鹏 的任职起始日期"),
        ({"start": D(2024, 1, 1)}, "接任日期须晚于现任"),
        ({"name": ""}, "请填写继任者姓名"),
        ({"name": "   "}, "请填写继任者姓名"),
        ({"post": ""}, "请填写继任者职务"),
        ({"start": None}, "请填写接任日期"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(office, kwargs, message):
    before = snapshot()
    args = {"name": "张三", "post": "旗民政局局长", "start": D(2026, 3, 2), **kwargs}
    with pytest.raises(MembersError, match=message):
        record_succession(seat_of("王志鹏"), by=office, **args)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_retired_seat_takes_no_successor(office):
    seat = seat_of("奇靖")
    seat.retired_on = D(2025, 12, 31)
    seat.save()
    before = snapshot()
    with pytest.raises(MembersError, match="该席位已撤销"):
        record_succession(seat, name="张三", post="x", start=D(2026, 3, 2), by=office)
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["leader", "liaison", "member", "norole"])
def test_only_the_office_may_record_a_successor(personas, persona):
    before = snapshot()
    with pytest.raises(MembersError, match="只有办公室"):
        record_succession(
            seat_of("王志鹏"), name="张三", post="局长", start=D(2026, 3, 2), by=personas[persona]
        )
    assert snapshot() == before


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_tenure_on_a_seat(charter):
    seat = seat_of("李贵")
    person = Person.objects.create(name="张三")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenure.objects.create(seat=seat, person=person, post="副旗长", start=D(2026, 1, 1))


@pytest.mark.django_db
def test_the_database_refuses_an_end_before_the_start(charter):
    tenure = Tenure.objects.get(person__name="李贵")
    tenure.end = D(2024, 1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        tenure.save()


def _race(n, work):
    """Run `work(i)` in n threads released together; return what each returned or raised."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as e:  # noqa: BLE001 — the race's loser is the point of the test
            results[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_racing_inserts_leave_one_open_tenure(charter):
    """On PostgreSQL the two inserts truly overlap; SQLite serialises writers, same outcome."""
    seat = seat_of("李贵")
    Tenure.objects.filter(seat=seat).update(end=D(2025, 12, 31))
    people = [Person.objects.create(name=f"候选{i}") for i in range(2)]

    def insert(i):
        with transaction.atomic():
            return Tenure.objects.create(
                seat=seat, person=people[i], post="副旗长", start=D(2026, 1, 1)
            )

    results = _race(2, insert)
    assert sum(isinstance(r, Tenure) for r in results) == 1, results
    loser = next(r for r in results if not isinstance(r, Tenure))
    assert isinstance(loser, IntegrityError) or connection.vendor == "sqlite", loser
    assert Tenure.objects.filter(seat=seat, end__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_offices_recording_successors_at_once_leave_one_consistent_timeline(office):
    seat = seat_of("王志鹏")

    def succeed(i):
        return record_succession(
            seat, name=f"继任{i}", post="旗民政局局长", start=D(2026, 3, 2 + i), by=office
        )

    _race(2, succeed)
    spans = list(seat.tenures.order_by("start").values_list("start", "end"))
    assert Tenure.objects.filter(seat=seat, end__isnull=True).count() == 1
    for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
        assert end is not None and end < next_start  # no overlap, no second open tenure
