"""Concurrent work never loses data; a killed database connection leaves no partial write.

These run on both databases. On PostgreSQL the threads truly overlap; SQLite takes one writer at a
time, so some of its losers are refused with "database is locked" — never a wrong result.
"""

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.test import Client

from duties import services as duties_services
from duties.models import Extension, Task
from meetings import services
from meetings.models import Distribution, Minutes
from members.models import Sequence, Unit
from members.permissions import Role
from tests.factories import approved_minutes, held_meeting_with_item, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def race(n, work):
    """Run work(i) in n threads released together; return what each returned or raised."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as e:  # noqa: BLE001 — the losers of the race are the point
            results[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def is_lock_refusal(result) -> bool:
    return isinstance(result, OperationalError) and "locked" in str(result)


@pytest.fixture
def people(charter):
    return {
        "office": make_user("office", Role.OFFICE, "旗民政局"),
        "office2": make_user("office2", Role.OFFICE, "旗民政局"),
        "leader": make_user("leader", Role.LEADER, "旗人民政府"),
        "liaison": make_user("liaison", Role.LIAISON, "旗民政局"),
    }


def test_two_clerks_saving_one_draft_one_wins_and_history_grows_by_one(people):
    office, office2, liaison = people["office"], people["office2"], people["liaison"]
    minutes = services.create_minutes(held_meeting_with_item(office, liaison), by=office)
    history_before = Minutes.history.filter(id=minutes.pk).count()

    def save(i):
        return services.save_minutes(
            minutes,
            by=(office, office2)[i],
            version=minutes.version,
            summary=f"第{i}位写的",
            decisions=[],
        )

    results = race(2, save)
    winners = [r for r in results if isinstance(r, Minutes)]
    losers = [r for r in results if not isinstance(r, Minutes)]
    assert len(winners) == 1, results
    assert all(isinstance(r, services.MeetingsError) or is_lock_refusal(r) for r in losers), results
    saved = Minutes.objects.get(pk=minutes.pk)
    assert saved.summary == winners[0].summary and saved.version == minutes.version + 1
    assert Minutes.history.filter(id=minutes.pk).count() == history_before + 1


def test_two_clerks_deciding_one_extension_decide_it_once(people):
    office, office2, liaison = people["office"], people["office2"], people["liaison"]
    task = duties_services.create_task(
        title="t", source=Task.Source.OFFICE, lead_unit=Unit.objects.get(name="旗民政局"), by=office
    )
    import datetime

    ext = duties_services.request_extension(
        task, by=liaison, new_deadline=datetime.date(2099, 1, 1), reason="资金"
    )
    history_before = Extension.history.filter(id=ext.pk).count()
    results = race(
        2,
        lambda i: duties_services.decide_extension(
            ext, by=(office, office2)[i], approve=i == 0, comment="" if i == 0 else "不同意"
        ),
    )
    assert sum(isinstance(r, Extension) for r in results) == 1, results
    assert Extension.history.filter(id=ext.pk).count() == history_before + 1
    decided = Extension.objects.get(pk=ext.pk)
    task.refresh_from_db()
    assert (decided.status == "approved") == (task.deadline == datetime.date(2099, 1, 1))


def test_fifty_concurrent_issuances_get_distinct_gapless_numbers(people):
    office, leader, liaison = people["office"], people["leader"], people["liaison"]
    n = 50 if connection.vendor == "postgresql" else 8
    pile = [approved_minutes(office, leader, liaison) for _ in range(n)]
    results = race(n, lambda i: services.issue_minutes(pile[i], by=office))
    numbers = sorted(Minutes.objects.filter(status="issued").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))  # distinct and gapless
    failures = [r for r in results if not isinstance(r, Minutes)]
    if connection.vendor == "postgresql":
        assert failures == [] and len(numbers) == 50
    else:
        assert all(is_lock_refusal(r) for r in failures), failures
    year = Minutes.objects.filter(status="issued").first().year
    assert Sequence.objects.get(key=f"minutes-{year}").last_number == len(numbers)


def _slow_statement_sql():
    if connection.vendor == "postgresql":
        return "SELECT pg_sleep(20)"
    # A long computation SQLite can be interrupted in.
    return (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000000) "
        "SELECT count(*) FROM c"
    )


def test_a_connection_killed_mid_transaction_leaves_no_partial_write(people):
    office, leader, liaison = people["office"], people["leader"], people["liaison"]
    minutes = approved_minutes(office, leader, liaison)
    started, outcome = threading.Event(), {}

    def issue_then_stall():
        try:
            with transaction.atomic():
                services.issue_minutes(minutes, by=office)  # numbered, PDF, distributions…
                outcome["pid"] = (
                    connection.connection.info.backend_pid
                    if connection.vendor == "postgresql"
                    else None
                )
                outcome["raw"] = connection.connection
                started.set()
                with connection.cursor() as cursor:
                    cursor.execute(_slow_statement_sql())  # …then the connection dies here
        except Exception as e:  # noqa: BLE001
            outcome["error"] = e
        finally:
            started.set()
            connections.close_all()

    worker = threading.Thread(target=issue_then_stall)
    worker.start()
    assert started.wait(60)
    time.sleep(0.5)  # let the slow statement start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [outcome["pid"]])
    else:
        outcome["raw"].interrupt()
    worker.join(60)
    assert not worker.is_alive()
    assert "error" in outcome  # the transaction did not commit
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED and minutes.number is None
    assert not Distribution.objects.exists()
    assert not Task.objects.exists()
    assert not Sequence.objects.filter(key__startswith="minutes-", last_number__gt=0).exists()
    # The next request works, and the same minutes can still be issued.
    client = Client()
    client.force_login(office)
    assert client.get("/meetings/minutes/").status_code == 200
    services.issue_minutes(minutes, by=office)
    assert Minutes.objects.get(pk=minutes.pk).number == 1


def test_two_liaisons_finishing_one_part_finish_it_once(people, charter):
    office, liaison = people["office"], people["liaison"]
    liaison_b = make_user("liaison-b", Role.LIAISON, "旗民政局")
    task = duties_services.create_task(
        title="t", source=Task.Source.OFFICE, lead_unit=Unit.objects.get(name="旗民政局"), by=office
    )
    import datetime

    duties_services.add_feedback(task, by=liaison, text="已完成", date=datetime.date(2026, 1, 5))
    part = task.units.get()
    history_before = part.history.count()
    results = race(2, lambda i: duties_services.mark_part_done(task, by=(liaison, liaison_b)[i]))
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert all(
        isinstance(r, duties_services.DutiesError) or is_lock_refusal(r)
        for r in results
        if isinstance(r, Exception)
    )
    part.refresh_from_db()
    assert part.done_by == winners[0].done_by
    assert part.history.count() == history_before + 1


def test_two_clerks_recording_a_cases_decision_record_it_once(people):
    import datetime

    from cases import services as case_services
    from cases.identity import make_id
    from cases.models import Case, Measure

    office, office2 = people["office"], people["office2"]
    police = make_user("police", Role.LIAISON, "旗公安局")
    case = case_services.register_case(
        case_services.CaseData(
            applicant="王五",
            id_number=make_id("152627", datetime.date(1970, 1, 1), 1),
            phone="",
            town=Unit.objects.get(name="札萨克镇"),
            address="某村",
            category="illness",
            facts="因病",
            requested_help="救助",
            found_by="active",
        ),
        by=office,
    )
    v = case_services.request_verification(
        case, by=office, unit=Unit.objects.get(name="旗公安局"), subject="户籍"
    )
    case_services.answer_verification(v, by=police, answer="无")
    from tests.factories import aware, make_meeting

    meeting = make_meeting(office, kind="special", units=("旗民政局",), starts_at=aware(2026, 6, 1))
    case_services.submit_for_deliberation(case, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    services.hold_meeting(meeting, by=office)
    history_before = Case.history.filter(id=case.pk).count()

    def decide(i):
        measure = case_services.MeasureData(
            Unit.objects.get(name="旗民政局"), f"第{i}位登记的措施", datetime.date(2099, 1, 1)
        )
        return case_services.record_decision(case, by=(office, office2)[i], measures=[measure])

    results = race(2, decide)
    assert sum(isinstance(r, Case) for r in results) == 1, results
    assert Measure.objects.filter(case=case).count() == 1
    assert Case.history.filter(id=case.pk).count() == history_before + 1
