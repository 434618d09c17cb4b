import datetime

import pytest
from django.urls import reverse

from members.models import Person, Tenure

D = datetime.date


def seat_pk(name):
    return Tenure.objects.get(person__name=name).seat_id


@pytest.mark.django_db
def test_the_roster_shows_the_charters_sections_in_order(client, member):
    client.force_login(member)
    html = client.get(reverse("members:roster")).content.decode().split("<main", 1)[1]
    positions = [
        html.index(s) for s in ("组长", "李贵", "副组长", "王志鹏", "成员", "梁之维", "李慧君")
    ]
    assert positions == sorted(positions)
    assert "旗农牧和水利局党组成员、乡村振兴发展中心主任" in html


@pytest.mark.django_db
def test_the_roster_of_a_date_shows_who_held_the_seat_then(client, office):
    client.force_login(office)
    client.post(
        reverse("members:seat-succession", args=[seat_pk("李贵")]),
        {
            "name": "赵六",
            "post": "旗人民政府副旗长",
            "start": "2026-02-01",
            "basis": "工作变动自然接任",
        },
        follow=True,
    )
    before = client.get(reverse("members:roster"), {"date": "2026-01-31"}).content.decode()
    after = client.get(reverse("members:roster"), {"date": "2026-02-01"}).content.decode()
    assert "李贵" in before and "赵六" not in before
    assert "赵六" in after and "李贵" not in after
    assert "2026年1月31日 的名单" in before


@pytest.mark.django_db
def test_a_malformed_date_shows_todays_roster_with_a_message(client, member):
    client.force_login(member)
    response = client.get(reverse("members:roster"), {"date": "2026-13-45"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "日期格式不正确" in html
    assert "王志鹏" in html


@pytest.mark.django_db
def test_the_seat_page_shows_its_timeline_newest_first(client, office):
    pk = seat_pk("李慧君")
    client.force_login(office)
    client.post(
        reverse("members:seat-succession", args=[pk]),
        {
            "name": "新镇长",
            "post": "苏布尔嘎镇镇长",
            "start": "2026-04-01",
            "basis": "工作变动自然接任",
        },
    )
    html = client.get(reverse("members:seat-detail", args=[pk])).content.decode()
    assert html.index("新镇长") < html.index("李慧君")
    assert "2024年6月25日 至 2026年3月31日" in html
    assert "2026年4月1日 至 今" in html


@pytest.mark.django_db
def test_the_succession_form_records_and_redirects_to_the_seat(client, office):
    pk = seat_pk("王志鹏")
    client.force_login(office)
    response = client.post(
        reverse("members:seat-succession", args=[pk]),
        {"name": "张 三", "post": "旗民政局局长", "start": "2026-03-02", "basis": ""},
    )
    assert response.status_code == 200  # empty basis: the form asks for it
    assert "请填写依据" in response.content.decode()
    response = client.post(
        reverse("members:seat-succession", args=[pk]),
        {
            "name": "张 三",
            "post": "旗民政局局长",
            "start": "2026-03-02",
            "basis": "工作变动自然接任",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("members:seat-detail", args=[pk])
    assert Tenure.objects.get(seat_id=pk, end__isnull=True).person.name == "张三"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, message",
    [
        ({"start": "2024-06-25"}, "接任日期须晚于现任"),
        ({"start": "2020-01-01"}, "接任日期须晚于现任"),
        ({"start": "明天"}, "日期格式不正确"),
        ({"start": ""}, "请填写接任日期"),
        ({"name": ""}, "请填写继任者姓名"),
        ({"name": "　 "}, "请填写继任者姓名"),
        ({"post": ""}, "请填写继任者职务"),
        ({"name": "长" * 31}, "姓名最多 30 个字"),
        ({"post": "职" * 121}, "职务最多 120 个字"),
    ],
)
def test_the_form_refuses_bad_input_in_chinese_and_changes_nothing(client, office, data, message):
    pk = seat_pk("王志鹏")
    client.force_login(office)
    tenures, people = list(Tenure.objects.values_list("pk", "end")), Person.objects.count()
    post = {
        "name": "张三",
        "post": "旗民政局局长",
        "start": "2026-03-02",
        "basis": "工作变动自然接任",
    }
    response = client.post(reverse("members:seat-succession", args=[pk]), {**post, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(Tenure.objects.values_list("pk", "end")) == tenures
    assert Person.objects.count() == people
    # What the user typed stays in the form.
    if "post" not in data:
        assert 'value="旗民政局局长"' in response.content.decode()


@pytest.mark.django_db
def test_the_succession_form_offers_the_current_post(client, office):
    client.force_login(office)
    html = client.get(reverse("members:seat-succession", args=[seat_pk("宋利平")])).content.decode()
    assert 'value="旗农牧和水利局党组成员、乡村振兴发展中心主任"' in html
    assert 'value="工作变动自然接任"' in html


@pytest.mark.django_db
def test_a_retired_seat_has_no_successor_button_and_refuses_one(client, office):
    tenure = Tenure.objects.get(person__name="奇靖")
    seat = tenure.seat
    seat.retired_on = D(2025, 12, 31)
    seat.save()
    client.force_login(office)
    assert "记录继任者" not in client.get(seat.get_absolute_url()).content.decode()
    response = client.post(
        reverse("members:seat-succession", args=[seat.pk]),
        {"name": "张三", "post": "x", "start": "2026-03-02", "basis": "工作变动自然接任"},
    )
    assert "该席位已撤销" in response.content.decode()
    assert Tenure.objects.filter(seat=seat).count() == 1


@pytest.mark.django_db
def test_the_roster_takes_a_constant_number_of_queries(
    client, member, django_assert_max_num_queries
):
    client.force_login(member)
    # session, user, roles, the first request's session renewal, seats, tenures
    with django_assert_max_num_queries(10):
        client.get(reverse("members:roster"))


@pytest.mark.django_db
def test_lists_show_a_units_one_short_name_with_the_full_name_on_hover(client, member):
    client.force_login(member)
    html = client.get(reverse("members:roster")).content.decode()
    assert '<span title="旗民政局">民政局</span>' in html
    assert '<span title="阿勒腾席热镇">阿镇</span>' in html
    # A unit whose short name is its name carries no hover text.
    assert '<span title="札萨克镇">' not in html and "札萨克镇" in html
