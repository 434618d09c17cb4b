"""One form, submitted many times at once or again later, does its work once (members/idempotency.py).

The races are real: on PostgreSQL five threads POST the same rendered form to the live server at
the same instant, over HTTP, with the session, CSRF token and form token taken from the page as a
browser would. On SQLite (whose test database is one shared in-memory file that a live server
would share across threads as a single connection) five threads POST through their own test
clients and connections; SQLite takes one writer at a time, so a loser may be refused with
"database is locked" (503) — but never makes a second row.
"""

import datetime
import http.client
import threading
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib import messages
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from cases import services as case_services
from cases.identity import make_id
from cases.models import Verification
from duties import services as duties_services
from duties.models import Escalation, Feedback, Task
from meetings import services
from meetings.models import AgendaItem, Opinion
from members.idempotency import FIELD, REPLAYED, is_once
from members.models import IdempotencyKey, Step, Unit
from members.permissions import Role
from tests.factories import aware, held_meeting_with_item, make_item, make_meeting, make_user

pytestmark = pytest.mark.django_db(transaction=True)


# --- reading a rendered form like a browser -------------------------------------------------------


class _Forms(HTMLParser):
    """Every <form method=post>: its action and the values a browser would send unchanged."""

    def __init__(self):
        super().__init__()
        self.forms, self._current = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._current = {"action": a.get("action") or "", "fields": {}}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") != "file":
                self._current["fields"][a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def post_forms(html: str, page_path: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = urlsplit(form["action"] or page_path).path
    return parser.forms


def the_form(html: str, page_path: str, action: str) -> dict:
    forms = [f for f in post_forms(html, page_path) if f["action"] == action]
    assert len(forms) == 1, (action, [f["action"] for f in post_forms(html, page_path)])
    return forms[0]["fields"]


# --- five at once -------------------------------------------------------------------------------


def _http(base, method, path, cookies, body=None):
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(body, doseq=True)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    content = response.read().decode()
    jar = SimpleCookie()
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            jar.load(value)
    conn.close()
    return response.status, response.getheader("Location") or "", content, jar


def post_in_parallel(request, user, page, action, data, n=5):
    """GET `page` as `user`, fill the form that posts to `action` with `data`, and send that
    same submission n times at once. Returns [(status, Location)] of the n responses."""
    client = Client()
    client.force_login(user)
    barrier = threading.Barrier(n)
    results = [None] * n
    if connection.vendor == "postgresql":
        base = request.getfixturevalue("live_server").url
        cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
        status, _, html, jar = _http(base, "GET", page, cookies)
        assert status == 200, status
        cookies.update({k: m.value for k, m in jar.items()})
        body = {**the_form(html, page, action), **data}
        assert body.get(FIELD), "the rendered form carries no token"

        def send(i):
            barrier.wait(timeout=30)
            status, location, _, _ = _http(base, "POST", action, cookies, body)
            return status, location
    else:
        html = client.get(page).content.decode()
        body = {**the_form(html, page, action), **data}
        assert body.get(FIELD), "the rendered form carries no token"
        clients = []
        for _ in range(n):
            c = Client()
            c.force_login(user)
            clients.append(c)

        def send(i):
            barrier.wait(timeout=30)
            response = clients[i].post(action, body)
            return response.status_code, response.get("Location", "")

    def run(i):
        try:
            results[i] = send(i)
        except Exception as e:  # noqa: BLE001 — reported by the assertion below
            results[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    return results


def assert_one_result(results):
    """Every submission went to the same first result. On SQLite a loser may be refused: 503
    (database locked), or 400 when the lock hits the renewal of its session (Django's
    SessionInterrupted; SESSION_SAVE_EVERY_REQUEST writes the session on every request)."""
    done = [r for r in results if isinstance(r, tuple) and r[0] == 302]
    refused = [r for r in results if isinstance(r, tuple) and r[0] in (400, 503)]
    assert done and len(done) + len(refused) == len(results), results
    if connection.vendor == "postgresql":
        assert not refused, results
    assert len({location for _, location in done}) == 1, results
    return done[0][1]


@pytest.fixture
def people(charter):
    return {
        "office": make_user("office", Role.OFFICE, "旗民政局"),
        "liaison": make_user("liaison", Role.LIAISON, "旗民政局"),
        "liaison2": make_user("liaison2", Role.LIAISON, "旗教体局"),
        "police": make_user("police", Role.LIAISON, "旗公安局"),
    }


def _task(office):
    return duties_services.create_task(
        title="冬季取暖补贴发放",
        source=Task.Source.OFFICE,
        lead_unit=Unit.objects.get(name="旗民政局"),
        by=office,
    )


def _case(office):
    return case_services.register_case(
        case_services.CaseData(
            applicant="王五",
            id_number=make_id("152627", datetime.date(1970, 1, 1), 1),
            phone="",
            town=Unit.objects.get(name="札萨克镇"),
            address="某村",
            category="illness",
            facts="因病致贫",
            requested_help="临时救助",
            found_by="active",
        ),
        by=office,
    )


def test_five_simultaneous_feedback_posts_make_one_feedback(request, people):
    task = _task(people["office"])
    page = task.get_absolute_url()
    results = post_in_parallel(
        request, people["liaison"], page, f"/duties/tasks/{task.pk}/feedback/", {"text": "已发放"}
    )
    assert assert_one_result(results) == page
    assert Feedback.objects.filter(task=task).count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_five_simultaneous_agenda_items_make_one_item(request, people):
    results = post_in_parallel(
        request,
        people["liaison"],
        "/meetings/items/new/",
        "/meetings/items/new/",
        {"title": "城乡低保标准调整", "background": "物价上涨。", "proposal": "提高标准。"},
    )
    location = assert_one_result(results)
    item = AgendaItem.objects.get()
    assert location == item.get_absolute_url()


def test_five_simultaneous_opinions_record_one_opinion_once(request, people):
    office, liaison = people["office"], people["liaison"]
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(
        office, kind="written", units=("旗民政局", "旗教体局"), opinion_deadline=aware(2099, 1, 1)
    )
    services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    results = post_in_parallel(
        request,
        liaison,
        meeting.get_absolute_url(),
        f"/meetings/{meeting.pk}/opinion/",
        {"choice": "comment", "text": "建议扩大范围"},
    )
    assert assert_one_result(results) == meeting.get_absolute_url()
    assert Opinion.objects.filter(meeting=meeting).count() == 1
    assert Opinion.history.filter(meeting_id=meeting.pk).count() == 1  # written once, not five


def test_five_simultaneous_verification_answers_answer_once(request, people):
    case = _case(people["office"])
    v = case_services.request_verification(
        case, by=people["office"], unit=Unit.objects.get(name="旗公安局"), subject="户籍"
    )
    history_before = Verification.history.filter(id=v.pk).count()
    page = f"/cases/verifications/{v.pk}/"
    results = post_in_parallel(request, people["police"], page, page, {"answer": "户籍在本旗"})
    assert assert_one_result(results) == page
    assert Verification.history.filter(id=v.pk).count() == history_before + 1
    v.refresh_from_db()
    assert v.answer == "户籍在本旗"


def test_five_simultaneous_escalations_make_one_escalation(request, people):
    task = _task(people["office"])
    unit = Unit.objects.get(name="旗民政局")
    results = post_in_parallel(
        request,
        people["office"],
        task.get_absolute_url(),
        f"/duties/tasks/{task.pk}/escalate/",
        {"unit": str(unit.pk), "level": "1", "content": "逾期未反馈，予以通报。"},
    )
    escalation = Escalation.objects.get()
    assert assert_one_result(results) == escalation.get_absolute_url()
    assert escalation.number == 1


def test_five_simultaneous_verification_requests_make_one_request(request, people):
    case = _case(people["office"])
    police = Unit.objects.get(name="旗公安局")
    results = post_in_parallel(
        request,
        people["office"],
        case.get_absolute_url(),
        f"/cases/{case.pk}/verify/",
        {"unit": str(police.pk), "subject": "户籍"},
    )
    assert assert_one_result(results) == case.get_absolute_url()
    assert Verification.objects.filter(case=case).count() == 1


# --- once, then again ---------------------------------------------------------------------------


def _form(client, page, action):
    return the_form(client.get(page).content.decode(), page, action)


def test_the_same_form_sent_again_later_goes_to_the_first_result_with_a_message(people):
    client = Client()
    client.force_login(people["office"])
    body = {
        **_form(client, "/duties/tasks/new/", "/duties/tasks/new/"),
        "title": "救助资金拨付",
        "lead_unit": str(Unit.objects.get(name="旗财政局").pk),
    }
    first = client.post("/duties/tasks/new/", body)
    task = Task.objects.get()
    assert first.status_code == 302 and first["Location"] == task.get_absolute_url()
    again = client.post("/duties/tasks/new/", body, follow=True)  # back button, resubmit
    assert Task.objects.count() == 1
    assert again.redirect_chain == [(task.get_absolute_url(), 302)]
    assert again.status_code == 200 and REPLAYED in again.content.decode()


def test_a_refused_form_keeps_its_token_so_the_corrected_form_goes_through(people):
    client = Client()
    client.force_login(people["office"])
    body = _form(client, "/duties/tasks/new/", "/duties/tasks/new/")
    refused = client.post("/duties/tasks/new/", body)  # no title: the form comes back
    assert refused.status_code == 200 and not Task.objects.exists()
    # The re-rendered form still carries the same, unspent token.
    html = refused.content.decode()
    assert the_form(html, "/duties/tasks/new/", "/duties/tasks/new/")[FIELD] == body[FIELD]
    assert not IdempotencyKey.objects.exists()
    corrected = {**body, "title": "救助资金拨付", "lead_unit": str(Unit.objects.first().pk)}
    assert client.post("/duties/tasks/new/", corrected).status_code == 302
    assert Task.objects.count() == 1


def test_a_service_refusal_with_a_message_leaves_the_token_unspent(people):
    task = _task(people["office"])
    client = Client()
    client.force_login(people["liaison"])
    action = f"/duties/tasks/{task.pk}/feedback/"
    body = _form(client, task.get_absolute_url(), action)
    future = (datetime.date.today() + datetime.timedelta(days=9)).isoformat()
    response = client.post(action, {**body, "text": "已发放", "date": future}, follow=True)
    assert "不能晚于今天" in response.content.decode() and not Feedback.objects.exists()
    assert client.post(action, {**body, "text": "已发放"}).status_code == 302
    assert Feedback.objects.count() == 1


def test_a_token_is_one_users_own(people):
    """Another user's form with the same token (it cannot happen by chance) is their own."""
    task = _task(people["office"])
    second_liaison = make_user("liaison-b", Role.LIAISON, "旗民政局")
    action = f"/duties/tasks/{task.pk}/feedback/"
    clients = []
    for user in (people["liaison"], second_liaison):
        c = Client()
        c.force_login(user)
        clients.append(c)
    body = {**_form(clients[0], task.get_absolute_url(), action), "text": "已发放"}
    for c in clients:
        assert c.post(action, body).status_code == 302
    assert Feedback.objects.count() == 2


def test_a_post_without_a_token_still_works_unprotected(people):
    client = Client()
    client.force_login(people["liaison"])
    data = {"title": "城乡低保标准调整", "background": "物价上涨。", "proposal": "提高标准。"}
    assert client.post("/meetings/items/new/", data).status_code == 302
    assert client.post("/meetings/items/new/", {**data, FIELD: "not-a-token"}).status_code == 302
    assert AgendaItem.objects.count() == 2 and not IdempotencyKey.objects.exists()


def test_drafting_minutes_twice_opens_the_one_draft(people):
    office, liaison = people["office"], people["liaison"]
    meeting = held_meeting_with_item(office, liaison)
    client = Client()
    client.force_login(office)
    action = f"/meetings/{meeting.pk}/minutes/new/"
    body = _form(client, meeting.get_absolute_url(), action)
    first = client.post(action, body)
    second = client.post(action, body)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_old_tokens_are_pruned(people):
    old = IdempotencyKey.objects.create(
        user=people["office"], token="0" * 32, path="/", created=aware(2020, 1, 1)
    )
    fresh = IdempotencyKey.objects.create(user=people["office"], token="1" * 32, path="/")
    call_command("prune_form_tokens", verbosity=0)
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not IdempotencyKey.objects.filter(pk=old.pk).exists()


# --- every form that posts to a protected view carries a token -----------------------------------


def test_every_form_posting_to_a_protected_view_carries_a_token(people):
    """The main pages of each role, rendered: a <form> whose action is a @once view has a token."""
    office, liaison, police = people["office"], people["liaison"], people["police"]
    task = _task(office)
    case = _case(office)
    v = case_services.request_verification(
        case, by=office, unit=Unit.objects.get(name="旗公安局"), subject="户籍"
    )
    # A case whose checks are answered: its page offers 提请审议 (the first one's does not yet).
    answered = _case(office)
    case_services.answer_verification(
        case_services.request_verification(
            answered, by=office, unit=Unit.objects.get(name="旗公安局"), subject="户籍"
        ),
        by=police,
        answer="户籍属实。",
    )
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(
        office, kind="written", units=("旗民政局",), opinion_deadline=aware(2099, 1, 1)
    )
    services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    held = held_meeting_with_item(office, liaison)
    pages = {
        office: [
            "/duties/tasks/new/",
            task.get_absolute_url(),
            "/cases/new/",
            case.get_absolute_url(),
            answered.get_absolute_url(),
            "/meetings/new/",
            held.get_absolute_url(),
            f"/meetings/{held.pk}/attendance/",
            f"/meetings/{meeting.pk}/edit/",
            f"/members/seats/{office.unit.seats.first().pk}/succession/",
        ],
        liaison: [
            "/meetings/items/new/",
            f"/meetings/items/{make_item(liaison, title='另一议题').pk}/edit/",
            task.get_absolute_url(),
            meeting.get_absolute_url(),
        ],
        police: [f"/cases/verifications/{v.pk}/"],
    }
    protected = set()
    for user, urls in pages.items():
        client = Client()
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            for form in post_forms(response.content.decode(), url):
                if is_once(resolve(form["action"]).func):
                    protected.add(resolve(form["action"]).url_name)
                    assert form["fields"].get(FIELD), (url, form["action"])
    assert protected >= {
        "task-create",
        "task-feedback",
        "task-extension",
        "task-escalate",
        "task-close",
        "case-create",
        "case-verify",
        "case-submit",
        "meeting-create",
        "meeting-observer",
        "minutes-create",
        "seat-succession",
        "item-create",
        "item-edit",
        "meeting-opinion",
        "verification-detail",
    }, protected


def test_issuing_twice_from_one_page_issues_once_and_shows_the_first_result(people):
    from meetings.models import Distribution, Minutes
    from tests.factories import approved_minutes

    leader = make_user("leader", Role.LEADER, "旗人民政府")
    minutes = approved_minutes(people["office"], leader, people["liaison"])
    client = Client()
    client.force_login(people["office"])
    page = f"/meetings/minutes/{minutes.pk}/"
    action = f"/meetings/minutes/{minutes.pk}/issue/"
    body = _form(client, page, action)
    assert client.post(action, body).status_code == 302
    distributed = Distribution.objects.filter(minutes=minutes).count()
    again = client.post(action, body, follow=True)
    shown = list(again.context["messages"])
    assert REPLAYED in [m.message for m in shown]
    assert not [m for m in shown if m.level >= messages.ERROR]  # no "已印发，不能再印发"
    assert Minutes.objects.get(pk=minutes.pk).number == 1
    assert Distribution.objects.filter(minutes=minutes).count() == distributed


def test_an_upload_sent_twice_stores_its_files_once(people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meetings.models import Material

    client = Client()
    client.force_login(people["liaison"])
    body = {
        **_form(client, "/meetings/items/new/", "/meetings/items/new/"),
        "title": "城乡低保标准调整",
        "background": "物价上涨。",
        "proposal": "提高标准。",
    }
    for _ in range(2):
        pdf = SimpleUploadedFile("测算表.pdf", b"%PDF-1.4 data", content_type="application/pdf")
        assert client.post("/meetings/items/new/", {**body, "materials": [pdf]}).status_code == 302
    assert AgendaItem.objects.count() == 1 and Material.objects.count() == 1


def test_five_simultaneous_saves_of_a_report_record_one_save(request, people):
    """救助信息报送 (issue 13): the liaison's report page runs once per token too."""
    from duties.models import Report

    office, liaison = people["office"], people["liaison"]
    indicator = duties_services.create_indicator(
        by=office, name="临时救助人次", measure="人次", kind="integer", unit_kinds=["department"]
    )
    report_round = duties_services.open_round(
        by=office,
        period="quarter",
        year=2026,
        number=3,
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        units=[Unit.objects.get(name="旗民政局")],
        indicators=[indicator],
    )
    report = report_round.reports.get()
    url = report.get_absolute_url()
    results = post_in_parallel(
        request,
        liaison,
        url,
        url,
        {f"figure_{indicator.pk}": "12", "note": "本季度数据", "action": "save"},
    )
    assert assert_one_result(results) == url
    saved = Step.objects.filter(action=Report.Action.SAVED, object_id=report.pk)
    assert saved.count() == 1
