"""E-mail: a real SMTP server (aiosmtpd) started here receives what the task worker sends; a mail
server that is down never fails the web request, the send is retried with backoff, and the
office's delivery page resends."""

import datetime
import email
import email.policy
import signal
import socket

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meetings import services
from members import notifications
from members.models import Delivery, Notification, User
from members.permissions import Role
from tests.factories import make_item, make_meeting, make_user

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every envelope it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self):
        return [
            (e.rcpt_tos, email.message_from_bytes(e.content, policy=email.policy.default))
            for e in self.envelopes
        ]


def smtp_to(port):
    return override_settings(
        MAILERS={
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
            }
        },
        SITE_URL="https://jiuzhu.example.gov.cn",
    )


@pytest.fixture
def smtp():
    """A real SMTP server on a free local port, and the app's mail pointed at it."""
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    with smtp_to(port):
        yield handler
    controller.stop()


@pytest.fixture
def work(django_capture_on_commit_callbacks, monkeypatch):
    """The database worker, as `make run` starts it, until the queue is empty, in this process
    (tests/test_workers.py runs real worker processes). Its commits are savepoints inside the
    test's transaction: run what they register on commit, as a commit would (a retry it queues),
    and keep the test's connection open (the worker closes old connections between tasks)."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        # The worker takes SIGINT/SIGTERM for its graceful shutdown: give them back to pytest.
        saved = {
            sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
        }
        try:
            with django_capture_on_commit_callbacks(execute=True):
                call_command(
                    "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
                )
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)

    return run


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def wants_mail(user, address):
    user.email, user.notify_by = address, User.NotifyBy.EMAIL
    user.save()
    return user


def test_a_returned_item_is_mailed_in_chinese_with_a_link_to_its_wanters_only(
    smtp, commit, work, office, liaison, liaison2
):
    wants_mail(liaison, "liaison@mzj.ejhlq.gov.cn")
    colleague = make_user("colleague", Role.LIAISON, "旗民政局", email="c@mzj.ejhlq.gov.cn")
    wants_mail(liaison2, "liaison2@jtj.ejhlq.gov.cn")  # another unit: must get nothing
    item = make_item(liaison, title="冬季取暖补贴")
    commit(services.review_item, item, by=office, action="return", comment="请补充测算依据")
    assert smtp.envelopes == []  # nothing is sent in the request: the worker sends
    work()
    ((rcpts, mail),) = smtp.messages()
    assert rcpts == ["liaison@mzj.ejhlq.gov.cn"]
    assert mail["To"] == "liaison@mzj.ejhlq.gov.cn"
    assert mail["Subject"] == "【联席会议】议题“冬季取暖补贴”被退回修改"
    body = mail.get_body().get_content()
    assert "请补充测算依据" in body
    assert f"https://jiuzhu.example.gov.cn{item.get_absolute_url()}" in body
    assert Notification.objects.filter(recipient=colleague).exists()  # 站内 only: no mail
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1


def test_a_meeting_notice_mail_carries_the_ics(smtp, commit, work, office, liaison):
    wants_mail(liaison, "liaison@mzj.ejhlq.gov.cn")
    item = make_item(liaison)
    services.review_item(item, by=office, action="accept")
    meeting = make_meeting(office, title="冬季救助专题会议")
    services.schedule_item(item, by=office, meeting=meeting)
    Notification.objects.all().delete()
    commit(services.notify_meeting, meeting, by=office)
    work()
    ((_, mail),) = smtp.messages()
    assert mail["Subject"] == "【联席会议】会议通知：冬季救助专题会议"
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "meeting.ics"
    from icalendar import Calendar

    event = Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]
    assert str(event["summary"]) == "冬季救助专题会议"
    assert event.decoded("dtstart") == meeting.starts_at


def test_smtp_down_never_fails_the_request_and_the_send_is_retried_later(
    client, work, office, liaison, django_capture_on_commit_callbacks
):
    wants_mail(liaison, "liaison@mzj.ejhlq.gov.cn")
    item = make_item(liaison)
    client.force_login(office)
    port = free_port()  # nothing listens here: the mail server is down
    with smtp_to(port):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("meetings:item-review", args=[item.pk]), {"action": "accept"}
            )
        assert response.status_code == 302
        assert Notification.objects.filter(recipient=liaison).count() == 1
        work()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.RETRYING and delivery.attempts == 1
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 50 < wait <= 60
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after == delivery.next_attempt_at
    # The server comes back; a minute later the worker sends it.
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtp_to(port):
            work()  # not due yet
            assert handler.envelopes == []
            with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
                work()
    finally:
        controller.stop()
    assert len(handler.envelopes) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 2


def test_a_send_that_keeps_failing_ends_failed_and_the_office_resends_it(
    smtp, client, work, office, liaison, django_capture_on_commit_callbacks
):
    wants_mail(liaison, "liaison@mzj.ejhlq.gov.cn")
    n = Notification.objects.create(recipient=liaison, kind="item", event="e", title="测试消息")
    delivery = Delivery.objects.create(notification=n, address=liaison.email)
    with smtp_to(free_port()), django_capture_on_commit_callbacks(execute=True):
        for _ in range(len(notifications.RETRY_DELAYS) + 1):
            notifications.send_delivery.call(delivery.pk)
    assert DBTaskResult.objects.count() == len(notifications.RETRY_DELAYS)  # one per retry
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == len(notifications.RETRY_DELAYS) + 1
    client.force_login(office)
    page = client.get(reverse("members:delivery-list") + "?status=failed").content.decode()
    assert "发送失败" in page and "liaison@mzj.ejhlq.gov.cn" in page and "重发" in page
    DBTaskResult.objects.all().delete()  # the retries queued above
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:delivery-resend", args=[delivery.pk]))
    assert response.status_code == 302
    work()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    ((rcpts, mail),) = smtp.messages()
    assert rcpts == ["liaison@mzj.ejhlq.gov.cn"] and mail["Subject"] == "【联席会议】测试消息"


def test_a_sent_delivery_is_never_sent_twice(smtp, liaison):
    n = Notification.objects.create(recipient=liaison, kind="item", event="e", title="一次")
    delivery = Delivery.objects.create(notification=n, address="a@b.cn")
    assert notifications.send_delivery.call(delivery.pk) == "sent"
    assert notifications.send_delivery.call(delivery.pk) == "skipped"
    assert len(smtp.envelopes) == 1


@pytest.mark.parametrize(
    "data, error",
    [
        ({"email": "not-an-address", "notify_by": "email"}, "邮箱地址格式不正确"),
        ({"email": "", "notify_by": "email"}, "请填写电子邮箱"),
        ({"email": "a@b.cn", "notify_by": "sms"}, "请选择通知方式"),
        ({"email": "a@b.cn"}, "请选择通知方式"),
    ],
)
def test_bad_settings_are_refused_in_chinese_and_nothing_is_stored(client, liaison, data, error):
    client.force_login(liaison)
    response = client.post(reverse("members:notify-settings"), data)
    assert response.status_code == 200 and error in response.content.decode()
    liaison.refresh_from_db()
    assert liaison.email == "" and liaison.notify_by == User.NotifyBy.SITE


def test_a_user_chooses_mail(client, liaison):
    client.force_login(liaison)
    response = client.post(
        reverse("members:notify-settings"), {"email": "x@mzj.gov.cn", "notify_by": "email"}
    )
    assert response.status_code == 302
    liaison.refresh_from_db()
    assert liaison.email == "x@mzj.gov.cn" and liaison.notify_by == User.NotifyBy.EMAIL
