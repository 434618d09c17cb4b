"""Forms in a real browser: the ledger's filter boxes show their whole options; a double click on
a create form makes one row."""

import pytest

from members.permissions import Role
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For each option of a <select>: does its text fit inside the box (text width vs. the box's
# inner width, arrow padding excluded)? Measured with the select's own font.
FITS = """sel => {
  const style = getComputedStyle(sel);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const inner = sel.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return [...sel.options].map(o => [o.text, Math.ceil(ctx.measureText(o.text).width), inner]);
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_ledger_sort_box_shows_its_longest_option(browser, live_server, charter, width):
    make_user("office", Role.OFFICE, "旗民政局")
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, live_server, "office", PASSWORD)
    page.goto(f"{live_server.url}/duties/tasks/")
    measured = page.get_by_label("排序").evaluate(FITS)
    page.screenshot(path=f"/tmp/forms/ledger-{width}.png")
    context.close()
    assert [t for t, _, _ in measured if t == "时限由近及远"] == ["时限由近及远"]
    too_wide = [(t, w, inner) for t, w, inner in measured if w > inner]
    assert not too_wide, too_wide


def test_a_feedback_sent_twice_from_the_browser_is_recorded_once(page, live_server, charter):
    from duties import services as duties_services
    from duties.models import Feedback, Task
    from members.models import Unit

    office = make_user("office", Role.OFFICE, "旗民政局")
    make_user("liaison", Role.LIAISON, "旗民政局")
    task = duties_services.create_task(
        title="冬季取暖补贴发放",
        source=Task.Source.OFFICE,
        lead_unit=Unit.objects.get(name="旗民政局"),
        by=office,
    )
    posts = []
    page.on(
        "request",
        lambda r: posts.append(r.url) if r.method == "POST" and "feedback" in r.url else None,
    )
    log_in(page, live_server, "liaison", PASSWORD)
    page.goto(f"{live_server.url}{task.get_absolute_url()}")
    page.get_by_label("进展情况").fill("已发放到户")
    # Send the same rendered form twice, as an impatient double click or a retry would.
    page.evaluate(
        """() => { const f = document.querySelector('form[action$="/feedback/"]');
                   const data = new FormData(f);
                   return Promise.all([1, 2].map(() => fetch(f.action, {method: 'POST',
                       body: data, redirect: 'manual'}))); }"""
    )
    page.get_by_role("button", name="提交反馈").click()  # and a third time, the browser way
    page.get_by_text("进展反馈已提交").or_(page.get_by_text("已经提交过")).first.wait_for()
    assert len(posts) == 3
    assert Feedback.objects.filter(task=task).count() == 1
    assert page.get_by_text("已发放到户").count() == 1
