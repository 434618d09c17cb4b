"""axe-core in chromium on the key pages of every role, at desktop width and at 390 px: no
serious or critical violation. And a liaison reports progress on a task by keyboard alone.

axe-core is the copy PyPI's axe-playwright-python ships (axe_playwright_python/axe.min.js, from
npm's axe-core): read from the installed package and evaluated in the page, no CDN.
"""

from pathlib import Path

import axe_playwright_python
import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import Case
from duties.models import Task
from jiuzhu.demo import DEMO_PASSWORD
from meetings.models import AgendaItem, Meeting, Minutes
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = {"serious", "critical"}


@pytest.fixture
def demo(charter, settings):
    settings.DEBUG = True  # seed_demo refuses to run without it
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False


def key_pages(role: str) -> list[str]:
    """The pages each role works on, from the demo's own objects."""
    from members.models import User

    user = User.objects.get(username=role)
    from duties.permissions import tasks_for_user
    from meetings.permissions import items_for_user, meetings_for_user, minutes_for_user

    pages = ["/", "/search/?q=低保", "/members/", "/duties/", "/duties/tasks/", "/meetings/"]
    pages += ["/meetings/items/", "/meetings/minutes/", "/cases/"]
    for queryset in (
        meetings_for_user(user).exclude(status=Meeting.Status.CANCELLED),
        items_for_user(user).exclude(status=AgendaItem.Status.WITHDRAWN),
        minutes_for_user(user).filter(status=Minutes.Status.ISSUED),
        tasks_for_user(user).filter(status=Task.Status.OPEN),
    ):
        first = queryset.order_by("-pk").first()
        if first:
            pages.append(first.get_absolute_url())
    if role == "office":
        pages += [Case.objects.order_by("-pk").first().get_absolute_url(), "/meetings/new/"]
        pages += ["/duties/tasks/new/", "/cases/new/"]
    if role == "liaison":
        pages += ["/meetings/items/new/"]
    return pages


def violations(page) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
            for n in v["nodes"][:3]
        )
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def check_every_role(page, live_server):
    found = {}
    for role in ("office", "leader", "liaison", "member"):
        page.context.clear_cookies()
        log_in(page, live_server, role, DEMO_PASSWORD)
        for path in key_pages(role):
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, (role, path, response.status)
            for v in violations(page):
                found.setdefault(v, []).append(f"{role} {path}")
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    for v in violations(page):
        found.setdefault(v, []).append("anonymous /accounts/login/")
    return found


def test_key_pages_have_no_serious_violation_at_desktop_width(page, live_server, demo):
    found = check_every_role(page, live_server)
    assert not found, "\n".join(f"{v}\n    {', '.join(where[:4])}" for v, where in found.items())


def test_key_pages_have_no_serious_violation_on_a_phone(phone, live_server, demo):
    found = check_every_role(phone, live_server)
    assert not found, "\n".join(f"{v}\n    {', '.join(where[:4])}" for v, where in found.items())


def tab_to(page, selector: str, limit: int = 80):
    """Press Tab until the element `selector` (a CSS selector) has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never got the focus by Tab")


def test_a_liaison_reports_progress_by_keyboard_alone(page, live_server, charter):
    import datetime

    from duties import services as duties_services
    from duties.models import Feedback
    from members.models import Unit
    from members.permissions import Role
    from tests.factories import PASSWORD, make_user

    make_user("liaison", Role.LIAISON, "旗民政局")
    task = duties_services.create_task(
        title="摸清城乡低保对象底数",
        source=Task.Source.OFFICE,
        lead_unit=Unit.objects.get(name="旗民政局"),
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "input[name=username]")
    page.keyboard.type("liaison")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    # From the home page's list of the unit's tasks to the task, by Tab and Enter.
    tab_to(page, f'a[href="{task.get_absolute_url()}"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}{task.get_absolute_url()}")
    tab_to(page, "textarea[name=text]")
    page.keyboard.type("已完成全旗低保对象入户核查，共 1,203 户。")
    tab_to(page, 'form[action$="/feedback/"] button[type=submit]')
    page.keyboard.press("Enter")
    page.get_by_text("进展反馈已提交。").wait_for()

    feedback = Feedback.objects.get(task=task)
    assert feedback.text == "已完成全旗低保对象入户核查，共 1,203 户。"
    assert feedback.date == timezone.localdate()  # the date field kept its default
    # The focus is visible where it lands: every focusable element shows an outline or a shadow.
    tab_to(page, "#nav-q")
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.boxShadow]; }"
    )
    assert style[0] != "none" or style[1] != "none", style
