"""催办 / 催签 by hand: the office picks units (or all that are late), at most once per unit,
object and day; recorded on the object (who, when, whom) and sent to the units."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from duties import services as duties_services
from duties.models import Task
from meetings import services
from members.models import Chase, Notification, Unit
from tests.factories import approved_minutes

pytestmark = pytest.mark.django_db


def unit(name):
    return Unit.objects.get(name=name)


@pytest.fixture
def task(office):
    return duties_services.create_task(
        title="冬季救助摸底",
        source=Task.Source.OFFICE,
        lead_unit=unit("旗民政局"),
        responsible_units=[unit("旗教体局"), unit("旗财政局")],
        deadline=datetime.date(2026, 1, 31),
        by=office,
    )


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def run(user, url, data):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data, follow=True)
        return response.content.decode()

    return run


def test_the_office_chases_chosen_units_of_a_task(client, post, task, office, liaison, liaison2):
    url = reverse("duties:task-chase", args=[task.pk])
    page = post(office, url, {"units": [unit("旗教体局").pk], "text": "请本周内反馈"})
    assert "已向旗教体局发送催办" in page
    (n,) = Notification.objects.all()
    assert n.recipient == liaison2 and n.title == "催办：冬季救助摸底" and n.body == "请本周内反馈"
    chase = Chase.objects.get()
    assert (chase.unit, chase.by, chase.kind) == (unit("旗教体局"), office, "task")
    # Shown on the task's page, to the unit too.
    client.force_login(liaison2)
    page = client.get(task.get_absolute_url()).content.decode()
    assert "向 <strong>旗教体局</strong> 催办：请本周内反馈" in page
    assert "发送催办" not in page  # the form is the office's


def test_a_second_chase_the_same_day_is_refused_and_the_next_day_allowed(post, task, office):
    url = reverse("duties:task-chase", args=[task.pk])
    post(office, url, {"units": [unit("旗教体局").pk]})
    page = post(office, url, {"units": [unit("旗教体局").pk, unit("旗财政局").pk]})
    assert "今天已向旗教体局催办过，每个单位每天最多催办一次。" in page
    assert Chase.objects.count() == 1  # nothing of the refused request is stored
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        post(office, url, {"units": [unit("旗教体局").pk]})
    assert Chase.objects.count() == 2


def test_all_late_units_of_a_task(post, task, office, liaison):
    duties_services.add_feedback(task, by=liaison, text="已办。", date=timezone.localdate())
    duties_services.mark_part_done(task, by=liaison)
    post(office, reverse("duties:task-chase", args=[task.pk]), {"late": "1"})
    assert sorted(c.unit.name for c in Chase.objects.all()) == ["旗教体局", "旗财政局"]


def test_nothing_chosen_is_refused(post, task, office):
    page = post(office, reverse("duties:task-chase", args=[task.pk]), {"text": "x"})
    assert "请选择要催办的单位。" in page and Chase.objects.count() == 0


def test_chasing_unacknowledged_minutes(post, office, leader, liaison, liaison2):
    minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    services.acknowledge(minutes, by=liaison)
    Notification.objects.all().delete()
    page = post(office, reverse("meetings:minutes-chase", args=[minutes.pk]), {"late": "1"})
    # Every unit not yet acknowledged (every member unit and the 抄送 旗人民政府办公室 receive
    # minutes), not 民政局, which has.
    late = sorted(d.unit.name for d in minutes.distributions.filter(acknowledged_at__isnull=True))
    assert "旗民政局" not in late and {"旗教体局", "旗人民政府办公室"} <= set(late)
    assert "发送催签" in page and "旗教体局" in page
    assert sorted(c.unit.name for c in Chase.objects.all()) == late
    (n,) = Notification.objects.all()
    assert n.recipient == liaison2 and n.title == f"催签：{minutes.number_label}纪要，请下载并签收"
    assert "向 <strong>旗教体局</strong> 催签" in page


def test_only_the_office_chases(client, task, liaison):
    client.force_login(liaison)
    response = client.post(reverse("duties:task-chase", args=[task.pk]), {"late": "1"})
    assert response.status_code == 403 and Chase.objects.count() == 0
