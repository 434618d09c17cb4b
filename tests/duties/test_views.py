import datetime

import pytest
from django.urls import reverse

from members.models import Liaison, Person, Unit
from members.services import record_succession


@pytest.mark.django_db
def test_the_catalogue_groups_duties_as_the_charter_does(client, member):
    client.force_login(member)
    html = client.get(reverse("duties:catalogue")).content.decode()
    order = ["（一）工作领导小组职责", "（二）工作领导小组办公室职责", "（三）部门职责"]
    assert [html.index(h) for h in order] == sorted(html.index(h) for h in order)
    assert "统筹建立、完善分层分类的社会救助体系。" in html
    assert "各镇人民政府" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q, expected, absent",
    [
        (
            "核对",
            ["统筹推进社会救助家庭经济状况核对", "财产（房产）等信息核对工作"],
            ["困难职工的就业与再就业"],
        ),
        ("房产", ["财产（房产）等信息核对工作"], ["户籍信息核对及机动车辆信息核对"]),
        (
            "税收优惠",
            ["研究制定和落实与社会救助相关的税收优惠政策"],
            ["困难群众救助补助资金的预算"],
        ),
        ("一门受理", ["按照属地管理原则"], ["牵头拟定社会救助政策"]),
    ],
)
def test_search_finds_duties_by_any_chinese_substring(client, member, q, expected, absent):
    client.force_login(member)
    html = client.get(reverse("duties:catalogue"), {"q": q}).content.decode()
    assert f"<mark>{q}</mark>" in html
    text = html.replace("<mark>", "").replace("</mark>", "")
    for phrase in expected:
        assert phrase in text
    for phrase in absent:
        assert phrase not in text


@pytest.mark.django_db
def test_search_counts_matches_and_says_when_none(client, member):
    client.force_login(member)
    html = client.get(reverse("duties:catalogue"), {"q": "核对"}).content.decode()
    assert "找到 4 条职责" in html
    # Headings keep the charter's numbering when a group has no match.
    assert "（三）部门职责" in html and "（二）" not in html
    html = client.get(reverse("duties:catalogue"), {"q": "火星"}).content.decode()
    assert "找到 0 条职责" in html and "请换个关键词" in html


@pytest.mark.django_db
def test_search_text_is_escaped(client, member):
    client.force_login(member)
    html = client.get(reverse("duties:catalogue"), {"q": "<script>"}).content.decode()
    assert "<script>" not in html.split("</nav>", 1)[1].split("<script src=")[0]


@pytest.mark.django_db
def test_a_town_page_shows_entry_21_its_seat_and_liaisons(client, liaison2):
    town = Unit.objects.get(name="札萨克镇")
    Liaison.objects.create(
        unit=town,
        person=Person.objects.create(name="联络员甲"),
        post="民政办主任",
        start="2024-07-01",
    )
    client.force_login(liaison2)
    html = client.get(town.get_absolute_url()).content.decode()
    assert "奥远" in html and "札萨克镇镇长" in html
    assert "21." in html and "按照属地管理原则" in html
    assert "联络员甲" in html and "民政办主任" in html


@pytest.mark.django_db
def test_the_civil_affairs_page_shows_both_its_seats_and_entry_9(client, member):
    unit = Unit.objects.get(name="旗民政局")
    client.force_login(member)
    html = client.get(unit.get_absolute_url()).content.decode()
    assert "王志鹏" in html and "闫涛" in html
    assert "负责领导小组办公室的日常工作" in html
    assert "按照属地管理原则" not in html


@pytest.mark.django_db
def test_a_unit_page_shows_the_current_holder_after_a_succession(client, office):
    unit = Unit.objects.get(name="旗教体局")
    seat = unit.seats.get()
    record_succession(
        seat, name="新局长", post="旗教体局副局长", start=datetime.date(2026, 1, 5), by=office
    )
    client.force_login(office)
    html = client.get(unit.get_absolute_url()).content.decode()
    assert "新局长" in html and "刘建军" not in html


@pytest.mark.django_db
def test_unit_list_lists_every_active_unit(client, liaison):
    client.force_login(liaison)
    html = client.get(reverse("duties:unit-list")).content.decode()
    assert all(u.name in html for u in Unit.objects.all())
