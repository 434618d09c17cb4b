"""The 主持人 of a meeting, and a minutes draft that starts from the meeting's items."""

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import Meeting
from members.models import Seat, Unit
from tests.factories import aware, make_item, make_meeting

pytestmark = pytest.mark.django_db


def test_a_plenary_is_hosted_by_its_convener_unless_the_office_names_the_other_seat(office):
    meeting = make_meeting(office, kind="plenary", units=())
    leader_seat = Seat.objects.get(role=Seat.Role.LEADER)
    assert meeting.host_seat == leader_seat
    holder = leader_seat.tenure_on(aware(2026, 6, 5).date())
    assert meeting.host_label == f"{holder.post}{holder.person.name}"
    deputy = Seat.objects.get(role=Seat.Role.DEPUTY)
    data = services.MeetingData(
        kind="plenary",
        title=meeting.title,
        starts_at=meeting.starts_at,
        place=meeting.place,
        convener_seat=leader_seat,
        host_seat=deputy,
    )
    services.update_meeting(meeting, data, by=office)
    meeting.refresh_from_db()
    assert meeting.host_seat == deputy and meeting.host_name == ""
    member_seat = Seat.objects.filter(role=Seat.Role.MEMBER).first()
    data.host_seat = member_seat
    with pytest.raises(services.MeetingsError, match="组长或副组长主持"):
        services.update_meeting(meeting, data, by=office)


def test_a_special_meeting_is_hosted_by_whom_the_office_names(client, office):
    client.force_login(office)
    form = {
        "kind": "special",
        "title": "冬季取暖专题会议",
        "starts_at": "2026-12-10T15:00",
        "place": "旗民政局三楼会议室",
        "invited_units": [Unit.objects.get(name="旗民政局").pk],
    }
    response = client.post(reverse("meetings:meeting-create"), form)
    assert response.status_code == 200 and "专题会议请填写主持人" in response.content.decode()
    assert not Meeting.objects.exists()
    form.update(host_name="梁之维", host_post="旗民政局局长")
    response = client.post(reverse("meetings:meeting-create"), form)
    meeting = Meeting.objects.get()
    assert (meeting.host_name, meeting.host_post, meeting.host_seat) == (
        "梁之维",
        "旗民政局局长",
        None,
    )
    assert meeting.host_label == "旗民政局局长梁之维"
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "主持人" in page and "旗民政局局长梁之维" in page
    form.update(host_name="梁之维 13804770001")
    response = client.post(reverse("meetings:meeting-edit", args=[meeting.pk]), form)
    assert "手机号码" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.host_name == "梁之维"


def test_a_new_draft_has_one_decision_per_deliberated_item_led_by_its_unit(
    office, liaison, liaison2
):
    meeting = make_meeting(office, units=("旗民政局", "旗教体局"))
    items = [
        make_item(liaison, title="关于低保标准的议题", proposal="建议提高低保标准。"),
        make_item(liaison2, title="关于教育救助的议题", proposal="建议建立快速响应机制。"),
        make_item(liaison, title="撤下的议题", proposal="不审议。"),
    ]
    for item in items[:2]:
        services.review_item(item, by=office, action="accept")
        services.schedule_item(item, by=office, meeting=meeting)
    services.notify_meeting(meeting, by=office)
    services.hold_meeting(meeting, by=office)
    minutes = services.create_minutes(meeting, by=office)
    assert [(d.order, d.text, d.lead_unit.name) for d in minutes.decisions.all()] == [
        (1, "建议提高低保标准。", "旗民政局"),
        (2, "建议建立快速响应机制。", "旗教体局"),
    ]
