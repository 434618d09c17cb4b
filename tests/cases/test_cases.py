"""Urgent cases: identity numbers, masking, every transition, who sees what, and what leaves."""

import datetime
import io

import openpyxl
import pdfplumber
import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.identity import InvalidID, make_id, mask_id, mask_phone, validate_id
from cases.models import AccessLog, Case, HouseholdMember
from cases.services import CasesError
from duties.models import Task
from meetings import services as meeting_services
from meetings.models import Minutes
from members.models import Step, Unit
from members.permissions import Role
from tests.factories import aware, make_meeting, make_user

D = datetime.date
APPLICANT_ID = make_id("152627", D(1968, 3, 14), 123)
CHILD_ID = make_id("152627", D(2012, 9, 1), 456)
PHONE = "13812345678"
ADDRESS = "纳林陶亥镇新庙村三社12号"


# --- identity numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [APPLICANT_ID, "11010519491231002X", "11010519491231002x", " 152627196803141232 "],
)
def test_valid_id_numbers_pass(value):
    assert validate_id(value) == value.strip().upper()


@pytest.mark.parametrize(
    "value, message",
    [
        ("110105194912310021", "校验位不正确"),
        ("11010519491231002", "应为 18 位"),
        ("1101051949123100211", "应为 18 位"),
        ("11010519491331002X", "出生日期不存在"),
        ("11010518000101002X", "出生日期不合理"),
        ("1101051949123100AX", "前 17 位应为数字"),
        ("010105194912310021", "前 17 位应为数字"),
    ],
)
def test_invalid_id_numbers_say_why(value, message):
    with pytest.raises(InvalidID, match=message):
        validate_id(value)


def test_masking():
    assert mask_id("152627196803141232") == "152627********1232"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id("") == "" and mask_phone("") == ""


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def town_liaison(charter):
    return make_user("naln", Role.LIAISON, "纳林陶亥镇")


@pytest.fixture
def police(charter):
    return make_user("police", Role.LIAISON, "旗公安局")


@pytest.fixture
def medical(charter):
    return make_user("yibao", Role.LIAISON, "旗医疗保障局")


def case_data(**kw):
    data = {
        "applicant": "张三丰",
        "id_number": APPLICANT_ID,
        "phone": PHONE,
        "town": Unit.objects.get(name="纳林陶亥镇"),
        "address": ADDRESS,
        "category": Case.Category.ILLNESS,
        "facts": "户主突发脑出血住院，家中无其他劳动力。",
        "requested_help": "医疗费用救助和临时生活救助。",
        "found_by": Case.Found.ACTIVE,
        "household": [services.MemberData("张小明", "儿子", CHILD_ID, "在校学生")],
    }
    data.update(kw)
    return services.CaseData(**data)


@pytest.fixture
def case(town_liaison):
    return services.register_case(case_data(), by=town_liaison)


def case_steps():
    return Step.objects.filter(content_type__model="case").count()


def snapshot():
    return (
        list(Case.objects.values_list("pk", "status", "agenda_item", "refuse_reason")),
        case_steps(),
        list(Task.objects.values_list("pk", flat=True)),
        HouseholdMember.objects.count(),
    )


def refused(call, message):
    before = snapshot()
    with pytest.raises(CasesError, match=message):
        call()
    assert snapshot() == before


# --- registration -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_town_liaison_registers_a_numbered_case(case, town_liaison):
    assert case.number_label == f"急难〔{timezone.localdate().year}〕1号"
    assert case.status == Case.Status.RECEIVED
    assert case.household.get().id_number == CHILD_ID
    assert case.deidentified_name == "张某某"


@pytest.mark.django_db
def test_a_town_liaison_registers_only_for_their_own_town(town_liaison, liaison):
    other_town = Unit.objects.get(name="札萨克镇")
    refused(
        lambda: services.register_case(case_data(town=other_town), by=town_liaison), "只能登记本镇"
    )
    refused(lambda: services.register_case(case_data(), by=liaison), "只有办公室和各镇联络员")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"id_number": "152627196803141230"}, "申请人的身份证号校验位不正确"),
        (
            {"household": [services.MemberData("李四", "妻子", "15262719700101123", "")]},
            "家庭成员李四的身份证号应为 18 位",
        ),
        ({"phone": "12345"}, "联系电话格式不正确"),
        ({"applicant": " "}, "请填写申请人姓名"),
        ({"address": ""}, "请填写住址"),
    ],
)
def test_bad_case_data_is_refused_and_saves_nothing(office, kwargs, message):
    refused(lambda: services.register_case(case_data(**kwargs), by=office), message)


# --- the whole path -----------------------------------------------------------------------------


def deliberate(case, office, police, medical, leader, liaison):
    services.request_verification(
        case, by=office, unit=Unit.objects.get(name="旗公安局"), subject="户籍、车辆"
    )
    v = case.verifications.get()
    services.answer_verification(v, by=police, answer="户籍人口 2 人，名下无机动车辆。")
    meeting = make_meeting(
        office,
        kind="written",
        units=("旗民政局", "旗医疗保障局"),
        opinion_deadline=aware(2099, 1, 1),
    )
    services.submit_for_deliberation(case, by=office, meeting=meeting)
    meeting_services.notify_meeting(meeting, by=office)
    meeting_services.hold_meeting(meeting, by=office)
    services.record_decision(
        case,
        by=office,
        measures=[
            services.MeasureData(
                Unit.objects.get(name="旗医疗保障局"), "大病救助", D(2099, 1, 31), 20000
            ),
            services.MeasureData(
                Unit.objects.get(name="旗民政局"), "临时救助", D(2099, 1, 15), 5000
            ),
        ],
    )
    services.start_measures(case, by=office)
    return meeting


@pytest.mark.django_db
def test_from_intake_to_closure(case, office, police, medical, leader, liaison):
    refused(lambda: services.submit_for_deliberation(case, by=office, meeting=None), "须先完成核对")
    services.request_verification(
        case, by=office, unit=Unit.objects.get(name="旗公安局"), subject="户籍、车辆"
    )
    meeting = make_meeting(office, kind="special", units=("旗民政局",))
    refused(
        lambda: services.submit_for_deliberation(case, by=office, meeting=meeting),
        "还有 1 项核对未答复",
    )
    services.answer_verification(case.verifications.get(), by=police, answer="无车辆")
    services.submit_for_deliberation(case, by=office, meeting=meeting)
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    assert case.agenda_item.title.startswith(f"{case.number_label} 张某某")
    assert "张三丰" not in case.agenda_item.title + case.agenda_item.background
    refused(lambda: services.record_decision(case, by=office, measures=[]), "会议尚未审议")
    meeting.starts_at = aware(2026, 6, 1)
    meeting.save()
    meeting_services.notify_meeting(meeting, by=office)
    meeting_services.hold_meeting(meeting, by=office)
    refused(lambda: services.record_decision(case, by=office, measures=[]), "至少登记一项")
    services.record_decision(
        case,
        by=office,
        measures=[
            services.MeasureData(
                Unit.objects.get(name="旗医疗保障局"), "大病救助", D(2099, 1, 31), 20000
            )
        ],
    )
    services.start_measures(case, by=office)
    case.refresh_from_db()
    task = case.measures.get().task
    assert case.status == Case.Status.IMPLEMENTING
    assert task.source == Task.Source.CASE and task.lead_unit.name == "旗医疗保障局"
    assert "张某某" in task.title and "张三丰" not in task.title
    refused(lambda: services.close_case(case, by=office), "还有 1 项救助措施未办结")
    from duties import services as duties_services

    duties_services.close_task(task, by=office, reason="已发放")
    services.close_case(case, by=office)
    assert list(case.steps.values_list("action", flat=True)) == [
        "received",
        "verifying",
        "submitted",
        "decided",
        "implementing",
        "closed",
    ]


@pytest.mark.django_db
def test_refusal_needs_a_reason_and_is_final(case, office):
    refused(lambda: services.refuse_case(case, by=office, reason=""), "请写明不予救助的理由")
    services.refuse_case(case, by=office, reason="经核对家庭收入超过标准")
    refused(lambda: services.refuse_case(case, by=office, reason="x"), "不能再改为不予救助")
    refused(
        lambda: services.request_verification(
            case, by=office, unit=Unit.objects.first(), subject="x"
        ),
        "不能再发起核对",
    )


@pytest.mark.django_db
def test_only_the_verifying_units_liaison_answers(case, office, police, liaison):
    v = services.request_verification(
        case, by=office, unit=Unit.objects.get(name="旗公安局"), subject="户籍"
    )
    with pytest.raises(CasesError, match="只有被请求核对单位的联络员"):
        services.answer_verification(v, by=liaison, answer="x")
    with pytest.raises(CasesError, match="请填写核对结果"):
        services.answer_verification(v, by=police, answer=" ")
    assert not case.verifications.get().is_answered


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_mask_personal_data_by_default(client, case, office, leader):
    for user in (office, leader):
        client.force_login(user)
        html = client.get(case.get_absolute_url()).content.decode()
        assert "152627********1232" in html and APPLICANT_ID not in html
        assert "138****5678" in html and PHONE not in html
        assert ADDRESS not in html and "张三丰" not in html
        assert CHILD_ID not in html
        html = client.get(reverse("cases:case-list")).content.decode()
        assert APPLICANT_ID not in html and "张三丰" not in html


@pytest.mark.django_db
def test_the_full_record_is_for_the_office_and_named_units_and_every_view_is_logged(
    client, case, office, leader, police, liaison2, town_liaison
):
    url = reverse("cases:case-full", args=[case.pk])
    client.force_login(office)
    html = client.get(url).content.decode()
    assert APPLICANT_ID in html and PHONE in html and ADDRESS in html
    client.force_login(leader)
    assert client.get(url).status_code == 403  # leaders read masked
    client.force_login(police)
    assert client.get(url).status_code == 404  # not named yet
    services.request_verification(
        case, by=office, unit=Unit.objects.get(name="旗公安局"), subject="户籍"
    )
    assert client.get(url).status_code == 200  # named by the verification request
    client.force_login(liaison2)
    assert client.get(url).status_code == 404
    client.force_login(town_liaison)
    assert client.get(url).status_code == 200
    log = list(AccessLog.objects.order_by("at").values_list("user__username", "case"))
    assert log == [("office", case.pk), ("police", case.pk), ("naln", case.pk)]
    client.force_login(office)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "完整个人信息查看记录" in html and "旗公安局" in html


@pytest.mark.django_db
def test_an_unnamed_units_liaison_gets_404_everywhere(client, case, office, police, liaison2):
    v = services.request_verification(
        case, by=office, unit=Unit.objects.get(name="旗公安局"), subject="户籍"
    )
    services.answer_verification(v, by=police, answer="户籍 2 人")
    client.force_login(liaison2)
    for url in (
        case.get_absolute_url(),
        reverse("cases:case-full", args=[case.pk]),
        reverse("cases:verification-detail", args=[v.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert case.number_label not in client.get(reverse("cases:case-list")).content.decode()
    assert "户籍 2 人" not in client.get(reverse("cases:verification-list")).content.decode()


@pytest.mark.django_db
def test_history_keeps_no_personal_data(case):
    history_fields = {f.name for f in Case.history.model._meta.get_fields()}
    assert not {"id_number", "phone", "address"} & history_fields
    assert "id_number" not in {f.name for f in HouseholdMember.history.model._meta.get_fields()}
    assert Case.history.filter(id=case.pk).exists()  # history still records the changes


@pytest.mark.django_db
def test_the_export_is_masked_and_for_the_office_only(client, case, office, leader):
    client.force_login(leader)
    assert client.get(reverse("cases:case-export")).status_code == 403
    client.force_login(office)
    response = client.get(reverse("cases:case-export"))
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    assert rows[1][:4] == (case.number_label, "张某某", "152627********1232", "138****5678")
    flat = " ".join(str(c) for row in rows for c in row)
    assert APPLICANT_ID not in flat and PHONE not in flat and ADDRESS not in flat


# --- documents for thirty units -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_minutes_pdf_names_the_case_only_by_number_and_pseudonym(
    case, office, police, medical, leader, liaison
):
    meeting = deliberate(case, office, police, medical, leader, liaison)
    minutes = meeting_services.create_minutes(meeting, by=office)
    decision = f"{case.number_label} {case.deidentified_name}：由旗医疗保障局落实大病救助 2 万元。"
    meeting_services.save_minutes(
        minutes,
        by=office,
        version=1,
        summary=f"书面审议了{case.number_label}个案。",
        decisions=[
            meeting_services.DecisionData(decision, Unit.objects.get(name="旗医疗保障局"), [])
        ],
    )
    meeting_services.submit_minutes(minutes, by=office)
    meeting_services.approve_minutes(minutes, by=leader)
    minutes = meeting_services.issue_minutes(minutes, by=office)
    with pdfplumber.open(io.BytesIO(minutes.pdf.read())) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages).replace("\n", "").replace(" ", "")
    assert case.number_label in text and "张某某" in text
    for secret in (APPLICANT_ID, CHILD_ID, PHONE, ADDRESS, "张三丰", "张小明"):
        assert secret not in text


@pytest.mark.django_db
@pytest.mark.parametrize("secret", ["张三丰", ADDRESS, PHONE, APPLICANT_ID, "张小明"])
def test_minutes_carrying_personal_data_are_refused_when_saved(
    case, office, police, medical, leader, liaison, secret
):
    meeting = deliberate(case, office, police, medical, leader, liaison)
    minutes = meeting_services.create_minutes(meeting, by=office)
    with pytest.raises(meeting_services.MeetingsError, match="个案|身份证号码|手机号码"):
        meeting_services.save_minutes(
            minutes,
            by=office,
            version=1,
            summary=f"审议了{secret}的困难情况。",
            decisions=[
                meeting_services.DecisionData("落实救助", Unit.objects.get(name="旗民政局"), [])
            ],
        )
    minutes.refresh_from_db()
    assert minutes.summary == "" and minutes.status == Minutes.Status.DRAFT
