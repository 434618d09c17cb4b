"""The meetings pages through the client: forms, messages, what each role sees."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings import services
from meetings.models import AgendaItem, Distribution, Download, Minutes
from tests.factories import (
    approved_minutes,
    aware,
    db_snapshot,
    held_meeting_with_item,
    make_item,
    make_meeting,
)

pytestmark = pytest.mark.django_db

ITEM = {"title": "关于困难家庭取暖补贴的议题", "background": "背景", "proposal": "方案"}


def test_a_liaison_submits_an_item_with_materials_through_the_form(client, liaison):
    client.force_login(liaison)
    pdf = SimpleUploadedFile("测算表.pdf", b"%PDF-1.4 data", content_type="application/pdf")
    png = SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10, content_type="image/png")
    response = client.post(reverse("meetings:item-create"), {**ITEM, "materials": [pdf, png]})
    item = AgendaItem.objects.get()
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    assert sorted(item.materials.values_list("name", flat=True)) == ["测算表.pdf", "现场.png"]
    assert item.unit.name == "旗民政局"


@pytest.mark.parametrize(
    "upload, message",
    [
        (
            SimpleUploadedFile("病毒.exe", b"MZ\x90\x00"),
            "只接受 pdf、doc、docx、xls、xlsx、ppt、pptx、jpg、png 文件",
        ),
        (SimpleUploadedFile("伪装.pdf", b"MZ\x90\x00"), "内容与扩展名不符"),
    ],
)
def test_the_form_refuses_a_bad_attachment_and_keeps_the_text(client, liaison, upload, message):
    client.force_login(liaison)
    before = db_snapshot()
    response = client.post(reverse("meetings:item-create"), {**ITEM, "materials": [upload]})
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert ITEM["title"] in html
    assert db_snapshot() == before


def test_a_liaison_sees_only_their_units_items(client, liaison, liaison2):
    make_item(liaison, title="民政局的议题")
    make_item(liaison2, title="教体局的议题")
    client.force_login(liaison2)
    html = client.get(reverse("meetings:item-list")).content.decode()
    assert "教体局的议题" in html and "民政局的议题" not in html


def test_review_and_schedule_through_the_item_page(client, liaison, office):
    item = make_item(liaison)
    meeting = make_meeting(office)
    client.force_login(office)
    client.post(
        reverse("meetings:item-review", args=[item.pk]), {"action": "return", "comment": ""}
    )
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.SUBMITTED  # a return needs a comment
    response = client.post(
        reverse("meetings:item-review", args=[item.pk]), {"action": "accept"}, follow=True
    )
    assert "议题已受理" in response.content.decode()
    response = client.post(
        reverse("meetings:item-schedule", args=[item.pk]), {"meeting": meeting.pk}, follow=True
    )
    assert "议程第1项" in response.content.decode()
    html = client.get(item.get_absolute_url()).content.decode()
    assert "<strong>受理</strong>" in html and "<strong>列入议程</strong>" in html


def test_two_people_editing_one_draft_do_not_lose_work(client, liaison, office):
    minutes = services.create_minutes(held_meeting_with_item(office, liaison), by=office)
    url = reverse("meetings:minutes-edit", args=[minutes.pk])
    client.force_login(office)
    form = {
        "version": minutes.version,
        "d-TOTAL_FORMS": "1",
        "d-INITIAL_FORMS": "0",
        "d-0-text": "",
        "d-0-lead_unit": "",
    }
    first = client.post(url, {**form, "summary": "甲的概况"})
    assert first.status_code == 302
    second = client.post(url, {**form, "summary": "乙花了一小时写的概况"})
    html = second.content.decode()
    assert second.status_code == 200
    assert "已被他人修改并保存" in html
    assert "乙花了一小时写的概况" in html  # kept in the form to copy
    assert Minutes.objects.get(pk=minutes.pk).summary == "甲的概况"


def test_a_decision_needs_a_lead_unit(client, liaison, office):
    minutes = services.create_minutes(held_meeting_with_item(office, liaison), by=office)
    drafted = list(minutes.decisions.values_list("text", "lead_unit"))  # from the agenda item
    client.force_login(office)
    response = client.post(
        reverse("meetings:minutes-edit", args=[minutes.pk]),
        {
            "version": minutes.version,
            "summary": "概况",
            "d-TOTAL_FORMS": "1",
            "d-INITIAL_FORMS": "0",
            "d-0-text": "由某单位落实",
            "d-0-lead_unit": "",
        },
    )
    assert response.status_code == 200
    assert "请选择牵头单位" in response.content.decode()
    assert list(minutes.decisions.values_list("text", "lead_unit")) == drafted  # nothing saved


def test_the_leader_approves_and_the_office_issues_through_the_pages(
    client, liaison, office, leader
):
    minutes = approved_minutes(office, leader, liaison)
    client.force_login(office)
    response = client.post(reverse("meetings:minutes-issue", args=[minutes.pk]), follow=True)
    html = response.content.decode()
    assert "纪要已印发" in html
    minutes.refresh_from_db()
    assert minutes.number_label in html
    assert "未签收</span>" in html and "已等待" in html


def test_a_liaison_downloads_and_acknowledges(client, liaison, office, leader):
    minutes = approved_minutes(office, leader, liaison)
    services.issue_minutes(minutes, by=office)
    client.force_login(liaison)
    assert "待签收" in client.get(reverse("meetings:minutes-list")).content.decode()
    response = client.get(reverse("meetings:minutes-pdf", args=[minutes.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert Download.objects.filter(by=liaison).count() == 1
    response = client.post(reverse("meetings:minutes-acknowledge", args=[minutes.pk]), follow=True)
    assert "已签收" in response.content.decode()
    row = Distribution.objects.get(minutes=minutes, unit__name="旗民政局")
    assert row.acknowledged_by == liaison and row.download_count == 1


def test_a_unit_not_sent_the_minutes_gets_404_for_page_and_pdf(
    client, liaison, office, leader, member
):
    minutes = approved_minutes(office, leader, liaison, sent_to=("旗民政局", "旗教体局"))
    services.issue_minutes(minutes, by=office)
    client.force_login(member)  # 旗财政局 was left out of the narrowed 分送
    assert client.get(reverse("meetings:minutes-detail", args=[minutes.pk])).status_code == 404
    assert client.get(reverse("meetings:minutes-pdf", args=[minutes.pk])).status_code == 404


def test_draft_minutes_are_invisible_to_the_units(client, liaison, office, leader):
    minutes = approved_minutes(office, leader, liaison)
    client.force_login(liaison)
    assert client.get(reverse("meetings:minutes-detail", args=[minutes.pk])).status_code == 404
    client.force_login(leader)
    assert client.get(reverse("meetings:minutes-pdf", args=[minutes.pk])).status_code == 404


def test_the_notice_lists_time_place_agenda_and_invited_units(client, liaison, office):
    item = make_item(liaison, title="关于冬季取暖的议题")
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office, starts_at=aware(2026, 12, 3, 15, 0), place="旗民政局三楼会议室")
    services.schedule_item(item, by=office, meeting=meeting)
    client.force_login(office)
    html = client.get(reverse("meetings:meeting-notice", args=[meeting.pk])).content.decode()
    for text in (
        "2026年12月3日 15:00",
        "旗民政局三楼会议室",
        "关于冬季取暖的议题",
        "旗民政局、旗教体局",
    ):
        assert text in html


def test_a_liaison_does_not_see_a_meeting_in_preparation(client, liaison, office):
    meeting = make_meeting(office)
    client.force_login(liaison)
    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert meeting.title not in client.get(reverse("meetings:meeting-list")).content.decode()


def test_the_office_sees_who_has_not_answered_a_written_review(client, liaison, liaison2, office):
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office, kind="written", opinion_deadline=aware(2099, 1, 1))
    services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    client.force_login(liaison)
    client.post(reverse("meetings:meeting-opinion", args=[meeting.pk]), {"choice": "agree"})
    client.force_login(office)
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "1/2 个单位已填报" in html
    assert "旗民政局：<strong>同意</strong>" in html
    assert '旗教体局：<span class="text-danger">未填报</span>' in html


def test_attendance_form_records_a_delegate_and_refuses_one_without_a_name(client, liaison, office):
    meeting = held_meeting_with_item(office, liaison)
    row = meeting.attendances.first()
    client.force_login(office)
    url = reverse("meetings:meeting-attendance", args=[meeting.pk])
    rows = {f"a{a.pk}-status": "present" for a in meeting.attendances.all()}
    response = client.post(
        url, {**rows, f"a{row.pk}-status": "delegate", f"a{row.pk}-delegate_name": ""}, follow=True
    )
    assert "请填写受委托人姓名" in response.content.decode()
    client.post(url, {**rows, f"a{row.pk}-status": "delegate", f"a{row.pk}-delegate_name": "李明"})
    row.refresh_from_db()
    assert (row.status, row.delegate_name) == ("delegate", "李明")


LIST_PAGES = (
    "meetings:item-list",
    "meetings:meeting-list",
    "meetings:minutes-list",
    "duties:task-list",
)


def _queries(client, name):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(name)).status_code == 200
    return len(ctx.captured_queries)


def test_lists_take_a_constant_number_of_queries(client, liaison, office, leader):
    """One issued minutes or four: every list page runs the same number of queries."""
    services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    client.force_login(office)
    client.get(reverse("home"))  # the first request after signing in renews the session
    small = {name: _queries(client, name) for name in LIST_PAGES}
    for _ in range(3):
        services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    large = {name: _queries(client, name) for name in LIST_PAGES}
    assert large == small
    assert max(small.values()) <= 15


def test_a_pdf_whose_bytes_changed_is_not_served(client, liaison, office, leader):
    minutes = approved_minutes(office, leader, liaison)
    minutes = services.issue_minutes(minutes, by=office)
    with open(minutes.pdf.path, "ab") as f:
        f.write(b"tampered")
    client.force_login(liaison)
    response = client.get(reverse("meetings:minutes-pdf", args=[minutes.pk]))
    assert response.status_code == 409
    assert "校验值不一致" in response.content.decode()
    assert not Download.objects.exists()
