"""The search box: Chinese as typed, every word, each kind only for who may see it, and cases for
the office alone (logged like a full view)."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from cases import services as cases_services
from cases.identity import make_id
from cases.models import AccessLog
from duties import services as duties_services
from jiuzhu.search import highlight, parse, search
from meetings import services
from meetings.models import Minutes
from members.models import Unit
from members.permissions import Role
from tests.factories import approved_minutes, make_item, make_meeting, make_user

ID_NUMBER = make_id("152627", datetime.date(1968, 3, 4), 21)
PHONE = "13900002222"

PERSONA_UNITS = {
    "office": (Role.OFFICE, "旗民政局"),
    "leader": (Role.LEADER, "旗人民政府"),
    "liaison": (Role.LIAISON, "旗民政局"),
    "liaison2": (Role.LIAISON, "旗教体局"),
    "member": (Role.MEMBER, "旗财政局"),
    "norole": (None, None),
}


def build_world():
    call_command("loaddata", "charter", verbosity=0)
    p = {name: make_user(name, role, unit) for name, (role, unit) in PERSONA_UNITS.items()}
    office, leader, liaison, liaison2 = p["office"], p["leader"], p["liaison"], p["liaison2"]
    # Issued minutes of a meeting of 民政局 and 教体局; its decision: 民政局 leads, 财政局 helps.
    minutes = approved_minutes(office, leader, liaison, title="冬季救助专题会议")
    services.issue_minutes(minutes, by=office)
    task = minutes.decisions.get().task
    duties_services.add_feedback(
        task,
        by=liaison,
        text="已完成取暖补贴发放摸底，涉及低保户 120 户。",
        date=datetime.date(2026, 7, 1),
    )
    item = make_item(
        liaison,
        title="城乡低保标准调整",
        background="物价上涨，现行城乡低保标准偏低。",
        proposal="建议提高标准 <b>5%</b>。",
    )
    other_item = make_item(liaison2, title="教育救助低保家庭学生资助", background="学生。")
    meeting = make_meeting(office, title="低保专项整治推进会", units=("旗民政局",))
    draft_meeting = make_meeting(office, title="低保草稿会议", units=("旗民政局",))
    scheduled = make_item(liaison, title="议程上的议题")
    services.review_item(scheduled, by=office, action="accept")
    services.schedule_item(scheduled, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    case = cases_services.register_case(
        cases_services.CaseData(
            applicant="赵六斤",
            id_number=ID_NUMBER,
            phone=PHONE,
            town=Unit.objects.get(name="札萨克镇"),
            address="札萨克镇低保村",
            category="illness",
            facts="因病致困，低保边缘户。",
            requested_help="医疗救助",
            found_by="active",
        ),
        by=office,
    )
    return {
        "p": p,
        "minutes": minutes,
        "task": task,
        "item": item,
        "other_item": other_item,
        "meeting": meeting,
        "draft_meeting": draft_meeting,
        "case": case,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once (issuing minutes renders a PDF), rolled back at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        data = build_world()
    yield data
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def w(world, db):
    return world


def found(w, persona, query) -> dict[str, list[str]]:
    """{group key: [result URLs]} of `query` for `persona`."""
    return {g.key: [h.url for h in g.hits] for g in search(w["p"][persona], parse(query))}


def test_a_two_character_word_finds_a_longer_title(w):
    assert w["item"].get_absolute_url() in found(w, "office", "低保")["items"]


def test_every_word_must_be_found(w):
    assert w["item"].get_absolute_url() in found(w, "office", "低保 标准")["items"]
    assert w["item"].get_absolute_url() in found(w, "office", "标准　低保")["items"]  # 全角空格
    assert "items" not in found(w, "office", "低保 火星")


def test_a_word_may_be_in_any_of_the_fields(w):
    # 物价 is in the background, 调整 in the title.
    assert w["item"].get_absolute_url() in found(w, "office", "物价 调整")["items"]


def test_a_liaison_finds_only_the_items_of_its_own_unit(w):
    mine, theirs = w["item"].get_absolute_url(), w["other_item"].get_absolute_url()
    assert found(w, "liaison", "低保")["items"] == [mine]
    assert found(w, "liaison2", "低保")["items"] == [theirs]
    assert "items" not in found(w, "member", "低保")
    assert set(found(w, "leader", "低保")["items"]) == {mine, theirs}


def test_meetings_only_for_invited_units_and_never_a_draft_for_them(w):
    url, draft = w["meeting"].get_absolute_url(), w["draft_meeting"].get_absolute_url()
    assert set(found(w, "office", "低保 会")["meetings"]) == {url, draft}
    assert found(w, "liaison", "低保 会")["meetings"] == [url]
    assert "meetings" not in found(w, "liaison2", "低保 会")
    assert "meetings" not in found(w, "member", "低保 会")


def test_minutes_and_each_decision_are_found_by_the_units_they_were_sent_to(w):
    minutes = w["minutes"]
    decision = minutes.decisions.get()
    for persona in ("office", "leader", "liaison", "liaison2"):
        hits = found(w, persona, "取暖补贴")
        assert hits["decisions"] == [f"{minutes.get_absolute_url()}#decision-{decision.pk}"]
        assert hits["minutes"] == [minutes.get_absolute_url()]
    # Every member unit receives issued minutes (财政局's member too); a unit outside the
    # distribution does not find them.
    assert found(w, "member", "取暖补贴")["minutes"] == [minutes.get_absolute_url()]
    w["p"]["outsider"] = make_user("gov-member", Role.MEMBER, "旗人民政府")
    assert "minutes" not in found(w, "outsider", "取暖补贴")


def test_minutes_in_draft_are_for_the_office_and_leaders_only(w):
    minutes = w["minutes"]
    Minutes.objects.filter(pk=minutes.pk).update(status=Minutes.Status.APPROVED)
    assert found(w, "leader", "取暖补贴")["minutes"] == [minutes.get_absolute_url()]
    assert "minutes" not in found(w, "liaison", "取暖补贴")
    assert "decisions" not in found(w, "liaison", "取暖补贴")


def test_tasks_and_feedback_only_for_the_units_with_a_part(w):
    task = w["task"]
    for persona in ("office", "leader", "liaison", "member"):  # 民政局 leads, 财政局 helps
        hits = found(w, persona, "取暖补贴")
        assert hits["tasks"] == [task.get_absolute_url()]
        assert hits["feedback"][0].startswith(task.get_absolute_url() + "#feedback-")
    hits = found(w, "liaison2", "取暖补贴")
    assert "tasks" not in hits and "feedback" not in hits


def test_the_duty_catalogue_is_searched_for_everyone(w):
    for persona in ("office", "leader", "liaison", "member"):
        assert found(w, persona, "核对")["duties"]


def test_a_user_without_a_role_finds_nothing(w):
    assert found(w, "norole", "低保") == {"duties": found(w, "norole", "低保").get("duties", [])}
    assert "items" not in found(w, "norole", "低保")


# --- cases --------------------------------------------------------------------------------------


def test_the_office_finds_a_case_by_number_masked_name_and_id_number(w):
    case = w["case"]
    url = case.get_absolute_url()
    for query in (case.number_label, f"{case.year}-{case.number}", "赵某某", ID_NUMBER):
        assert found(w, "office", query).get("cases") == [url], query


def test_a_case_is_never_found_on_its_text(w):
    assert "cases" not in found(w, "office", "低保")
    assert "cases" not in found(w, "office", "赵六斤")
    assert "cases" not in found(w, "office", ID_NUMBER[:10])


def test_every_case_search_is_logged_like_a_full_view(w):
    case, office = w["case"], w["p"]["office"]
    before = AccessLog.objects.filter(case=case, user=office).count()
    found(w, "office", ID_NUMBER)
    found(w, "office", "赵某某")
    assert AccessLog.objects.filter(case=case, user=office).count() == before + 2
    found(w, "office", "钱某某")  # finds nothing, logs nothing
    assert AccessLog.objects.filter(case=case, user=office).count() == before + 2


@pytest.mark.parametrize("persona", ["leader", "liaison", "liaison2", "member", "norole"])
def test_nobody_else_finds_a_case_or_any_personal_field(client, w, persona):
    case = w["case"]
    client.force_login(w["p"][persona])
    before = AccessLog.objects.count()
    queries = (case.number_label, "赵某某", ID_NUMBER, "赵六斤", PHONE, "低保村")
    for query, method in [(q, m) for q in queries for m in (client.get, client.post)]:
        response = method(reverse("search"), {"q": query})
        if persona == "norole":
            assert response.status_code == 403
            continue
        html = response.content.decode()
        assert response.status_code == 200
        assert case.get_absolute_url() not in html
        assert "急难救助个案" not in html
        for personal in (ID_NUMBER[6:14], PHONE[3:7], "赵六斤", "低保村", case.masked_id):
            assert personal not in html.replace(query, ""), (
                query,
                personal,
            )  # what was typed is echoed
    assert AccessLog.objects.count() == before


# --- numbers stay out of URLs -------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        ID_NUMBER,
        f"{ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}",
        PHONE,
        f"赵某某 {ID_NUMBER}",
    ],
)
def test_an_id_or_phone_number_in_the_url_is_not_searched_or_echoed(client, w, query):
    client.force_login(w["p"]["office"])
    before = AccessLog.objects.count()
    response = client.get(reverse("search"), {"q": query})
    html = response.content.decode()
    assert response.status_code == 200 and "不经网址查询" in html
    assert w["case"].get_absolute_url() not in html and ID_NUMBER not in html
    assert PHONE not in html and ID_NUMBER[6:14] not in html
    # The page's own form posts, so the office can search again without script.
    assert 'method="post" action="/search/"' in html and "csrfmiddlewaretoken" in html
    assert AccessLog.objects.count() == before


def test_the_office_finds_a_case_by_id_number_through_a_post_with_its_token(w):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(w["p"]["office"])
    assert client.post(reverse("search"), {"q": ID_NUMBER}).status_code == 403  # no token
    page = client.get(reverse("search"))
    token = re.search(r'data-private-post="([^"]+)"', page.content.decode())[1]
    response = client.post(reverse("search"), {"q": ID_NUMBER, "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert w["case"].get_absolute_url() in response.content.decode()
    assert AccessLog.objects.filter(case=w["case"], user=w["p"]["office"]).exists()


def test_words_still_go_in_the_url(client, w):
    client.force_login(w["p"]["office"])
    html = client.get(reverse("search"), {"q": "低保 标准"}).content.decode()
    assert "不经网址查询" not in html and "城乡<mark>低保标准</mark>调整" in html


# --- the page -----------------------------------------------------------------------------------


def test_the_page_groups_highlights_and_escapes(client, w):
    client.force_login(w["p"]["liaison"])
    response = client.get(reverse("search"), {"q": "标准 b"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "城乡低保<mark>标准</mark>调整" in html
    html = client.get(reverse("search"), {"q": "提高 b"}).content.decode()
    assert "&lt;<mark>b</mark>&gt;5%&lt;/<mark>b</mark>&gt;" in html
    assert "<b>5%</b>" not in html
    assert response["Cache-Control"] == "no-store"


def test_highlight_escapes_before_it_marks():
    assert highlight("A & B <i>", ["amp", "i"]) == "A &amp; B &lt;<mark>i</mark>&gt;"
    assert highlight("低保低保", ["低保"]) == "<mark>低保低保</mark>"


@pytest.mark.parametrize(
    "query, message",
    [("低" * 101, "搜索内容太长"), ("一 二 三 四 五 六 七", "关键词太多")],
)
def test_a_bad_query_gets_a_chinese_message(client, w, query, message):
    client.force_login(w["p"]["office"])
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200 and message in response.content.decode()


def test_an_empty_or_odd_query_is_no_error(client, w):
    client.force_login(w["p"]["office"])
    for query in ("", "   ", "\x00", "%", "_", "'; drop table x; --"):
        assert client.get(reverse("search"), {"q": query}).status_code == 200


@pytest.mark.parametrize(
    "name", ["home", "members:roster", "meetings:item-list", "duties:catalogue"]
)
def test_the_search_box_is_in_the_navigation_of_every_page(client, w, name):
    client.force_login(w["p"]["member"])
    html = client.get(reverse(name)).content.decode()
    assert f'action="{reverse("search")}"' in html and 'id="nav-q"' in html


def test_the_number_of_queries_does_not_grow_with_the_results(w, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        search(w["p"]["liaison"], parse("低保"))


def test_an_id_or_phone_number_written_with_spaces_or_dashes_is_one_word():
    spaced = f"{ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}"
    assert parse(f"赵某某 {spaced}") == ["赵某某", ID_NUMBER]
    assert parse("139-0000-2222") == ["13900002222"]
    assert parse("2026 12") == ["2026", "12"]  # numbers that are neither stay apart


def test_the_office_finds_a_case_by_a_spaced_id_number(client, w):
    client.force_login(w["p"]["office"])
    spaced = f"{ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}"
    html = client.post(reverse("search"), {"q": spaced}).content.decode()
    assert w["case"].get_absolute_url() in html
