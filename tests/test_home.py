import re

import pytest
from django.urls import reverse

from meetings import services
from tests.factories import approved_minutes, make_item

pytestmark = pytest.mark.django_db


def todo_count(html, label):
    match = re.search(rf"{label}<span class=\"badge[^\"]*\">(\d+)</span>", html)
    assert match, f"{label} not on the page"
    return int(match.group(1))


def test_each_role_sees_what_waits_for_it(client, office, leader, liaison, liaison2):
    make_item(liaison)
    minutes = approved_minutes(office, leader, liaison)
    client.force_login(office)
    html = client.get(reverse("home")).content.decode()
    assert todo_count(html, "待审核的议题") == 1
    assert todo_count(html, "已审签待印发的纪要") == 1
    services.issue_minutes(minutes, by=office)
    client.force_login(liaison2)
    html = client.get(reverse("home")).content.decode()
    assert todo_count(html, "待签收的纪要") == 1
    assert "待审核的议题" not in html
    services.acknowledge(minutes, by=liaison2)
    assert todo_count(client.get(reverse("home")).content.decode(), "待签收的纪要") == 0
    client.force_login(leader)
    assert todo_count(client.get(reverse("home")).content.decode(), "待审签的纪要") == 0


def test_a_verifying_unit_sees_the_request_waiting_for_it(client, office, charter):
    import datetime

    from cases import services as case_services
    from cases.identity import make_id
    from members.models import Unit
    from members.permissions import Role
    from tests.factories import make_user

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
    case_services.request_verification(
        case, by=office, unit=Unit.objects.get(name="旗公安局"), subject="户籍"
    )
    client.force_login(police)
    assert todo_count(client.get(reverse("home")).content.decode(), "待答复的个案核对请求") == 1
    client.force_login(office)
    assert todo_count(client.get(reverse("home")).content.decode(), "各单位未答复的个案核对") == 1


def test_statistics_and_to_do_counts_are_fresh_on_every_request(client, office, liaison):
    import datetime

    from django.utils import timezone

    from duties import services as duties_services
    from duties.models import Task
    from members.models import Unit

    client.force_login(office)
    html = client.get(reverse("home")).content.decode()
    assert "没有逾期事项" in html and todo_count(html, "待审核的议题") == 0
    duties_services.create_task(
        title="逾期的事项",
        source=Task.Source.OFFICE,
        lead_unit=Unit.objects.get(name="旗民政局"),
        responsible_units=[],
        deadline=timezone.localdate() - datetime.timedelta(days=2),
        by=office,
    )
    make_item(liaison)
    html = client.get(reverse("home")).content.decode()
    assert todo_count(html, "待审核的议题") == 1  # what waits for the user: at once
    assert "没有逾期事项" not in html
    assert (
        '<span title="旗民政局">民政局</span></a>：<strong class="text-danger">1</strong> 项'
        in html
    )


def test_a_liaison_sees_the_first_ten_open_tasks_of_the_unit_and_a_link_to_the_rest(
    client, office, liaison
):
    import datetime

    from django.utils import timezone

    from duties import services as duties_services
    from duties.models import Task
    from members.models import Unit

    for i in range(11):
        duties_services.create_task(
            title=f"本单位事项{i:02d}",
            source=Task.Source.OFFICE,
            lead_unit=Unit.objects.get(name="旗民政局"),
            responsible_units=[],
            deadline=timezone.localdate() + datetime.timedelta(days=10 + i),
            by=office,
        )
    client.force_login(liaison)
    html = client.get(reverse("home")).content.decode()
    assert "本单位事项09" in html and "本单位事项10" not in html  # nearest deadlines first
    assert "查看本单位全部办理中的事项" in html
