"""Minimum necessary: a verifying unit sees in full only the fields the office chose for its
request; the access log records which fields each view showed."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services
from cases.models import AccessLog, Case, Verification
from members.models import Unit
from members.permissions import Role
from tests.cases.test_cases import ADDRESS, APPLICANT_ID, CHILD_ID, PHONE, case_data
from tests.factories import make_user

DEFAULT = ["applicant", "id_number", "member_names", "member_ids"]
ALL = [f.value for f in Verification.Field]


@pytest.fixture
def world(charter, office):
    town = make_user("naln", Role.LIAISON, "纳林陶亥镇")
    case = services.register_case(
        case_data(), by=town, files=[SimpleUploadedFile("诊断证明.pdf", b"%PDF-1.4 x")]
    )
    police = make_user("police", Role.LIAISON, "旗公安局")
    ziran = make_user("ziran", Role.LIAISON, "旗自然资源局")
    services.request_verification(case, by=office, unit=police.unit, subject="户籍")
    services.request_verification(
        case,
        by=office,
        unit=ziran.unit,
        subject="房产",
        shown_fields=["applicant", "id_number", "address"],
    )
    return {
        "case": case,
        "office": office,
        "town": town,
        "police": police,
        "ziran": ziran,
        "police_member": make_user("police-m", Role.MEMBER, "旗公安局"),
        "leader": make_user("leader", Role.LEADER, "旗人民政府"),
        "outsider": make_user("jiaoti", Role.LIAISON, "旗教体局"),
    }


def full_view(client, user, case):
    client.force_login(user)
    return client.get(reverse("cases:case-full", args=[case.pk]))


def shows(page):
    text = page.text
    return {
        "applicant": "张三丰" in text,
        "id_number": APPLICANT_ID in text,
        "member_names": "张小明" in text,
        "member_ids": CHILD_ID in text,
        "phone": PHONE in text,
        "address": ADDRESS in text,
        "files": "诊断证明.pdf" in text,
    }


@pytest.mark.django_db
def test_a_household_registration_check_sees_names_and_id_numbers_only(client, world):
    case, police = world["case"], world["police"]
    page = full_view(client, police, case)
    assert page.status_code == 200
    assert {k for k, v in shows(page).items() if v} == set(DEFAULT)
    assert "138****5678" in page.text  # the phone stays masked
    assert "按核对需要显示：申请人姓名、申请人身份证号、家庭成员姓名、家庭成员身份证号" in page.text
    log = AccessLog.objects.get(user=police)
    assert (log.fields, log.unit.name) == (DEFAULT, "旗公安局")
    download = client.get(reverse("cases:case-file", args=[case.pk, case.files.get().pk]))
    assert download.status_code == 404  # materials were not asked for
    assert AccessLog.objects.filter(user=police).count() == 1


@pytest.mark.django_db
def test_a_property_check_given_the_address_sees_it_and_nothing_it_was_not_given(client, world):
    page = full_view(client, world["ziran"], world["case"])
    assert {k for k, v in shows(page).items() if v} == {"applicant", "id_number", "address"}
    assert AccessLog.objects.get(user=world["ziran"]).fields == [
        "applicant",
        "id_number",
        "address",
    ]


@pytest.mark.django_db
def test_a_second_request_to_the_same_unit_adds_what_it_allows(client, world):
    case, police = world["case"], world["police"]
    services.request_verification(
        case, by=world["office"], unit=police.unit, subject="车辆", shown_fields=["phone", "files"]
    )
    page = full_view(client, police, case)
    assert {k for k, v in shows(page).items() if v} == {*DEFAULT, "phone", "files"}
    download = client.get(reverse("cases:case-file", args=[case.pk, case.files.get().pk]))
    assert download.status_code == 200
    assert AccessLog.objects.filter(user=police).latest("pk").fields == ["files"]


@pytest.mark.parametrize("who", ["office", "town"])
@pytest.mark.django_db
def test_the_office_and_the_cases_own_town_see_everything(client, world, who):
    page = full_view(client, world[who], world["case"])
    assert all(shows(page).values())
    assert AccessLog.objects.get(user=world[who]).fields == ALL


@pytest.mark.django_db
def test_a_unit_carrying_out_a_measure_sees_everything_to_reach_the_family(client, world):
    case = world["case"]
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SUBMITTED)
    case.measures.create(
        unit=Unit.objects.get(name="旗医疗保障局"),
        description="医疗救助",
        deadline=datetime.date(2026, 12, 31),
    )
    yibao = make_user("yibao", Role.LIAISON, "旗医疗保障局")
    assert all(shows(full_view(client, yibao, case)).values())


@pytest.mark.parametrize(
    ("who", "status"), [("leader", 403), ("police_member", 403), ("outsider", 404)]
)
@pytest.mark.django_db
def test_others_get_no_full_view_and_no_log_entry(client, world, who, status):
    assert full_view(client, world[who], world["case"]).status_code == status
    assert not AccessLog.objects.filter(user=world[who]).exists()


@pytest.mark.django_db
def test_the_masked_page_of_a_verifying_unit_shows_no_full_value(client, world):
    client.force_login(world["police"])
    page = client.get(reverse("cases:case-detail", args=[world["case"].pk]))
    assert not any(shows(page).values())
    v = world["case"].verifications.get(unit=world["police"].unit)
    page = client.get(reverse("cases:verification-detail", args=[v.pk]))
    assert (
        "核对所需的信息（申请人姓名、申请人身份证号、家庭成员姓名、家庭成员身份证号）" in page.text
    )
    assert not any(shows(page).values())


@pytest.mark.django_db
def test_the_office_chooses_the_fields_on_the_request_form(client, world):
    case, office = world["case"], world["office"]
    client.force_login(office)
    url = reverse("cases:case-verify", args=[case.pk])
    unit = Unit.objects.get(name="旗税务局")
    page = client.get(reverse("cases:case-detail", args=[case.pk]))
    assert "核对单位可以查看的个人信息" in page.text
    assert "（可查看：申请人姓名、申请人身份证号、住址）" in page.text
    before = Verification.objects.count()
    for fields, message in (([], "请至少选择一项"), (["salary"], "无效的选项")):
        response = client.post(
            url, {"unit": unit.pk, "subject": "纳税", "shown_fields": fields}, follow=True
        )
        assert message in response.text
        assert Verification.objects.count() == before  # nothing stored
    client.post(
        url, {"unit": unit.pk, "subject": "纳税", "shown_fields": ["applicant", "id_number"]}
    )
    assert Verification.objects.get(unit=unit).shown_fields == ["applicant", "id_number"]


@pytest.mark.django_db
def test_the_service_refuses_a_request_showing_nothing(world):
    with pytest.raises(services.CasesError, match="请至少选择一项"):
        services.request_verification(
            world["case"],
            by=world["office"],
            unit=world["police"].unit,
            subject="户籍",
            shown_fields=[],
        )
