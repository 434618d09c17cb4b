"""The minutes form in chromium: it starts from the meeting's items, three decisions fit in two
desktop screens, and it works at 390 px (units chosen in collapsed groups, 分送 narrowed)."""

import pytest

from meetings import services
from meetings.models import Minutes
from members.models import Unit
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, make_item, make_meeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def draft_from_three_items(office, liaison):
    meeting = make_meeting(office, units=("旗民政局",))
    for n, title in enumerate(["关于低保标准的议题", "关于教育救助的议题", "关于临时救助的议题"]):
        item = make_item(liaison, title=title, proposal=f"建议第{n + 1}项由旗民政局牵头落实。")
        services.review_item(item, by=office, action="accept")
        services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    services.hold_meeting(meeting, by=office)
    return services.create_minutes(meeting, by=office)


def test_three_decisions_fit_two_desktop_screens(page, live_server, office, liaison, tmp_path):
    minutes = draft_from_three_items(office, liaison)
    log_in(page, live_server, "office", PASSWORD)
    page.goto(f"{live_server.url}/meetings/minutes/{minutes.pk}/edit/")
    for n in (1, 2, 3):
        group = page.get_by_role("group", name=f"第 {n} 项")
        assert group.get_by_label("议定事项").input_value() == f"建议第{n}项由旗民政局牵头落实。"
        assert (
            group.get_by_label("牵头单位").evaluate("s => s.selectedOptions[0].text") == "旗民政局"
        )
    height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(path=tmp_path / "minutes-form-desktop.png", full_page=True)
    assert height <= 2 * 900, height  # the viewport is 1280 × 900


def test_the_form_works_on_a_phone(phone, live_server, office, liaison, tmp_path):
    page = phone
    minutes = draft_from_three_items(office, liaison)
    log_in(page, live_server, "office", PASSWORD)
    page.goto(f"{live_server.url}/meetings/minutes/{minutes.pk}/edit/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("会议概况").fill("会议研究了三个议题。")
    first = page.get_by_role("group", name="第 1 项")
    picker = first.locator("details.unit-picker")
    assert "未选" in picker.locator("summary").inner_text()
    picker.locator("summary").click()
    first.get_by_label("札萨克镇").check()
    first.get_by_label("红庆河镇").check()
    assert "已选 2：札萨克镇、红庆河镇" in picker.locator("summary").inner_text()
    assert page.locator("#narrowing").is_hidden()
    page.get_by_label("只分送部分成员单位").check()
    assert page.locator("#narrowing").is_visible()
    page.locator("#narrowing details.unit-picker summary").click()
    page.locator("#narrowing").get_by_label("旗民政局").check()
    page.get_by_label("缩小分送范围的原因").fill("只涉及民政业务")
    page.get_by_label("其他抄送单位").fill("鄂尔多斯市民政局")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=tmp_path / "minutes-form-phone.png", full_page=True)
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_text("纪要草稿已保存。").first.wait_for()
    minutes = Minutes.objects.get(pk=minutes.pk)
    first = minutes.decisions.get(order=1)
    assert set(first.responsible_units.values_list("name", flat=True)) == {"札萨克镇", "红庆河镇"}
    assert list(minutes.narrowed_units.values_list("name", flat=True)) == ["旗民政局"]
    assert minutes.narrow_reason == "只涉及民政业务" and minutes.copy_extra == "鄂尔多斯市民政局"
    assert minutes.decisions.count() == 3
    plan = services.planned_distribution(minutes)
    assert [u.name for u in plan.main] == ["旗民政局"] and not plan.all_members
    assert Unit.objects.filter(name="旗民政局").exists()
