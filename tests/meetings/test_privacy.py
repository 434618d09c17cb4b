"""Personal data never reaches what is printed or sent to the units (meetings/privacy.py).

The bypasses of the adversarial trial (issue 18) are test cases here, word for word.
"""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import services as case_services
from cases.identity import make_id
from jiuzhu.backup import table_checksums
from meetings import privacy, services
from meetings.models import Minutes, PersonalDataConfirmation
from members.models import Unit
from members.permissions import Role
from tests.cases.test_cases import case_data
from tests.factories import approved_minutes, make_item, make_meeting, make_user

TITLE = "专题会 张建国 152627197104121018 13804770001"
SUMMARY = "个案张建国住纳林陶亥镇新庙村三社，身份证 152627 19710412 1018，电话 138-0477-0001"
DECISION = "王海军 152627-19850721-1039 联系 138 0477 0003"


@pytest.fixture
def town_liaison(charter):
    return make_user("naln", Role.LIAISON, "纳林陶亥镇")


@pytest.fixture
def a_case(town_liaison):
    """A case that no meeting deliberates: its people must still never be named."""
    return case_services.register_case(case_data(applicant="王海军"), by=town_liaison)


def test_the_cases_app_registers_where_its_peoples_data_is(a_case):
    assert case_services.personal_terms in privacy.sources()
    terms = set(privacy.personal_terms())
    assert ("个案申请人姓名", "王海军") in terms
    assert ("个案家庭成员姓名", "张小明") in terms
    assert ("个案住址", a_case.address) in terms


@pytest.mark.parametrize(
    "text, kind",
    [
        ("152627197104121018", "身份证号码"),
        ("152627 19710412 1018", "身份证号码"),
        ("152627-19850721-1039", "身份证号码"),
        ("１５２６２７１９７１０４１２１０１８", "身份证号码"),
        ("15262719710412101\nX", "身份证号码"),
        ("152627710412101", "身份证号码"),  # 15 digits, the old kind
        ("138-0477-0001", "手机号码"),
        ("138 0477 0003", "手机号码"),
        ("138.0477.0001", "手机号码"),
        ("138/0477/0001", "手机号码"),
        ("0477-8612345", "固定电话号码"),
        ("152627197104121018 13804770001", "手机号码"),  # two numbers run together
    ],
)
def test_numbers_are_found_whatever_separates_their_digits(text, kind):
    assert kind in {h.kind for h in privacy.find({"纪要": f"联系人{text}。"}, terms=[])}


@pytest.mark.parametrize(
    "text",
    [
        "〔2026〕第1期",
        "会议于2026-12-03 10:00召开，共13项，金额1,234,567.89元。",
        "第一季度发放资金 1380 万元，共 4770 户。",
        "伊政发〔2024〕58号",
    ],
)
def test_ordinary_numbers_of_minutes_are_not_personal_data(text):
    assert privacy.find({"纪要": text}, terms=[]) == []


def test_the_trials_meeting_title_is_refused_and_nothing_is_written(office):
    before = table_checksums()
    with pytest.raises(services.MeetingsError, match="会议名称中含有身份证号码"):
        make_meeting(office, title=TITLE)
    assert table_checksums() == before  # no row, no history row


def test_the_trials_minutes_text_and_decision_are_refused_on_every_save(
    office, leader, liaison, a_case
):
    minutes = approved_minutes(office, leader, liaison)
    services.withdraw_approval(minutes, by=office, reason="补充内容")
    minutes.refresh_from_db()
    lead = Unit.objects.get(name="旗民政局")
    before = table_checksums()
    for summary, decision in [(SUMMARY, "按期完成。"), ("会议听取了汇报。", DECISION)]:
        with pytest.raises(services.MeetingsError, match="含有身份证号码"):
            services.save_minutes(
                minutes,
                by=office,
                version=minutes.version,
                summary=summary,
                decisions=[
                    services.DecisionData(
                        text=decision, lead_unit=lead, responsible_units=[], deadline=None
                    )
                ],
            )
    assert table_checksums() == before


def test_a_name_of_any_case_is_refused_until_the_office_confirms_it_is_someone_else(
    office, liaison, a_case
):
    with pytest.raises(services.PersonalDataError) as refused:
        make_item(liaison, background="王海军同志汇报了冬季取暖工作。")
    assert [(h.kind, h.text) for h in refused.value.hits] == [("个案申请人姓名", "王海军")]
    assert "请勾选确认" in str(refused.value)

    choice = privacy.confirmation_choice(refused.value.hits[0])
    item = make_item(liaison, background="王海军同志汇报了冬季取暖工作。", confirmed=[choice])
    confirmation = PersonalDataConfirmation.objects.get()
    assert (confirmation.subject, confirmation.text, confirmation.by) == (item, "王海军", liaison)


def test_a_confirmation_never_lets_a_number_through(liaison, a_case):
    with pytest.raises(services.MeetingsError, match="身份证号码"):
        make_item(
            liaison,
            background=f"王海军 {a_case.id_number}",
            confirmed=["个案申请人姓名:王海军", f"个案身份证号码:{a_case.id_number}"],
        )


def test_the_item_form_offers_the_confirmation_and_saves_with_it(client, liaison, a_case):
    client.force_login(liaison)
    data = {"title": "取暖补贴", "background": "王海军同志汇报。", "proposal": "发放补贴。"}
    response = client.post("/meetings/items/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and "急难救助个案的当事人信息相同" in html
    assert 'value="个案申请人姓名:王海军"' in html and 'type="checkbox"' in html
    response = client.post(
        "/meetings/items/new/", {**data, "confirm_personal": ["个案申请人姓名:王海军"]}
    )
    assert response.status_code == 302
    assert PersonalDataConfirmation.objects.filter(text="王海军").count() == 1


def test_issuance_checks_the_pdf_once_more_and_approval_can_be_withdrawn(
    office, leader, liaison, town_liaison
):
    # The title was saved before anyone registered a case for 李春花; at issuance she is one.
    minutes = approved_minutes(office, leader, liaison, title="李春花同志先进事迹座谈会")
    case_services.register_case(case_data(applicant="李春花"), by=town_liaison)
    with pytest.raises(services.MeetingsError, match="纪要不能印发.*个案申请人姓名"):
        services.issue_minutes(minutes, by=office)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED and not minutes.pdf

    with pytest.raises(services.MeetingsError, match="请写明原因"):
        services.withdraw_approval(minutes, by=office, reason=" ")
    with pytest.raises(services.MeetingsError, match="只有办公室"):
        services.withdraw_approval(minutes, by=leader, reason="有误")
    services.withdraw_approval(minutes, by=office, reason="会议名称含个案当事人姓名")
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.DRAFT and minutes.approved_by is None
    step = minutes.steps.latest("pk")
    assert (step.label, step.comment) == ("撤回审签", "会议名称含个案当事人姓名")


def test_issued_text_is_checked_even_if_a_number_got_in_before_the_checker(office, leader, liaison):
    minutes = approved_minutes(office, leader, liaison)
    Minutes.objects.filter(pk=minutes.pk).update(summary=SUMMARY)  # as an older version saved it
    with pytest.raises(services.MeetingsError, match="纪要不能印发"):
        services.issue_minutes(minutes, by=office)
    assert not Minutes.objects.get(pk=minutes.pk).pdf


@st.composite
def numbers_with_separators(draw):
    if draw(st.booleans()):
        born = draw(st.dates(datetime.date(1930, 1, 1), datetime.date(2020, 12, 31)))
        number = make_id("152627", born, draw(st.integers(0, 999)))
    else:
        number = (
            "1"
            + draw(st.sampled_from("3456789"))
            + draw(st.text("0123456789", min_size=9, max_size=9))
        )
    separators = draw(
        st.lists(
            st.sampled_from(["", " ", "-", "－", ".", "/", "\n", "　"]),
            min_size=len(number) - 1,
            max_size=len(number) - 1,
        )
    )
    written = number[0] + "".join(s + d for s, d in zip(separators, number[1:], strict=True))
    if draw(st.booleans()):
        written = written.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return number, written


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    numbers_with_separators(),
    st.sampled_from(["会议名称", "会议地点", "会议概况", "议定事项1", "议题名称", "背景情况"]),
    st.text(alphabet="会议研究决定同意由旗民政局牵头，。", max_size=20),
    st.text(alphabet="会议研究决定同意由旗民政局牵头，。", max_size=20),
)
def test_any_id_or_mobile_number_with_any_separators_in_any_field_is_found(
    number, field, before, after
):
    _, written = number
    hits = privacy.find({"会议名称": "全体会议", field: f"{before}{written}{after}"}, terms=[])
    assert [h for h in hits if h.is_number and h.field == field]


# --- 印发前确认: an official named like an applicant does not leave the minutes stuck ----------


def test_an_attendee_named_like_an_applicant_is_confirmed_per_hit_before_issuance(
    client, office, leader, liaison, town_liaison
):
    from django.urls import reverse

    from meetings.models import Attendance

    minutes = approved_minutes(office, leader, liaison)
    meeting = minutes.meeting
    seat_holder = meeting.attendances.filter(seat__isnull=False).first()
    # An official on the attendance list and an observer share names with a case's applicant
    # and household member: both stay possible people.
    case_services.register_case(case_data(applicant=seat_holder.name), by=town_liaison)
    services.add_observer(meeting, by=office, name="张小明", post="旗民政局科员")
    with pytest.raises(services.PersonalDataError) as refusal:
        services.issue_minutes(minutes, by=office)
    found = {(h.kind, h.text) for h in refusal.value.hits}
    assert found == {("个案申请人姓名", seat_holder.name), ("个案家庭成员姓名", "张小明")}
    assert "出席、列席名单" in str(refusal.value)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED and not minutes.pdf

    # The page lists each hit; confirming only one of them still refuses, and records nothing.
    client.force_login(office)
    url = reverse("meetings:minutes-issue", args=[minutes.pk])
    page = client.post(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "印发前确认" in html and seat_holder.name in html and "张小明" in html
    one = privacy.confirmation_choice(refusal.value.hits[0])
    page = client.post(url, {"confirm_personal": [one]})
    assert page.status_code == 200  # asked again for the other one
    assert not PersonalDataConfirmation.objects.exists()
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED

    every = [privacy.confirmation_choice(h) for h in refusal.value.hits]
    response = client.post(url, {"confirm_personal": every})
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.ISSUED and minutes.pdf
    confirmations = PersonalDataConfirmation.objects.filter(object_id=minutes.pk)
    assert {(c.kind, c.text) for c in confirmations} == found
    assert all(c.by == office and c.at for c in confirmations)
    assert Attendance.objects.filter(meeting=meeting, name="张小明").exists()


def test_numbers_are_refused_at_issuance_whatever_is_confirmed(client, office, leader, liaison):
    from django.urls import reverse

    minutes = approved_minutes(office, leader, liaison)
    Minutes.objects.filter(pk=minutes.pk).update(summary=SUMMARY)  # as an older version saved it
    hits = privacy.find({"纪要": SUMMARY})
    with pytest.raises(services.PersonalDataError) as refusal:
        services.issue_minutes(
            minutes, by=office, confirmed=[privacy.confirmation_choice(h) for h in hits]
        )
    assert refusal.value.hits == [] and "身份证号码" in str(refusal.value)
    client.force_login(office)
    response = client.post(
        reverse("meetings:minutes-issue", args=[minutes.pk]),
        {"confirm_personal": [privacy.confirmation_choice(h) for h in hits]},
    )
    assert response.status_code == 302  # back to the minutes with the message; no form offered
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED and not minutes.pdf
    assert not PersonalDataConfirmation.objects.exists()
