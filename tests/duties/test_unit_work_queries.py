"""The new lists run as many queries for few rows as for many (cf. tests/test_query_counts.py)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duties import services
from duties.models import Policy
from members.models import Unit

pytestmark = pytest.mark.django_db


def queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def departments(n):
    return list(Unit.objects.filter(kind="department").order_by("order")[:n])


@pytest.fixture
def indicator(office):
    return services.create_indicator(
        by=office, name="临时救助人次", measure="人次", kind="integer", unit_kinds=["department"]
    )


def make_round(office, indicator, number, units):
    round_ = services.open_round(
        by=office,
        period="month",
        year=2026,
        number=number,
        deadline=datetime.date(2026, number, 25),
        units=units,
        indicators=[indicator],
    )
    return round_


def test_round_pages_do_not_query_per_unit_or_round(client, office, indicator):
    few = make_round(office, indicator, 1, departments(2))
    many = make_round(office, indicator, 2, departments(12))
    client.force_login(office)
    detail = [queries(client, reverse("duties:round-detail", args=[r.pk])) for r in (few, many)]
    stats = [queries(client, reverse("duties:round-statistics", args=[r.pk])) for r in (few, many)]
    assert detail[0] == detail[1] and stats[0] == stats[1]
    before = queries(client, reverse("duties:round-list"))
    for n in range(3, 10):
        make_round(office, indicator, n, departments(3))
    assert queries(client, reverse("duties:round-list")) == before


def test_policy_list_does_not_query_per_policy(client, liaison, member):
    def add(n):
        for i in range(n):
            services.create_policy(
                by=liaison,
                unit=Unit.objects.get(name="旗民政局"),
                data=services.PolicyData(
                    title=f"政策{i}",
                    doc_number="",
                    issuer="旗民政局",
                    issued_on=datetime.date(2024, 1, 1),
                    category=Policy.Category.OTHER,
                ),
            )

    client.force_login(member)
    add(2)
    few = queries(client, reverse("duties:policy-list"))
    add(20)
    assert queries(client, reverse("duties:policy-list")) == few


def test_the_ranking_does_not_query_per_unit_or_record(client, office, leader):
    def add(n):
        for i in range(n):
            services.create_task(
                title=f"任务{i}",
                source="office",
                lead_unit=Unit.objects.get(name="旗民政局"),
                responsible_units=departments(5),
                deadline=datetime.date(2026, 2, 1),
                by=office,
            )

    scheme = services.create_scheme(by=office, year=2026)
    client.force_login(leader)
    add(1)
    few = queries(client, scheme.get_absolute_url())
    add(10)
    assert queries(client, scheme.get_absolute_url()) == few
