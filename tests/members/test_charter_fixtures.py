"""The fixtures are the charter (伊政发〔2024〕58号), character for character."""

import datetime

import pytest
from django.core.management import call_command

from duties.models import Duty
from members.models import CHARTER_BASIS, Office, Person, Seat, Tenure, Unit
from members.selectors import roster_on

pytestmark = pytest.mark.django_db

CHARTER_DAY = datetime.date(2024, 6, 25)

# The whole roster in the charter's order: name (no alignment spaces), post as written.
ROSTER = [
    ("组长", "李贵", "旗人民政府副旗长"),
    ("副组长", "王志鹏", "旗民政局局长"),
    ("成员", "梁之维", "旗总工会副主席"),
    ("成员", "韩浩亮", "旗妇联副主席"),
    ("成员", "贺平", "旗红十字会副会长"),
    ("成员", "温军", "旗残联副理事长"),
    ("成员", "赵雪刚", "旗人民政府机关党组成员"),
    ("成员", "温飞", "旗发展改革和科学技术局副局长"),
    ("成员", "刘建军", "旗教体局副局长"),
    ("成员", "郝龙勇", "旗公安局副局长"),
    ("成员", "闫涛", "旗民政局党组成员"),
    ("成员", "魏文娟", "旗司法局副局长"),
    ("成员", "张平", "旗财政局副局长"),
    ("成员", "任光荣", "旗人力资源和社会保障局党组成员、就业和社会保险事业中心主任"),
    ("成员", "严龙", "旗自然资源局副局长"),
    ("成员", "宋利平", "旗农牧和水利局党组成员、乡村振兴发展中心主任"),
    ("成员", "陈福龙", "旗卫生健康委员会副主任"),
    ("成员", "杨虎", "旗退役军人事务局副局长"),
    ("成员", "郭志刚", "旗应急管理局副局长"),
    ("成员", "奇靖", "旗市场监督管理局副局长"),
    ("成员", "高君", "旗医疗保障局副局长"),
    ("成员", "乌敦苏都", "旗住房保障综合服务中心副主任"),
    ("成员", "刘海水", "旗税务局副局长"),
    ("成员", "于清显", "阿勒腾席热镇镇长"),
    ("成员", "王勇", "乌兰木伦镇副镇长"),
    ("成员", "奇少东", "伊金霍洛镇镇长提名人选"),
    ("成员", "奥远", "札萨克镇镇长"),
    ("成员", "苏利军", "纳林陶亥镇镇长提名人选"),
    ("成员", "杨桢", "红庆河镇镇长"),
    ("成员", "李慧君", "苏布尔嘎镇镇长"),
]


@pytest.fixture(autouse=True)
def _charter(charter):
    pass


def test_the_roster_is_the_charters_thirty_seats_in_order():
    roster = roster_on(CHARTER_DAY)
    lines = [
        (line.seat.get_role_display(), line.person_name, line.post)
        for role in Seat.Role
        for line in roster[role]
    ]
    assert lines == ROSTER


def test_there_is_one_leader_one_deputy_and_28_members():
    assert Seat.objects.filter(role=Seat.Role.LEADER).count() == 1
    assert Seat.objects.filter(role=Seat.Role.DEPUTY).count() == 1
    assert Seat.objects.filter(role=Seat.Role.MEMBER).count() == 28
    assert Person.objects.count() == 30


def test_names_keep_no_alignment_spaces():
    names = list(Person.objects.values_list("name", flat=True))
    assert all(" " not in n and "\u3000" not in n for n in names)
    assert {"李贵", "贺平", "温飞", "王勇", "奥远", "杨桢"} <= set(names)


def test_a_post_the_charter_breaks_over_two_lines_is_joined_whole():
    tenure = Tenure.objects.get(person__name="宋利平")
    assert tenure.post == "旗农牧和水利局党组成员、乡村振兴发展中心主任"
    assert tenure.seat.unit.name == "旗农牧和水利局"


def test_every_holder_took_office_on_the_charters_date_and_basis():
    assert Tenure.objects.count() == 30
    assert set(Tenure.objects.values_list("start", "end", "basis")) == {
        (CHARTER_DAY, None, CHARTER_BASIS)
    }


def test_each_seat_belongs_to_the_unit_its_post_names():
    units = dict(Tenure.objects.values_list("person__name", "seat__unit__name"))
    assert units["李贵"] == "旗人民政府"
    assert units["王志鹏"] == "旗民政局"
    assert units["闫涛"] == "旗民政局"
    assert units["赵雪刚"] == "旗人民政府办公室"
    assert units["陈福龙"] == "旗卫生健康委员会"
    assert units["李慧君"] == "苏布尔嘎镇"


def test_the_member_units_include_seven_towns():
    towns = list(Unit.objects.filter(kind=Unit.Kind.TOWN).values_list("name", flat=True))
    assert towns == [
        "阿勒腾席热镇",
        "乌兰木伦镇",
        "伊金霍洛镇",
        "札萨克镇",
        "纳林陶亥镇",
        "红庆河镇",
        "苏布尔嘎镇",
    ]


def test_the_office_sits_in_the_civil_affairs_bureau():
    office = Office.objects.get()
    assert office.host_unit.name == "旗民政局"
    assert office.director_post == "民政局分管社会救助副局长"


def test_the_duty_catalogue_has_6_3_and_21_entries():
    assert Duty.objects.filter(category=Duty.Category.LEADING_GROUP).count() == 6
    assert Duty.objects.filter(category=Duty.Category.OFFICE).count() == 3
    departments = Duty.objects.filter(category=Duty.Category.DEPARTMENT)
    assert list(departments.values_list("number", flat=True)) == list(range(1, 22))
    assert departments.first().subject == "旗总工会"
    assert departments.last().subject == "各镇人民政府"


def test_duty_texts_are_verbatim():
    lg = Duty.objects.get(category=Duty.Category.LEADING_GROUP, number=4)
    assert (
        lg.text
        == "一事一议研究特殊困难群体急难救助个案，研究议定需要多部门协同救助或保障的困难群众救助事项。"
    )
    office = Duty.objects.get(category=Duty.Category.OFFICE, number=1)
    assert office.text == (
        "负责领导小组全体会议和专题会议前有关资料的收集、准备和审核，"
        "根据需要提请召开全体会议或专题会议，做好会务组织工作；"
    )
    tax = Duty.objects.get(category=Duty.Category.DEPARTMENT, number=20)
    assert tax.subject == "税务局"
    assert tax.text.startswith("负责提供申请救助家庭成员缴纳增值税或企业所得税的纳税情况等信息")
    assert tax.text.endswith("确保困难群众能够享受到相应的税收减免和优惠。")
    land = Duty.objects.get(category=Duty.Category.DEPARTMENT, number=13)
    assert land.subject == "旗自然资源局"
    assert land.text == "协助做好社会救助申请人家庭成员财产（房产）等信息核对工作。"
    towns = Duty.objects.get(category=Duty.Category.DEPARTMENT, number=21)
    assert "“一门受理、协同办理”机制" in towns.text


def test_department_duties_point_at_their_units():
    def units_of(number):
        duty = Duty.objects.get(category=Duty.Category.DEPARTMENT, number=number)
        return [u.name for u in duty.units.all()]

    assert units_of(9) == ["旗民政局"]
    assert units_of(15) == ["旗卫生健康委员会"]  # the charter says 旗卫健委
    assert units_of(18) == ["旗医疗保障局"]  # the charter says 旗医保局
    assert units_of(20) == ["旗税务局"]


def test_entry_21_applies_to_every_town_and_only_towns():
    entry21 = Duty.objects.get(category=Duty.Category.DEPARTMENT, number=21)
    assert entry21.applies_to_all_towns
    for town in Unit.objects.filter(kind=Unit.Kind.TOWN):
        assert list(Duty.objects.for_unit(town)) == [entry21]
    assert entry21 not in Duty.objects.for_unit(Unit.objects.get(name="旗民政局"))


def test_load_charter_loads_once_and_keeps_later_changes(db):
    Tenure.objects.filter(person__name="李贵").update(end=datetime.date(2026, 1, 1))
    call_command("load_charter", verbosity=0)
    assert Tenure.objects.get(person__name="李贵").end == datetime.date(2026, 1, 1)
    assert Seat.objects.count() == 30
