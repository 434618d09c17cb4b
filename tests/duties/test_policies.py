"""政策清单: a unit keeps its list, everyone reads and filters it, the yearly 梳理."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duties import services
from duties.models import Duty, Policy, PolicyConfirmation
from duties.services import DutiesError, PolicyData
from jiuzhu.backup import table_checksums
from members.models import Unit

pytestmark = pytest.mark.django_db


def unit(name):
    return Unit.objects.get(name=name)


def data(**kw):
    values = {
        "title": "伊金霍洛旗临时救助实施办法",
        "doc_number": "伊政办发〔2023〕12号",
        "issuer": "伊金霍洛旗人民政府办公室",
        "issued_on": datetime.date(2023, 5, 1),
        "category": Policy.Category.TEMPORARY,
    }
    values.update(kw)
    return PolicyData(**values)


def data_tables():
    tables = table_checksums()
    tables.pop("django_session", None)
    return tables


def refused(call, message):
    before = data_tables()
    with pytest.raises(DutiesError, match=message):
        call()
    assert data_tables() == before


@pytest.fixture
def duty(charter):
    return Duty.objects.for_unit(unit("旗民政局")).first()


@pytest.fixture
def policy(liaison, duty):
    return services.create_policy(
        by=liaison,
        unit=unit("旗民政局"),
        data=data(duties=[duty], summary="规定临时救助的对象、标准和程序。"),
        files=[SimpleUploadedFile("办法.pdf", b"%PDF-1.4 p")],
    )


def test_a_liaison_registers_a_policy_of_its_own_unit(policy, duty):
    assert policy.unit.name == "旗民政局" and policy.status == Policy.Status.CURRENT
    assert list(policy.duties.all()) == [duty]
    assert policy.files.get().name == "办法.pdf"
    assert policy.history.exists()  # who registered it, and the duties linked (m2m history)


def test_another_units_liaison_may_not_touch_the_list(liaison2, policy):
    refused(
        lambda: services.create_policy(by=liaison2, unit=unit("旗民政局"), data=data()),
        "只有本单位的联络员",
    )
    refused(lambda: services.update_policy(policy, by=liaison2, data=data()), "只有本单位的联络员")


def test_a_revised_policy_points_to_its_revision(liaison, policy):
    refused(
        lambda: services.update_policy(policy, by=liaison, data=data(status="revised")),
        "请选择修订后的文件",
    )
    refused(
        lambda: services.update_policy(
            policy, by=liaison, data=data(status="revised", revised_by=policy)
        ),
        "不能是它本身",
    )
    new = services.create_policy(
        by=liaison, unit=unit("旗民政局"), data=data(doc_number="伊政办发〔2026〕3号")
    )
    services.update_policy(policy, by=liaison, data=data(status="revised", revised_by=new))
    policy.refresh_from_db()
    assert policy.status == Policy.Status.REVISED and policy.revised_by == new
    services.update_policy(new, by=liaison, data=data(status="repealed"))
    assert Policy.objects.get(pk=new.pk).get_status_display() == "已废止"


def test_bad_policy_data_is_refused(liaison):
    refused(
        lambda: services.create_policy(by=liaison, unit=unit("旗民政局"), data=data(title=" ")),
        "请填写文件名称",
    )
    refused(
        lambda: services.create_policy(
            by=liaison,
            unit=unit("旗民政局"),
            data=data(
                effective_from=datetime.date(2024, 1, 1), effective_until=datetime.date(2023, 1, 1)
            ),
        ),
        "有效期至不能早于施行日期",
    )


def test_everyone_reads_and_filters_all_lists(client, member, policy, liaison2):
    services.create_policy(
        by=liaison2,
        unit=unit("旗教体局"),
        data=data(title="困难学生资助办法", category=Policy.Category.EDUCATION),
    )
    client.force_login(member)
    page = client.get(reverse("duties:policy-list")).content.decode()
    assert "伊金霍洛旗临时救助实施办法" in page and "困难学生资助办法" in page
    page = client.get(reverse("duties:policy-list"), {"category": "education"}).content.decode()
    assert "困难学生资助办法" in page and "临时救助实施办法" not in page
    page = client.get(reverse("duties:policy-list"), {"q": "〔2023〕12号"}).content.decode()
    assert "临时救助实施办法" in page


def test_the_catalogue_and_the_unit_page_show_linked_policies(client, member, policy, duty):
    client.force_login(member)
    catalogue = client.get(reverse("duties:catalogue")).content.decode()
    assert "落实政策" in catalogue and "伊政办发〔2023〕12号" in catalogue
    unit_page = client.get(unit("旗民政局").get_absolute_url()).content.decode()
    assert "伊金霍洛旗临时救助实施办法" in unit_page


def test_the_yearly_review_shows_who_has_not_confirmed(client, office, liaison, liaison2):
    refused(
        lambda: services.open_policy_review(
            by=liaison, year=2026, deadline=datetime.date(2026, 12, 31)
        ),
        "只有办公室",
    )
    review = services.open_policy_review(by=office, year=2026, deadline=datetime.date(2026, 12, 31))
    refused(
        lambda: services.open_policy_review(
            by=office, year=2026, deadline=datetime.date(2026, 12, 31)
        ),
        "已经发起",
    )
    services.confirm_policy_list(review, by=liaison, note="无变化")
    refused(lambda: services.confirm_policy_list(review, by=liaison), "已经确认过")
    refused(lambda: services.confirm_policy_list(review, by=office), "只有被要求确认的单位")
    done = PolicyConfirmation.objects.get(review=review, unit__name="旗民政局")
    assert done.confirmed_by == liaison and done.confirmed_at and done.on_time
    client.force_login(office)
    response = client.get(review.get_absolute_url())
    waiting = {c.unit.name for c in response.context["waiting"]}
    assert "旗教体局" in waiting and "旗民政局" not in waiting
    assert "尚未确认" in response.content.decode()
    client.force_login(liaison2)
    response = client.get(review.get_absolute_url())
    assert [c.unit.name for c in response.context["confirmations"]] == ["旗教体局"]
    client.post(reverse("duties:policy-review-confirm", args=[review.pk]), {"note": ""})
    assert (
        PolicyConfirmation.objects.get(review=review, unit__name="旗教体局").confirmed_by
        == liaison2
    )


def test_the_policy_form_saves_through_the_page(client, liaison, duty):
    client.force_login(liaison)
    response = client.post(
        reverse("duties:policy-create"),
        {
            "title": "低保审核确认办法",
            "doc_number": "",
            "issuer": "旗民政局",
            "issued_on": "2024-03-01",
            "status": "current",
            "category": "minimum",
            "duties": [duty.pk],
            "summary": "",
        },
    )
    assert response.status_code == 302
    assert Policy.objects.get(title="低保审核确认办法").unit.name == "旗民政局"


def test_the_review_waits_on_the_office_and_unit_home(client, office, liaison):
    review = services.open_policy_review(
        by=office, year=datetime.date.today().year, deadline=datetime.date.today()
    )
    client.force_login(office)
    todo = {label: n for label, n, _ in client.get(reverse("home")).context["todo"]}
    assert todo["本年度政策清单梳理未确认的单位"] == review.confirmations.count()
    client.force_login(liaison)
    todo = {label: n for label, n, _ in client.get(reverse("home")).context["todo"]}
    assert todo["待确认的本单位政策清单"] == 1
    services.confirm_policy_list(review, by=liaison)
    todo = {label: n for label, n, _ in client.get(reverse("home")).context["todo"]}
    assert todo["待确认的本单位政策清单"] == 0
