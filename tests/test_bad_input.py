"""Property-based: random, huge, empty, control-character and mixed-script values posted to every
form as a role allowed to use it. The response is never a 5xx; refused input changes nothing;
accepted input is stored exactly as typed (after the form's whitespace trimming)."""

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import services as case_services
from cases.identity import make_id
from duties import services as duties_services
from duties.models import Feedback, Task
from meetings import services
from meetings.models import AgendaItem, Attendance
from members.models import Person, Tenure, Unit
from members.permissions import Role
from tests.factories import (
    aware,
    db_snapshot,
    held_meeting_with_item,
    make_item,
    make_meeting,
    make_user,
)

EXAMPLES = 40  # per form; reported in the closing note

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202e反转\u202c",
    "😀👨‍👩‍👧",
    "𠀀𪚥",  # outside the BMP
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "长" * 5000,
    "x" * 100_000,
    "\r\n\t",
    "Ｆｕｌｌｗｉｄｔｈ　全角",
    "مرحبا Привет 你好",
    "2026-02-30",
    "-1",
    "9" * 40,
]
text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=20),
)


def maybe(valid):
    """Mostly a value the form accepts (so accepted input is checked too), sometimes garbage."""
    return st.one_of(valid, valid, text)


past = maybe(st.dates(datetime.date(2024, 7, 1), datetime.date(2026, 11, 1)).map(str))
future = maybe(st.dates(datetime.date(2027, 1, 1), datetime.date(2090, 12, 31)).map(str))
unit_ids = maybe(st.integers(1, 29).map(str))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        call_command("loaddata", "charter", verbosity=0)
        office = make_user("office", Role.OFFICE, "旗民政局")
        liaison = make_user("liaison", Role.LIAISON, "旗民政局")
        make_user("leader", Role.LEADER, "旗人民政府")
        item = make_item(liaison)
        meeting = held_meeting_with_item(office, liaison)
        minutes = services.create_minutes(meeting, by=office)
        task = duties_services.create_task(
            title="t",
            source=Task.Source.OFFICE,
            lead_unit=Unit.objects.get(name="旗民政局"),
            by=office,
        )
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
        leader = make_user("leader2", Role.LEADER, "旗人民政府")
        written = make_meeting(office, kind="written", opinion_deadline=aware(2099, 1, 1))
        services.review_item(make_item(liaison), by=office, action="accept")
        services.schedule_item(
            AgendaItem.objects.filter(status="accepted").first(), by=office, meeting=written
        )
        services.notify_meeting(written, by=office)
        submitted = services.create_minutes(held_meeting_with_item(office, liaison), by=office)
        services.save_minutes(
            submitted,
            by=office,
            version=1,
            summary="概况",
            decisions=[services.DecisionData("事项", Unit.objects.get(name="旗民政局"), [])],
        )
        services.submit_minutes(submitted, by=office)
        extension = duties_services.request_extension(
            task, by=liaison, new_deadline=datetime.date(2099, 1, 1), reason="资金"
        )
        escalation = duties_services.escalate(
            task,
            by=office,
            unit=Unit.objects.get(name="旗民政局"),
            level=1,
            date=datetime.date(2026, 7, 1),
            content="通报",
        )
        verification = case_services.request_verification(
            case, by=office, unit=Unit.objects.get(name="旗民政局"), subject="低保"
        )
        data = {
            "office": office,
            "leader": leader,
            "written": written,
            "submitted_minutes": submitted,
            "extension": extension,
            "escalation": escalation,
            "verification": verification,
            "liaison": liaison,
            "item": item,
            "meeting": meeting,
            "minutes": minutes,
            "task": task,
            "case": case,
            "seat": Tenure.objects.get(person__name="王志鹏").seat_id,
        }
    yield data
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def post_in_savepoint(user, url, data, check):
    """POST inside a savepoint rolled back afterwards, so each example starts from the same data."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    with transaction.atomic():
        before = db_snapshot()
        response = client.post(url, data)
        assert response.status_code < 500, (url, data, response.status_code)
        after = db_snapshot()
        if after != before:
            check(data)
        transaction.set_rollback(True)


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@pytest.mark.django_db
@SETTINGS
@given(name=text, post=text, basis=text, start=past)
def test_succession_form(world, name, post, basis, start):
    def stored(data):
        tenure = Tenure.objects.get(seat_id=world["seat"], end__isnull=True)
        assert tenure.person.name == "".join(data["name"].split())
        assert tenure.post == data["post"].strip() and tenure.basis == data["basis"].strip()

    url = reverse("members:seat-succession", args=[world["seat"]])
    post_in_savepoint(
        world["office"], url, {"name": name, "post": post, "basis": basis, "start": start}, stored
    )


@pytest.mark.django_db
@SETTINGS
@given(title=text, background=text, proposal=text)
def test_agenda_item_form(world, title, background, proposal):
    def stored(data):
        item = AgendaItem.objects.latest("pk")
        assert (item.title, item.background, item.proposal) == (
            data["title"].strip(),
            data["background"].strip(),
            data["proposal"].strip(),
        )

    data = {"title": title, "background": background, "proposal": proposal}
    post_in_savepoint(world["liaison"], reverse("meetings:item-create"), data, stored)


@pytest.mark.django_db
@SETTINGS
@given(action=st.one_of(st.sampled_from(["accept", "return", "reject"]), text), comment=text)
def test_review_form(world, action, comment):
    def stored(data):
        step = world["item"].steps.latest("pk")
        assert step.comment == data["comment"].strip()

    url = reverse("meetings:item-review", args=[world["item"].pk])
    post_in_savepoint(world["office"], url, {"action": action, "comment": comment}, stored)


@pytest.mark.django_db
@SETTINGS
@given(
    kind=maybe(st.sampled_from(["special", "written"])),
    title=text,
    place=text,
    starts_at=maybe(st.just("2026-12-01T09:30")),
    deadline=maybe(st.just("2026-12-20T17:00")),
    units=st.lists(unit_ids, max_size=3),
)
def test_meeting_form(world, kind, title, place, starts_at, deadline, units):
    def stored(data):
        from meetings.models import Meeting

        meeting = Meeting.objects.latest("pk")
        assert meeting.title == data["title"].strip()

    data = {
        "kind": kind,
        "title": title,
        "place": place,
        "starts_at": starts_at,
        "opinion_deadline": deadline,
        "invited_units": units,
    }
    post_in_savepoint(world["office"], reverse("meetings:meeting-create"), data, stored)


@pytest.mark.django_db
@SETTINGS
@given(name=text, post=text)
def test_observer_form(world, name, post):
    def stored(data):
        observer = Attendance.objects.filter(status="observer").latest("pk")
        assert (observer.name, observer.post) == (data["name"].strip(), data["post"].strip())

    url = reverse("meetings:meeting-observer", args=[world["meeting"].pk])
    post_in_savepoint(world["office"], url, {"name": name, "post": post}, stored)


@pytest.mark.django_db
@SETTINGS
@given(summary=text, version=maybe(st.just("1")), decision=text, lead=unit_ids, deadline=future)
def test_minutes_form(world, summary, version, decision, lead, deadline):
    minutes = world["minutes"]

    def stored(data):
        minutes.refresh_from_db()
        assert minutes.summary == data["summary"].strip()

    data = {
        "summary": summary,
        "version": version,
        "d-TOTAL_FORMS": "1",
        "d-INITIAL_FORMS": "0",
        "d-0-text": decision,
        "d-0-lead_unit": lead,
        "d-0-deadline": deadline,
    }
    post_in_savepoint(
        world["office"], reverse("meetings:minutes-edit", args=[minutes.pk]), data, stored
    )


@pytest.mark.django_db
@SETTINGS
@given(title=text, lead=unit_ids, deadline=future, source_label=text)
def test_task_form(world, title, lead, deadline, source_label):
    def stored(data):
        task = Task.objects.latest("pk")
        assert (task.title, task.source_label) == (
            data["title"].strip(),
            data["source_label"].strip(),
        )

    data = {"title": title, "lead_unit": lead, "deadline": deadline, "source_label": source_label}
    post_in_savepoint(world["office"], reverse("duties:task-create"), data, stored)


@pytest.mark.django_db
@SETTINGS
@given(feedback=text, date=past)
def test_feedback_form(world, feedback, date):
    def stored(data):
        assert Feedback.objects.latest("pk").text == data["text"].strip()

    url = reverse("duties:task-feedback", args=[world["task"].pk])
    post_in_savepoint(world["liaison"], url, {"text": feedback, "date": date}, stored)


@pytest.mark.django_db
@SETTINGS
@given(new_deadline=future, reason=text)
def test_extension_form(world, new_deadline, reason):
    def stored(data):
        assert world["task"].extensions.latest("pk").reason == data["reason"].strip()

    url = reverse("duties:task-extension", args=[world["task"].pk])
    post_in_savepoint(
        world["liaison"], url, {"new_deadline": new_deadline, "reason": reason}, stored
    )


@pytest.mark.django_db
@SETTINGS
@given(
    level=maybe(st.sampled_from(["1", "2", "3"])),
    date=past,
    content=text,
    attendees=text,
    rectify_by=future,
)
def test_escalation_form(world, level, date, content, attendees, rectify_by):
    def stored(data):
        assert world["task"].escalations.latest("pk").content == data["content"].strip()

    data = {
        "unit": str(Unit.objects.get(name="旗民政局").pk),
        "level": level,
        "date": date,
        "content": content,
        "attendees": attendees,
        "rectify_by": rectify_by,
    }
    post_in_savepoint(
        world["office"], reverse("duties:task-escalate", args=[world["task"].pk]), data, stored
    )


@pytest.mark.django_db
@SETTINGS
@given(
    applicant=text,
    id_number=maybe(st.just(make_id("152627", datetime.date(1980, 5, 5), 7))),
    phone=maybe(st.just("13812345678")),
    address=text,
    facts=text,
    member_name=text,
    member_id=maybe(st.just(make_id("152627", datetime.date(2010, 5, 5), 8))),
)
def test_case_form(world, applicant, id_number, phone, address, facts, member_name, member_id):
    def stored(data):
        from cases.models import Case

        case = Case.objects.latest("pk")
        assert (case.applicant, case.address, case.facts) == (
            data["applicant"].strip(),
            data["address"].strip(),
            data["facts"].strip(),
        )

    data = {
        "applicant": applicant,
        "id_number": id_number,
        "phone": phone,
        "town": str(Unit.objects.get(name="札萨克镇").pk),
        "address": address,
        "category": "illness",
        "found_by": "active",
        "urgency": "urgent",
        "facts": facts,
        "requested_help": "救助",
        "m-TOTAL_FORMS": "1",
        "m-INITIAL_FORMS": "0",
        "m-0-name": member_name,
        "m-0-relation": "子",
        "m-0-id_number": member_id,
    }
    post_in_savepoint(world["office"], reverse("cases:case-create"), data, stored)


@pytest.mark.django_db
@SETTINGS
@given(subject=text, question=text, unit=unit_ids)
def test_verification_form(world, subject, question, unit):
    def stored(data):
        v = world["case"].verifications.latest("pk")
        assert (v.subject, v.question) == (data["subject"].strip(), data["question"].strip())

    url = reverse("cases:case-verify", args=[world["case"].pk])
    post_in_savepoint(
        world["office"], url, {"subject": subject, "question": question, "unit": unit}, stored
    )


@pytest.mark.django_db
@SETTINGS
@given(q=text, date=text, unit=text, light=text, year=text, page=text)
def test_search_and_filters_never_fail(world, q, date, unit, light, year, page):
    client = Client(raise_request_exception=False)
    client.force_login(world["office"])
    for url, params in (
        (reverse("duties:catalogue"), {"q": q}),
        (reverse("members:roster"), {"date": date}),
        (
            reverse("duties:task-list"),
            {"q": q, "unit": unit, "light": light, "year": year, "page": page},
        ),
        (reverse("meetings:item-list"), {"status": q}),
        (reverse("cases:case-list"), {"status": q}),
        (reverse("duties:task-export"), {"q": q, "unit": unit, "year": year}),
    ):
        assert client.get(url, params).status_code < 500, (url, params)


@pytest.mark.django_db
@SETTINGS
@given(username=text, password=text)
def test_login_form(world, username, password):
    client = Client(raise_request_exception=False)
    with transaction.atomic():
        response = client.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code < 500
        transaction.set_rollback(True)
    assert Person.objects.exists()


def no_check(data):
    """Accepted: nothing more to compare than that it did not fail or change more than it should."""


@pytest.mark.django_db
@SETTINGS
@given(choice=maybe(st.sampled_from(["agree", "disagree", "comment"])), opinion=text)
def test_opinion_form(world, choice, opinion):
    def stored(data):
        assert world["written"].opinions.get(unit__name="旗民政局").text == data["text"].strip()

    url = reverse("meetings:meeting-opinion", args=[world["written"].pk])
    post_in_savepoint(world["liaison"], url, {"choice": choice, "text": opinion}, stored)


@pytest.mark.django_db
@SETTINGS
@given(status=maybe(st.sampled_from(["present", "leave", "delegate"])), name=text, post=text)
def test_attendance_form(world, status, name, post):
    rows = world["meeting"].attendances.filter(seat__isnull=False)
    data = {f"a{r.pk}-status": "present" for r in rows}
    first = rows.first()
    data.update(
        {
            f"a{first.pk}-status": status,
            f"a{first.pk}-delegate_name": name,
            f"a{first.pk}-delegate_post": post,
        }
    )

    def stored(posted):
        row = Attendance.objects.get(pk=first.pk)
        if row.status == "delegate":
            assert row.delegate_name == name.strip()

    url = reverse("meetings:meeting-attendance", args=[world["meeting"].pk])
    post_in_savepoint(world["office"], url, data, stored)


@pytest.mark.django_db
@SETTINGS
@given(comment=text, action=st.sampled_from(["minutes-approve", "minutes-return"]))
def test_minutes_review_comment(world, comment, action):
    def stored(data):
        assert world["submitted_minutes"].steps.latest("pk").comment == data["comment"].strip()

    url = reverse(f"meetings:{action}", args=[world["submitted_minutes"].pk])
    post_in_savepoint(world["leader"], url, {"comment": comment, "confirm": "yes"}, stored)


@pytest.mark.django_db
@SETTINGS
@given(decision=maybe(st.sampled_from(["approve", "refuse"])), comment=text)
def test_extension_decision_form(world, decision, comment):
    def stored(data):
        assert world["extension"].__class__.objects.get(
            pk=world["extension"].pk
        ).decision_comment == (data["comment"].strip())

    url = reverse("duties:extension-decide", args=[world["extension"].pk])
    post_in_savepoint(world["office"], url, {"decision": decision, "comment": comment}, stored)


@pytest.mark.django_db
@SETTINGS
@given(reason=text, which=st.sampled_from(["task-close", "escalation-resolve", "case-refuse"]))
def test_reason_forms(world, reason, which):
    url, field, obj = {
        "task-close": ("duties:task-close", "reason", world["task"]),
        "escalation-resolve": ("duties:escalation-resolve", "resolution", world["escalation"]),
        "case-refuse": ("cases:case-refuse", "reason", world["case"]),
    }[which]

    def stored(data):
        obj.refresh_from_db()
        stored_value = getattr(
            obj,
            {
                "task-close": "close_reason",
                "escalation-resolve": "resolution",
                "case-refuse": "refuse_reason",
            }[which],
        )
        assert stored_value == data[field].strip()

    post_in_savepoint(world["office"], reverse(url, args=[obj.pk]), {field: reason}, stored)


@pytest.mark.django_db
@SETTINGS
@given(answer=text)
def test_verification_answer_form(world, answer):
    def stored(data):
        world["verification"].refresh_from_db()
        assert world["verification"].answer == data["answer"].strip()

    url = reverse("cases:verification-detail", args=[world["verification"].pk])
    post_in_savepoint(world["liaison"], url, {"answer": answer}, stored)


@pytest.mark.django_db
@SETTINGS
@given(unit=unit_ids, description=text, amount=maybe(st.just("5000")), deadline=future)
def test_case_measures_form(world, unit, description, amount, deadline):
    data = {
        "x-TOTAL_FORMS": "1",
        "x-INITIAL_FORMS": "0",
        "x-0-unit": unit,
        "x-0-description": description,
        "x-0-amount": amount,
        "x-0-deadline": deadline,
    }
    post_in_savepoint(
        world["office"], reverse("cases:case-decide", args=[world["case"].pk]), data, no_check
    )


@pytest.mark.django_db
@SETTINGS
@given(title=text, background=text, proposal=text, version=maybe(st.just("1")))
def test_agenda_item_edit_form(world, title, background, proposal, version):
    def stored(data):
        item = AgendaItem.objects.get(pk=world["item"].pk)
        assert (item.title, item.background) == (data["title"].strip(), data["background"].strip())

    data = {"title": title, "background": background, "proposal": proposal, "version": version}
    post_in_savepoint(
        world["liaison"], reverse("meetings:item-edit", args=[world["item"].pk]), data, stored
    )


@pytest.mark.django_db
@SETTINGS
@given(meeting=maybe(st.integers(1, 5).map(str)))
def test_schedule_form(world, meeting):
    post_in_savepoint(
        world["office"],
        reverse("meetings:item-schedule", args=[world["item"].pk]),
        {"meeting": meeting},
        no_check,
    )


emails = maybe(st.emails().filter(lambda e: len(e) <= 254))


@pytest.mark.django_db
@SETTINGS
@given(email=emails, notify_by=maybe(st.sampled_from(["site", "email"])))
def test_notify_settings_form(world, email, notify_by):
    from members.models import User

    user = world["liaison"]
    client = Client(raise_request_exception=False)
    client.force_login(user)
    with transaction.atomic():
        response = client.post(
            reverse("members:notify-settings"), {"email": email, "notify_by": notify_by}
        )
        assert response.status_code < 500
        stored = User.objects.get(pk=user.pk)
        if response.status_code == 302:
            assert stored.notify_by == notify_by and stored.email == email.strip()
            assert notify_by == "site" or stored.email
        else:
            assert (stored.email, stored.notify_by) == ("", "site")  # refused: nothing stored
        transaction.set_rollback(True)


@pytest.mark.django_db
@SETTINGS
@given(
    date=maybe(st.dates(datetime.date(2020, 1, 1), datetime.date(2099, 12, 31)).map(str)),
    kind=maybe(st.sampled_from(["0", "1"])),
    note=text,
)
def test_workday_form(world, date, kind, note):
    from members.models import CalendarDay

    def stored(data):
        day = CalendarDay.objects.get()
        assert str(day.date) == data["date"] and day.note == data["note"].strip()

    before = CalendarDay.objects.count()
    url = reverse("members:workday-list")
    post_in_savepoint(
        world["office"],
        url,
        {"date": date, "is_working_day": kind, "note": note},
        lambda data: stored(data) if CalendarDay.objects.count() > before else None,
    )


@pytest.mark.django_db
@SETTINGS
@given(units=st.lists(unit_ids, max_size=4), late=text, remark=text)
def test_chase_form(world, units, late, remark):
    url = reverse("duties:task-chase", args=[world["task"].pk])
    post_in_savepoint(
        world["office"], url, {"units": units, "late": late, "text": remark}, no_check
    )


@pytest.mark.django_db
@SETTINGS
@given(a=text, b=text, c=text)
def test_inbox_and_calendar_filters_never_fail(world, a, b, c):
    client = Client(raise_request_exception=False)
    client.force_login(world["office"])
    for url, params in (
        (reverse("members:inbox"), {"unread": a, "kind": b, "page": c}),
        (reverse("members:delivery-list"), {"status": a, "page": b}),
        (reverse("calendar"), {"month": a}),
        (reverse("calendar"), {"week": b}),
    ):
        assert client.get(url, params).status_code < 500, (url, params)
