"""Every key page runs the same number of queries for 5 rows of data as for 50 (issue 7).

The number is pinned: a page that starts querying per row, or a change that adds a query to
every request, shows up here before it shows up under load. Counts include the per-request
work of the session, the user, the user's roles and the navbar's unread count (four queries),
not the renewal of the session that the first request after signing in makes.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services as cases_services
from cases.identity import make_id
from cases.models import Case
from duties import services as duties_services
from duties.models import Duty, Escalation, Task
from meetings import ofd, pdf
from meetings import services as meeting_services
from members.models import Person, Seat, Tenure, Unit
from tests.factories import approved_minutes, make_item, make_meeting

ROWS = [5, 50]


def unit(name):
    return Unit.objects.get(name=name)


def count(client, url, status=200):
    """Queries of one request, after a first one (as after a real sign-in). Each count includes
    the three of the session's renewal (SESSION_SAVE_EVERY_REQUEST: savepoint, UPDATE, release)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == status, url
    return len(ctx.captured_queries)


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    """Issuing renders a PDF; these tests count queries, not pages of a PDF."""
    monkeypatch.setattr(pdf, "render_minutes_pdf", lambda minutes, **kw: b"%PDF-1.7\n%test\n")
    monkeypatch.setattr(meeting_services, "pdf_text", lambda data: "")  # the bytes are no PDF
    monkeypatch.setattr(meeting_services.signing, "sign_pdf", lambda data: data)  # nor signable
    monkeypatch.setattr(ofd, "pdf_to_ofd", lambda data: b"PK\x03\x04 test")  # nor an OFD


# --- the worlds of n rows -------------------------------------------------------------------------


def make_tasks(n, office):
    """n tasks of 民政局 with 财政局: half overdue and notified (通报), half still green."""
    today = timezone.localdate()
    tasks = []
    for i in range(n):
        overdue = i % 2 == 0
        task = duties_services.create_task(
            title=f"督办事项{i}",
            source=Task.Source.OFFICE,
            lead_unit=unit("旗民政局"),
            responsible_units=[unit("旗财政局")],
            deadline=today + datetime.timedelta(days=-5 - i if overdue else 10 + i),
            by=office,
        )
        if overdue:
            duties_services.escalate(
                task,
                by=office,
                unit=unit("旗民政局"),
                level=Escalation.Level.NOTICE,
                date=today,
                content="逾期未办结，予以通报。",
            )
        tasks.append(task)
    return tasks


def make_cases(n, office, household=1):
    cases = []
    for i in range(n):
        members = [
            cases_services.MemberData(
                f"家人{j}", "子女", make_id("150627", datetime.date(2010, 1, 1 + j % 28), j), ""
            )
            for j in range(household)
        ]
        data = cases_services.CaseData(
            applicant=f"申请人{i}",
            id_number=make_id("150627", datetime.date(1970, 1 + i % 12, 1 + i % 28), i % 1000),
            phone="13812345678",
            town=unit("纳林陶亥镇"),
            address="纳林陶亥镇新庙村三社12号",
            category=Case.Category.ILLNESS,
            facts="户主突发疾病住院。",
            requested_help="临时救助。",
            found_by=Case.Found.ACTIVE,
            household=members,
        )
        cases.append(cases_services.register_case(data, by=office))
    return cases


def issue(office, leader, liaison):
    return meeting_services.issue_minutes(approved_minutes(office, leader, liaison), by=office)


@pytest.fixture
def home_world(office, leader, liaison, liaison2, member):
    def build(n):
        make_tasks(n, office)
        for i in range(n):
            make_item(liaison, title=f"本单位议题{i}")
        issue(office, leader, liaison)

    return build


# --- the pages ------------------------------------------------------------------------------------


def test_the_health_view_runs_no_query(client, charter):
    assert count(client, "/healthz") == 0


@pytest.mark.django_db
@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize(
    "persona, queries",
    # +1 search (a unit's coming meetings), +1/2 duties (reports due, the 政策清单 梳理 to confirm),
    # +1 notify (unread badge)
    [("office", 25), ("leader", 17), ("liaison", 24), ("member", 18)],
)
def test_home(client, personas, home_world, rows, persona, queries):
    """Every request computes the statistics from the database: nothing rendered is cached."""
    home_world(rows)
    client.force_login(personas[persona])
    assert count(client, reverse("home")) == queries
    assert count(client, reverse("home")) == queries


@pytest.mark.parametrize("rows", ROWS)
def test_roster(client, office, rows):
    for i in range(rows):
        seat = Seat.objects.create(
            role=Seat.Role.MEMBER, unit=unit("旗民政局"), post="副局长", order=400 + i
        )
        Tenure.objects.create(
            seat=seat,
            person=Person.objects.create(name=f"成员{i}"),
            post="副局长",
            start="2024-06-25",
        )
    client.force_login(office)
    assert count(client, reverse("members:roster")) == 9


@pytest.mark.parametrize("rows", ROWS)
def test_duty_catalogue(client, office, rows):
    for i in range(rows):
        duty = Duty.objects.create(
            category=Duty.Category.DEPARTMENT, number=100 + i, text=f"职责{i}"
        )
        duty.units.set([unit("旗民政局"), unit("旗财政局")])
    client.force_login(office)
    assert count(client, reverse("duties:catalogue")) == 10  # + current policies, unread badge


@pytest.mark.parametrize("rows", ROWS)
def test_meeting_list(client, office, liaison, rows):
    for i in range(rows):
        meeting = make_meeting(office, title=f"专题会议{i}")
        if i % 2:
            item = make_item(liaison, title=f"议题{i}")
            meeting_services.review_item(item, by=office, action="accept")
            meeting_services.schedule_item(item, by=office, meeting=meeting)
    client.force_login(office)
    assert count(client, reverse("meetings:meeting-list")) == 9


@pytest.mark.parametrize("rows", ROWS)
def test_a_meeting_page(client, office, liaison, rows):
    meeting = make_meeting(office, units=("旗民政局", "旗教体局", "旗财政局"))
    for i in range(rows):
        item = make_item(liaison, title=f"议题{i}")
        meeting_services.review_item(item, by=office, action="accept")
        meeting_services.schedule_item(item, by=office, meeting=meeting)
    meeting_services.notify_meeting(meeting, by=office)
    meeting_services.hold_meeting(meeting, by=office)
    client.force_login(office)
    assert count(client, meeting.get_absolute_url()) == 14  # +1: its 回执


@pytest.mark.parametrize("rows", ROWS)
def test_item_list(client, office, liaison, rows):
    for i in range(rows):
        make_item(liaison, title=f"议题{i}")
    client.force_login(office)
    assert count(client, reverse("meetings:item-list")) == 9


@pytest.mark.parametrize("rows", [5, 12])  # each issued minutes is a whole meeting's work
@pytest.mark.parametrize("persona, expected", [("office", 9), ("liaison", 10)])
def test_minutes_list(client, personas, office, leader, liaison, rows, persona, expected):
    for _ in range(rows):
        issue(office, leader, liaison)
    client.force_login(personas[persona])
    assert count(client, reverse("meetings:minutes-list")) == expected


@pytest.mark.parametrize("rows", ROWS)
def test_a_minutes_page(client, office, leader, liaison, rows):
    meeting = make_meeting(office, units=("旗民政局", "旗教体局", "旗财政局"))
    item = make_item(liaison)
    meeting_services.review_item(item, by=office, action="accept")
    meeting_services.schedule_item(item, by=office, meeting=meeting)
    meeting_services.notify_meeting(meeting, by=office)
    meeting_services.hold_meeting(meeting, by=office)
    minutes = meeting_services.create_minutes(meeting, by=office)
    decisions = [
        meeting_services.DecisionData(
            text=f"议定事项{i}",
            lead_unit=unit("旗民政局"),
            responsible_units=[unit("旗财政局"), unit("旗教体局")],
            deadline=datetime.date(2030, 1, 1),
        )
        for i in range(rows)
    ]
    meeting_services.save_minutes(
        minutes, by=office, version=minutes.version, summary="会议概况。", decisions=decisions
    )
    meeting_services.submit_minutes(minutes, by=office)
    meeting_services.approve_minutes(minutes, by=leader)
    minutes = meeting_services.issue_minutes(minutes, by=office)
    meeting_services.acknowledge(minutes, by=liaison)
    client.force_login(office)
    assert count(client, minutes.get_absolute_url()) == 16  # +1: its 催签 history


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize(
    "persona, query, expected",
    [
        ("office", "", 12),
        ("office", "?unit={minzheng}&light=red", 13),
        ("office", "?status=open&sort=-created&level=1", 12),
        ("liaison", "", 12),
    ],
)
def test_the_ledger(client, personas, office, rows, persona, query, expected):
    make_tasks(rows, office)
    client.force_login(personas[persona])
    url = reverse("duties:task-list") + query.format(minzheng=unit("旗民政局").pk)
    assert count(client, url) == expected


@pytest.mark.parametrize("rows", ROWS)
def test_the_ledger_export(client, office, rows):
    make_tasks(rows, office)
    client.force_login(office)
    url = reverse("duties:task-export") + f"?unit={unit('旗民政局').pk}"
    assert count(client, url) == 12


@pytest.mark.parametrize("rows", ROWS)
def test_case_list(client, office, rows):
    make_cases(rows, office)
    client.force_login(office)
    assert count(client, reverse("cases:case-list")) == 9


@pytest.mark.parametrize("rows", ROWS)
def test_a_case_page(client, office, rows):
    (case,) = make_cases(1, office, household=rows)
    units = list(Unit.objects.exclude(kind=Unit.Kind.GOVERNMENT))
    for i in range(rows):
        cases_services.request_verification(
            case, by=office, unit=units[i % len(units)], subject=f"户籍、车辆（{i}）"
        )
    client.force_login(office)
    assert count(client, case.get_absolute_url()) == 16
