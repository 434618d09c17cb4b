"""The case page offers an action exactly when its service would accept it (CASE_ACTIONS)."""

import datetime

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from cases import permissions as perms
from cases import services
from cases.models import Case
from duties import services as duties_services
from meetings import services as meeting_services
from members.models import Unit, User
from members.permissions import Role
from tests.factories import aware, make_meeting, make_user


class Rollback(Exception):
    pass


def accepted(call, *args) -> bool:
    try:
        with transaction.atomic():
            call(*args)
            raise Rollback
    except Rollback:
        return True
    except services.CasesError:
        return False


def _unit(name):
    return Unit.objects.get(name=name)


def _measure():
    return services.MeasureData(
        unit=_unit("旗民政局"),
        description="发放临时救助金",
        deadline=timezone.localdate() + datetime.timedelta(days=20),
        amount=None,
    )


CALLS = {
    "verify": lambda c, u: services.request_verification(
        c, by=u, unit=_unit("旗医疗保障局"), subject="医保报销"
    ),
    "submit": lambda c, u: services.submit_for_deliberation(
        c,
        by=u,
        meeting=make_meeting(u, starts_at=aware(2031, 1, 5)) if perms.is_office(u) else None,
    ),
    "decide": lambda c, u: services.record_decision(c, by=u, measures=[_measure()]),
    "start": lambda c, u: services.start_measures(c, by=u),
    "close": lambda c, u: services.close_case(c, by=u),
    "refuse": lambda c, u: services.refuse_case(c, by=u, reason="家庭收入超过标准"),
}


def _case_in(state, office, make_case):
    case = make_case()
    if state == "received":
        return case
    verification = services.request_verification(
        case, by=office, unit=_unit("旗公安局"), subject="户籍"
    )
    if state == "verifying":
        return case
    liaison = _liaison_of("旗公安局")
    services.answer_verification(verification, by=liaison, answer="户籍属实。")
    if state == "answered":
        return case
    meeting = make_meeting(office, starts_at=aware(2026, 1, 5))
    services.submit_for_deliberation(case, by=office, meeting=meeting)
    if state == "submitted":
        return case
    meeting_services.notify_meeting(meeting, by=office)
    meeting_services.hold_meeting(meeting, by=office)
    if state == "deliberated":
        return case
    services.record_decision(case, by=office, measures=[_measure()])
    if state == "decided":
        return case
    services.start_measures(case, by=office)
    if state == "implementing":
        return case
    task = case.measures.get().task
    mz = _liaison_of("旗民政局")
    duties_services.add_feedback(task, by=mz, text="已发放。", date=timezone.localdate())
    duties_services.complete_task(task, by=mz)
    if state == "measures-done":
        return case
    raise AssertionError(state)


def _liaison_of(unit_name):
    user = User.objects.filter(unit__name=unit_name, groups__name=Role.LIAISON.value).first()
    return user or make_user(f"liaison-{unit_name}", Role.LIAISON, unit_name)


STATES = [
    "received",
    "verifying",
    "answered",
    "submitted",
    "deliberated",
    "decided",
    "implementing",
    "measures-done",
]


@pytest.fixture
def make_case(office):
    def make():
        return services.register_case(
            services.CaseData(
                applicant="张建国",
                id_number="152627197104121018",
                phone="13804770001",
                town=_unit("纳林陶亥镇"),
                address="纳林陶亥镇新庙村三社",
                category=Case.Category.ILLNESS,
                facts="户主突发疾病住院。",
                requested_help="临时救助。",
                found_by=Case.Found.ACTIVE,
            ),
            by=office,
        )

    return make


@pytest.mark.parametrize("state", STATES)
def test_the_case_page_offers_exactly_what_the_services_accept(
    state, office, leader, liaison, member, make_case
):
    with time_machine.travel(aware(2026, 1, 10), tick=False):
        case = _case_in(state, office, make_case)
        for user in (office, leader, liaison, member):
            actions, _ = perms.case_offer(user, Case.objects.get(pk=case.pk))
            works = {
                name
                for name, call in CALLS.items()
                if accepted(call, Case.objects.get(pk=case.pk), user)
            }
            assert actions == works, (user.username, state)


def test_the_office_is_told_why_a_case_cannot_be_submitted_yet(office, client, make_case):
    with time_machine.travel(aware(2026, 1, 10), tick=False):
        case = _case_in("verifying", office, make_case)
        client.force_login(office)
        page = client.get(case.get_absolute_url()).content.decode()
    assert "提请审议</button>" not in page
    assert "还有 1 项核对未答复" in page
