"""Small things a new user tripped over (issue 17): words said twice on a page."""

import datetime

import pytest

from cases import services as case_services
from cases.identity import make_id
from members.models import Unit
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("title", "sentence"),
    [
        ("2026年第三次专题会议", "召开2026年第三次专题会议，由"),
        ("城乡低保标准调整", "召开城乡低保标准调整（专题会议），由"),
    ],
)
def test_the_notice_names_the_kind_of_meeting_once(client, office, title, sentence):
    meeting = make_meeting(office, kind="special", title=title)
    client.force_login(office)
    html = client.get(f"/meetings/{meeting.pk}/notice/").content.decode()
    assert sentence in html
    assert "专题会议（专题会议）" not in html


def test_a_household_member_is_shown_once_with_the_relation(client, office):
    child_id = make_id("152627", datetime.date(2012, 3, 4), 7)
    case = case_services.register_case(
        case_services.CaseData(
            applicant="张三丰",
            id_number=make_id("152627", datetime.date(1970, 1, 1), 1),
            phone="",
            town=Unit.objects.get(name="札萨克镇"),
            address="某村",
            category="illness",
            facts="因病致贫",
            requested_help="临时救助",
            found_by="active",
            household=[case_services.MemberData("张小明", "子", child_id, "在校学生")],
        ),
        by=office,
    )
    client.force_login(office)
    masked = client.get(case.get_absolute_url()).content.decode()
    assert "张某某（子） · 152627" in masked and "（子） · 子" not in masked
    full = client.get(f"{case.get_absolute_url()}full/").content.decode()
    assert f"张小明（子） · {child_id}" in full and "· 子 ·" not in full
