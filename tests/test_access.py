"""Every URL of the app × every persona: the status each one gets, for GET and POST.

A new URL pattern fails `test_every_url_pattern_is_in_the_matrix` until it has its row here.
"""

import datetime

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases import services as cases_services
from cases.identity import make_id
from duties import services as duties_services
from meetings import services
from members.models import CalendarDay, Delivery, Notification, Tenure, Unit
from members.permissions import Role
from tests.factories import approved_minutes, db_snapshot, make_item, make_meeting, make_user

PERSONAS = ["anonymous", "office", "leader", "liaison", "liaison2", "member", "norole", "inactive"]
READERS = {"office": 200, "leader": 200, "liaison": 200, "liaison2": 200, "member": 200}
READ_ONLY = {"office": 405, "leader": 405, "liaison": 405, "liaison2": 405, "member": 405}
OFFICE = {"office": 200}
OFFICE_POST = {"office": 302}
OFFICE_ONLY_GET = {"office": 405}  # POST-only views the office uses
LIAISONS = {"liaison": 200, "liaison2": 200}
# The world below: 民政局 (liaison's unit) owns the item; the meeting invites 民政局 and 教体局
# (liaison2's unit), not 财政局 (member's unit); the minutes' 分送 was narrowed to those two.
INVITED = {"office": 200, "leader": 200, "liaison": 200, "liaison2": 200, "member": 404}
OWN_UNIT = {"office": 200, "leader": 200, "liaison": 200, "liaison2": 404, "member": 404}
PARTY = {"office": 200, "leader": 200, "liaison": 200, "liaison2": 404, "member": 200}
LIAISON_POST_GET = {"liaison": 405, "liaison2": 405}
LIAISON_POST = {"liaison": 302, "liaison2": 404}
LEADERSHIP = {"office": 200, "leader": 200}
NOT_SEEN = {"liaison": 404, "liaison2": 404, "member": 404}


def _no_args(w):
    return []


def _seat(w):
    return [w["seat"]]


def _meeting(w):
    return [w["meeting"].pk]


def _item(w):
    return [w["item"].pk]


def _minutes(w):
    return [w["minutes"].pk]


def _task(w):
    return [w["task"].pk]


def _case(w):
    return [w["case"].pk]


def _round(w):
    return [w["round"].pk]


def _report(w):
    return [w["report"].pk]


def _scheme(w):
    return [w["scheme"].pk]


def _policy(w):
    return [w["policy"].pk]


def _review(w):
    return [w["review"].pk]


# name -> (args from the world, GET expectations, POST expectations). Unlisted personas:
# anonymous and inactive go to the login page (302); a signed-in user without the role gets 403.
MATRIX = {
    "home": (_no_args, READERS, READ_ONLY),
    "search": (_no_args, READERS, READERS),  # POST carries ID and phone numbers out of the URL
    "calendar": (_no_args, READERS, READ_ONLY),
    "calendar-feed-renew": (_no_args, READ_ONLY, dict.fromkeys(READERS, 302)),
    "members:roster": (_no_args, READERS, READ_ONLY),
    "members:roster-export": (_no_args, READERS, READ_ONLY),
    "members:seat-detail": (_seat, READERS, READ_ONLY),
    "members:seat-succession": (_seat, OFFICE, OFFICE_POST),
    "members:lockout-list": (_no_args, OFFICE, {"office": 405}),
    "members:lockout-reset": (lambda w: [w["lockout"].pk], OFFICE_ONLY_GET, OFFICE_POST),
    # Each user's own inbox; the notification below is the liaison's.
    "members:inbox": (_no_args, READERS, READ_ONLY),
    "members:notification-open": (
        lambda w: [w["notification"].pk],
        READ_ONLY,
        {"office": 404, "leader": 404, "liaison": 302, "liaison2": 404, "member": 404},
    ),
    "members:inbox-read-all": (_no_args, READ_ONLY, dict.fromkeys(READERS, 302)),
    "members:notify-settings": (_no_args, READERS, READERS),  # the POST lacks 通知方式
    "members:delivery-list": (_no_args, OFFICE, {"office": 405}),
    "members:delivery-resend": (lambda w: [w["delivery"].pk], OFFICE_ONLY_GET, OFFICE_POST),
    "members:workday-list": (_no_args, OFFICE, OFFICE),  # the POST lacks 休息/上班
    "members:workday-delete": (lambda w: [w["workday"].pk], OFFICE_ONLY_GET, OFFICE_POST),
    "duties:catalogue": (_no_args, READERS, READ_ONLY),
    "duties:unit-list": (_no_args, READERS, READ_ONLY),
    "duties:unit-detail": (lambda w: [w["unit"]], READERS, READ_ONLY),
    "duties:task-list": (_no_args, READERS, READ_ONLY),
    "meetings:meeting-list": (_no_args, READERS, READ_ONLY),
    "meetings:meeting-create": (_no_args, OFFICE, OFFICE),
    "meetings:meeting-detail": (_meeting, INVITED, READ_ONLY),
    "meetings:meeting-edit": (_meeting, OFFICE, OFFICE),
    "meetings:meeting-notice": (_meeting, INVITED, READ_ONLY),
    "meetings:meeting-notify": (_meeting, OFFICE_ONLY_GET, OFFICE_POST),
    "meetings:meeting-hold": (_meeting, OFFICE_ONLY_GET, OFFICE_POST),
    "meetings:meeting-cancel": (_meeting, OFFICE_ONLY_GET, OFFICE_POST),
    "meetings:meeting-attendance": (_meeting, OFFICE, OFFICE),
    "meetings:meeting-observer": (_meeting, OFFICE_ONLY_GET, OFFICE_POST),
    "meetings:meeting-opinion": (
        _meeting,
        {"liaison": 405, "liaison2": 405},
        {"liaison": 302, "liaison2": 302},
    ),
    "meetings:meeting-reply": (
        _meeting,
        {"liaison": 405, "liaison2": 405},
        {"liaison": 302, "liaison2": 302},
    ),
    "meetings:meeting-chase": (_meeting, OFFICE_ONLY_GET, OFFICE_POST),
    "meetings:minutes-create": (_meeting, OFFICE_ONLY_GET, OFFICE_POST),
    "meetings:item-list": (_no_args, READERS, READ_ONLY),
    "meetings:item-create": (_no_args, LIAISONS, LIAISONS),
    "meetings:item-detail": (_item, OWN_UNIT, READ_ONLY),
    "meetings:item-edit": (
        _item,
        {"liaison": 200, "liaison2": 404},
        {"liaison": 200, "liaison2": 404},
    ),
    "meetings:item-withdraw": (
        _item,
        {"liaison": 405, "liaison2": 405},
        {"liaison": 302, "liaison2": 404},
    ),
    "meetings:item-review": (_item, OFFICE_ONLY_GET, OFFICE_POST),
    "meetings:item-schedule": (_item, OFFICE_ONLY_GET, OFFICE_POST),
    "meetings:material-download": (lambda w: [w["item"].pk, w["material"].pk], OWN_UNIT, READ_ONLY),
    "meetings:minutes-list": (_no_args, READERS, READ_ONLY),
    "meetings:minutes-detail": (_minutes, INVITED, READ_ONLY),
    "meetings:minutes-edit": (_minutes, {"office": 302}, OFFICE_POST),  # issued: not editable
    "meetings:minutes-submit": (_minutes, OFFICE_ONLY_GET, OFFICE_POST),
    "meetings:minutes-approve": (_minutes, {"leader": 302}, {"leader": 302}),  # issued: back
    "meetings:minutes-return": (_minutes, {"leader": 405}, {"leader": 302}),
    "meetings:minutes-withdraw": (_minutes, OFFICE_ONLY_GET, OFFICE_POST),
    "meetings:minutes-issue": (_minutes, OFFICE_ONLY_GET, OFFICE_POST),
    "meetings:minutes-acknowledge": (
        _minutes,
        {"liaison": 405, "liaison2": 405},
        {"liaison": 302, "liaison2": 302},
    ),
    "meetings:minutes-pdf": (_minutes, INVITED, READ_ONLY),
    "meetings:minutes-chase": (_minutes, OFFICE_ONLY_GET, OFFICE_POST),
    "meetings:minutes-pdf-view": (_minutes, INVITED, READ_ONLY),
    # 审签稿 only before issuance: the world's minutes are issued, so 404 for both.
    "meetings:minutes-preview": (
        _minutes,
        {"office": 404, "leader": 404},
        {"office": 405, "leader": 405},
    ),
    # 核验 reads only; a POST without a file re-shows the form. Anonymous users only where the
    # office switched the page on (VERIFY_PUBLIC, tested in tests/meetings/test_signing.py).
    "meetings:minutes-verify": (_no_args, READERS, READERS),
    "meetings:minutes-ofd": (_minutes, INVITED, READ_ONLY),  # the OFD copy: whoever gets the PDF
    "meetings:minutes-export": (
        _no_args,
        {"office": 200, "leader": 200},
        {"office": 405, "leader": 405},
    ),
    # The task comes from the issued minutes: 民政局 leads, 财政局 (member's unit) is responsible,
    # 教体局 (liaison2's unit) has no part in it.
    "duties:task-export": (_no_args, READERS, READ_ONLY),
    "duties:task-create": (_no_args, OFFICE, OFFICE),
    "duties:task-detail": (_task, PARTY, READ_ONLY),
    "duties:task-feedback": (_task, LIAISON_POST_GET, LIAISON_POST),
    "duties:task-part-done": (_task, LIAISON_POST_GET, LIAISON_POST),
    "duties:task-complete": (_task, LIAISON_POST_GET, LIAISON_POST),
    "duties:task-extension": (_task, LIAISON_POST_GET, LIAISON_POST),
    "duties:task-close": (_task, OFFICE_ONLY_GET, OFFICE_POST),
    "duties:task-escalate": (_task, OFFICE_ONLY_GET, OFFICE_POST),
    "duties:task-chase": (_task, OFFICE_ONLY_GET, OFFICE_POST),
    "duties:feedback-file": (lambda w: [w["task"].pk, w["feedback_file"].pk], PARTY, READ_ONLY),
    "duties:extension-decide": (lambda w: [w["extension"].pk], OFFICE_ONLY_GET, OFFICE_POST),
    "duties:escalation-list": (_no_args, READERS, READ_ONLY),
    "duties:escalation-detail": (lambda w: [w["escalation"].pk], OWN_UNIT, READ_ONLY),
    "duties:escalation-resolve": (lambda w: [w["escalation"].pk], OFFICE_ONLY_GET, OFFICE_POST),
    # 救助信息报送: the open round asks 民政局 (liaison's unit) and 教体局 (liaison2's), not
    # 财政局 (member's); the report is 民政局's. The published round is readable by everyone.
    "duties:round-list": (_no_args, READERS, READ_ONLY),
    "duties:round-create": (_no_args, OFFICE, OFFICE),
    "duties:indicator-list": (_no_args, OFFICE, OFFICE),
    "duties:publication-list": (_no_args, READERS, READ_ONLY),
    "duties:round-detail": (_round, INVITED, READ_ONLY),
    "duties:round-close": (_round, OFFICE_ONLY_GET, OFFICE_POST),
    "duties:round-publish": (_round, OFFICE_ONLY_GET, OFFICE_POST),
    "duties:round-statistics": (_round, LEADERSHIP, {"office": 405, "leader": 405}),
    "duties:round-statistics-export": (_round, LEADERSHIP, {"office": 405, "leader": 405}),
    "duties:round-pdf": (lambda w: [w["published_round"].pk], READERS, READ_ONLY),
    "duties:report-detail": (_report, OWN_UNIT, {"liaison": 302, "liaison2": 404, "member": 404}),
    "duties:report-template": (_report, OWN_UNIT, READ_ONLY),
    "duties:report-import": (_report, LIAISON_POST_GET, LIAISON_POST),
    "duties:report-accept": (_report, OFFICE_ONLY_GET, OFFICE_POST),
    "duties:report-return": (_report, OFFICE_ONLY_GET, OFFICE_POST),
    "duties:report-file": (lambda w: [w["report"].pk, w["report_file"].pk], OWN_UNIT, READ_ONLY),
    # 年度考评: the 2026 scheme is a draft; the 2025 one is published, 财政局 under 一票否决.
    "duties:scheme-list": (_no_args, READERS, READ_ONLY),
    "duties:scheme-create": (_no_args, OFFICE, OFFICE),
    "duties:scheme-detail": (_scheme, {**LEADERSHIP, **NOT_SEEN}, READ_ONLY),
    "duties:scheme-items": (_scheme, OFFICE, OFFICE),
    "duties:scheme-score": (_scheme, OFFICE_ONLY_GET, OFFICE_POST),
    "duties:scheme-veto": (_scheme, OFFICE_ONLY_GET, OFFICE_POST),
    "duties:scheme-submit": (_scheme, OFFICE_ONLY_GET, OFFICE_POST),
    "duties:scheme-return": (_scheme, {"leader": 405}, {"leader": 302}),
    "duties:scheme-approve": (_scheme, {"leader": 405}, {"leader": 302}),
    "duties:scheme-publish": (_scheme, OFFICE_ONLY_GET, OFFICE_POST),
    "duties:scheme-unit": (
        lambda w: [w["published_scheme"].pk, w["unit_mz"]],
        OWN_UNIT,
        READ_ONLY,
    ),
    "duties:scheme-export": (_scheme, LEADERSHIP, {"office": 405, "leader": 405}),
    "duties:scheme-pdf": (
        lambda w: [w["published_scheme"].pk],
        LEADERSHIP,
        {"office": 405, "leader": 405},
    ),
    "duties:scheme-veto-file": (
        lambda w: [w["published_scheme"].pk, w["veto_file"].pk],
        LEADERSHIP,
        {"office": 405, "leader": 405},
    ),
    # 政策清单: everyone reads; the policy is 民政局's (liaison's unit, and the office's).
    "duties:policy-list": (_no_args, READERS, READ_ONLY),
    "duties:policy-create": (_no_args, OFFICE | LIAISONS, OFFICE | LIAISONS),
    "duties:policy-detail": (_policy, READERS, READ_ONLY),
    "duties:policy-edit": (
        _policy,
        {"office": 200, "liaison": 200},
        {"office": 200, "liaison": 200},
    ),
    "duties:policy-file": (lambda w: [w["policy"].pk, w["policy_file"].pk], READERS, READ_ONLY),
    "duties:policy-review-list": (_no_args, READERS, OFFICE),
    "duties:policy-review-detail": (_review, READERS, READ_ONLY),
    "duties:policy-review-confirm": (
        _review,
        {"liaison": 405, "liaison2": 405},
        {"liaison": 302, "liaison2": 302},
    ),
    # The case lives in 札萨克镇 and 民政局 (liaison's unit) was asked to verify it: it names
    # 民政局, not 教体局 (liaison2) nor 财政局 (member).
    "cases:case-list": (_no_args, READERS, READ_ONLY),
    "cases:case-create": (_no_args, OFFICE, OFFICE),
    "cases:case-export": (_no_args, OFFICE, {"office": 405}),
    "cases:case-detail": (_case, OWN_UNIT, READ_ONLY),
    "cases:case-full": (
        _case,
        {"office": 200, "liaison": 200, "liaison2": 404},
        {"office": 405, "liaison": 405, "liaison2": 405},
    ),
    "cases:case-verify": (_case, OFFICE_ONLY_GET, OFFICE_POST),
    "cases:case-submit": (_case, OFFICE_ONLY_GET, OFFICE_POST),
    "cases:case-decide": (_case, OFFICE, OFFICE),
    "cases:case-edit": (_case, OFFICE, OFFICE),
    "cases:case-start": (_case, OFFICE_ONLY_GET, OFFICE_POST),
    "cases:case-close": (_case, OFFICE_ONLY_GET, OFFICE_POST),
    "cases:case-refuse": (_case, OFFICE_ONLY_GET, OFFICE_POST),
    # 民政局 was asked to verify with the default fields (names, ID numbers): not the materials.
    "cases:case-file": (
        lambda w: [w["case"].pk, w["case_file"].pk],
        {"office": 200, "leader": 404, "liaison": 404, "liaison2": 404, "member": 404},
        READ_ONLY,
    ),
    "cases:verification-list": (_no_args, READERS, READ_ONLY),
    "cases:verification-detail": (
        lambda w: [w["verification"].pk],
        OWN_UNIT,
        {"office": 403, "leader": 403, "liaison": 200, "liaison2": 404, "member": 404},
    ),
}
# Pages that anyone may open, signed in or not.
PUBLIC = {"login": 200, "healthz": 200}
# tested below / in tests/test_calendar.py: they have their own rules (the feed's key is its URL)
NOT_IN_MATRIX = {"logout", "calendar-feed"}


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
    personas = {name: make_user(name, role, unit) for name, (role, unit) in PERSONA_UNITS.items()}
    personas["inactive"] = make_user("inactive", Role.OFFICE, "旗民政局", is_active=False)
    office, leader, liaison = personas["office"], personas["leader"], personas["liaison"]
    minutes = approved_minutes(office, leader, liaison, sent_to=("旗民政局", "旗教体局"))
    services.issue_minutes(minutes, by=office)
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    item = make_item(liaison, files=[upload])
    meeting = make_meeting(office, units=("旗民政局", "旗教体局"))
    scheduled = make_item(liaison)
    services.review_item(scheduled, by=office, action="accept")
    services.schedule_item(scheduled, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    task = minutes.decisions.get().task
    feedback = duties_services.add_feedback(
        task,
        by=liaison,
        text="已完成摸底。",
        date=datetime.date(2026, 7, 1),
        files=[SimpleUploadedFile("台账.pdf", b"%PDF-1.4 x", content_type="application/pdf")],
    )
    extension = duties_services.request_extension(
        task, by=liaison, new_deadline=datetime.date(2099, 1, 1), reason="资金未到位"
    )
    escalation = duties_services.escalate(
        task,
        by=office,
        unit=Unit.objects.get(name="旗民政局"),
        level=1,
        date=datetime.date(2026, 7, 2),
        content="进度滞后，予以通报。",
    )
    case = cases_services.register_case(
        cases_services.CaseData(
            applicant="王五",
            id_number=make_id("152627", datetime.date(1970, 1, 1), 11),
            phone="13900001111",
            town=Unit.objects.get(name="札萨克镇"),
            address="札萨克镇某村",
            category="illness",
            facts="因病致困",
            requested_help="医疗救助",
            found_by="active",
        ),
        by=office,
        files=[SimpleUploadedFile("诊断.pdf", b"%PDF-1.4 d", content_type="application/pdf")],
    )
    verification = cases_services.request_verification(
        case, by=office, unit=Unit.objects.get(name="旗民政局"), subject="低保"
    )
    indicator = duties_services.create_indicator(
        by=office, name="临时救助人次", measure="人次", kind="integer", unit_kinds=["department"]
    )
    asked = list(Unit.objects.filter(name__in=["旗民政局", "旗教体局"]))
    report_round = duties_services.open_round(
        by=office,
        period="quarter",
        year=2026,
        number=3,
        deadline=datetime.date(2026, 10, 10),
        units=asked,
        indicators=[indicator],
    )
    report = report_round.reports.get(unit__name="旗民政局")
    duties_services.save_report(
        report,
        by=liaison,
        values={},
        files=[SimpleUploadedFile("台账.pdf", b"%PDF-1.4 r", content_type="application/pdf")],
    )
    published_round = duties_services.open_round(
        by=office,
        period="quarter",
        year=2026,
        number=2,
        deadline=datetime.date(2026, 7, 10),
        units=asked,
        indicators=[indicator],
    )
    duties_services.close_round(published_round, by=office)
    duties_services.publish_round(published_round, by=office)
    policy = duties_services.create_policy(
        by=liaison,
        unit=Unit.objects.get(name="旗民政局"),
        data=duties_services.PolicyData(
            title="伊金霍洛旗临时救助实施办法",
            doc_number="伊政办发〔2023〕12号",
            issuer="伊金霍洛旗人民政府办公室",
            issued_on=datetime.date(2023, 5, 1),
            category="temporary",
        ),
        files=[SimpleUploadedFile("办法.pdf", b"%PDF-1.4 p", content_type="application/pdf")],
    )
    review = duties_services.open_policy_review(
        by=office, year=2026, deadline=datetime.date(2026, 12, 31)
    )
    scheme = duties_services.create_scheme(by=office, year=2026)
    published_scheme = duties_services.create_scheme(by=office, year=2025)
    veto = duties_services.veto_unit(
        published_scheme,
        by=office,
        unit=Unit.objects.get(name="旗财政局"),
        reason="虚报数据",
        files=[SimpleUploadedFile("通报.pdf", b"%PDF-1.4 v", content_type="application/pdf")],
    )
    duties_services.submit_scheme(published_scheme, by=office)
    duties_services.approve_scheme(published_scheme, by=leader)
    duties_services.publish_scheme(published_scheme, by=office)
    notification = Notification.objects.create(
        recipient=liaison, kind=Notification.Kind.ITEM, event="test", title="议题已受理", url="/"
    )
    delivery = Delivery.objects.create(notification=notification, address="liaison@example.cn")
    workday = CalendarDay.objects.create(date=datetime.date(2026, 10, 9), note="旗庆")
    lockout = AccessAttempt.objects.create(
        username="leader",
        ip_address="10.0.0.9",
        user_agent="Mozilla",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    return {
        "scheme": scheme,
        "published_scheme": published_scheme,
        "veto_file": veto.files.get(),
        "unit_mz": Unit.objects.get(name="旗民政局").pk,
        "policy": policy,
        "policy_file": policy.files.get(),
        "review": review,
        "round": report_round,
        "report": report,
        "report_file": report.files.get(),
        "published_round": published_round,
        "notification": notification,
        "delivery": delivery,
        "workday": workday,
        "lockout": lockout,
        "case": case,
        "case_file": case.files.get(),
        "verification": verification,
        "task": task,
        "feedback_file": feedback.files.get(),
        "extension": extension,
        "escalation": escalation,
        "personas": personas,
        "seat": Tenure.objects.get(person__name="王志鹏").seat_id,
        "unit": Unit.objects.get(name="旗教体局").pk,
        "item": item,
        "material": item.materials.get(),
        "meeting": meeting,
        "minutes": minutes,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module (issuing minutes renders a PDF) inside a transaction that is
    rolled back at the end; each test runs in its own savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        data = build_world()
    yield data
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def personas(world, db):
    return world["personas"]


def expected(table, persona):
    if persona in ("anonymous", "inactive"):
        return 302
    return table.get(persona, 403)


def login_as(client, personas, persona):
    if persona != "anonymous":
        client.force_login(personas[persona])


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_get(client, personas, world, persona, name):
    args, get_table, _ = MATRIX[name]
    login_as(client, personas, persona)
    url = reverse(name, args=args(world))
    response = client.get(url)
    assert response.status_code == expected(get_table, persona), url
    if response.get("Content-Type", "").startswith("text/html"):
        assert "script-src 'self'" in response.get("Content-Security-Policy", ""), url
    if response.status_code == 302 and persona in ("anonymous", "inactive"):
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_post(client, personas, world, persona, name):
    args, _, post_table = MATRIX[name]
    login_as(client, personas, persona)
    url = reverse(name, args=args(world))
    data = {
        "name": "张三",
        "post": "旗民政局局长",
        "start": "2026-03-02",
        "basis": "工作变动自然接任",
    }
    before = db_snapshot()
    response = client.post(url, data)
    status = response.status_code
    assert status == expected(post_table, persona), url
    if status in (403, 404, 405) or persona in ("anonymous", "inactive"):
        assert db_snapshot() == before, f"{persona} changed data through {url}"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_login_page_is_open_to_everyone(client, personas, persona):
    login_as(client, personas, persona)
    response = client.get(reverse("login"))
    signed_in = persona not in ("anonymous", "inactive")
    assert response.status_code == (302 if signed_in else 200)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_health_view_answers_everyone(client, personas, persona):
    login_as(client, personas, persona)
    assert client.get(reverse("healthz")).status_code == 200


@pytest.mark.django_db
def test_logout_asks_on_get_and_logs_out_on_post(client, personas):
    client.force_login(personas["office"])
    response = client.get(reverse("logout"))
    assert response.status_code == 200 and "确定要退出吗" in response.content.decode()
    assert client.get(reverse("home")).status_code == 200  # GET did not log out
    response = client.post(reverse("logout"))
    assert "您已安全退出" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["office", "leader", "liaison", "member"])
def test_the_admin_is_for_staff_only(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get("/admin/").status_code == 302


def _names(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if p.app_name == "admin":
                continue
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix}{p.name}"


def test_every_url_pattern_is_in_the_matrix():
    names = set(_names(get_resolver()))
    missing = names - set(MATRIX) - set(PUBLIC) - NOT_IN_MATRIX
    assert not missing, f"URL patterns without a row in the access matrix: {sorted(missing)}"
