"""A 核对请求 is asked once: the same check of the same unit for the same case, while the first is
unanswered, is refused with a message (issue 17) — by the service and by a partial unique
constraint in the database."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from cases import services
from cases.identity import make_id
from cases.models import Verification
from members.models import Unit
from members.permissions import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(office):
    return services.register_case(
        services.CaseData(
            applicant="王五",
            id_number=make_id("152627", datetime.date(1970, 1, 1), 1),
            phone="",
            town=Unit.objects.get(name="札萨克镇"),
            address="某村",
            category="illness",
            facts="因病致贫",
            requested_help="临时救助",
            found_by="active",
        ),
        by=office,
    )


def police():
    return Unit.objects.get(name="旗公安局")


def ask(case, office, unit=None, subject="户籍"):
    return services.request_verification(case, by=office, unit=unit or police(), subject=subject)


def test_the_same_open_request_twice_is_refused_with_a_message(case, office):
    ask(case, office)
    with pytest.raises(services.CasesError) as refused:
        ask(case, office, subject=" 户籍 ")
    assert str(refused.value) == (
        "已向旗公安局发出“户籍”的核对请求，尚未答复；请等待答复，不要重复发出。"
    )
    assert case.verifications.count() == 1


def test_another_subject_or_another_unit_is_a_new_request(case, office):
    ask(case, office)
    ask(case, office, subject="车辆")
    ask(case, office, unit=Unit.objects.get(name="旗自然资源局"))
    assert case.verifications.count() == 3


def test_once_answered_the_same_check_may_be_asked_again(case, office):
    v = ask(case, office)
    services.answer_verification(
        v, by=make_user("police", Role.LIAISON, "旗公安局"), answer="户籍在本旗"
    )
    ask(case, office)  # e.g. the household changed since
    assert case.verifications.count() == 2


def test_the_database_refuses_a_second_open_request_whatever_the_caller(case, office):
    ask(case, office)
    with pytest.raises(IntegrityError), transaction.atomic():
        Verification.objects.create(case=case, unit=police(), subject="户籍", requested_by=office)


def test_the_case_page_shows_the_refusal_and_stores_nothing(client, case, office):
    ask(case, office)
    client.force_login(office)
    response = client.post(
        f"/cases/{case.pk}/verify/",
        {"unit": police().pk, "subject": "户籍", "shown_fields": ["applicant", "id_number"]},
        follow=True,
    )
    assert "不要重复发出" in response.content.decode()
    assert case.verifications.count() == 1
