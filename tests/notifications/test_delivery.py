"""Notifications outside the app (notifications/delivery.py): email and WeCom/DingTalk group
robots, after commit only, once per notification, retried with back-off, never in the way of
the request; and the daily job's reminders (notifications/daily_steps.py), idempotent."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from pharmcrm.contacts.models import CareDate, Contact, Employment
from pharmcrm.core.daily import run_daily
from pharmcrm.customers.models import Customer
from pharmcrm.notifications import delivery, services
from pharmcrm.notifications.daily_steps import CONTACT_OCCASIONS, FOLLOWUPS_DUE
from pharmcrm.notifications.models import Delivery, DeliveryStatus, Notification, NotificationKind
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

KIND = NotificationKind.CUSTOMER_TRANSFERRED


@pytest.fixture
def channels(settings):
    """Email on, sent inline (the test sees the result at once); robots added per test."""
    settings.PHARMCRM = {**settings.PHARMCRM, "NOTIFY_EMAIL": True, "NOTIFY_DELIVERY": "inline",
                         "NOTIFY_ROBOTS": [], "SITE_URL": "https://crm.example.cn"}
    settings.LANGUAGE_CODE = "zh-hans"
    return settings


def _with_email(user, address="rep@example.cn", phone="13800000001"):
    user.email, user.phone = address, phone
    user.save(update_fields=["email", "phone"])
    return user


def _notify(user, key=None, actor=None):
    services.notify(recipients=[user], kind=KIND, params={"count": 2}, link="/customers/", key=key, actor=actor)


def test_nothing_is_queued_without_a_channel(org, django_capture_on_commit_callbacks):
    _with_email(org.rep_pd1)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(org.rep_pd1)
    assert Notification.objects.count() == 1 and not Delivery.objects.exists() and not mail.outbox


def test_email_after_commit_in_chinese_with_a_link(org, channels, django_capture_on_commit_callbacks):
    _with_email(org.rep_pd1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify(org.rep_pd1, actor=org.sh_head)
    assert not mail.outbox and not Delivery.objects.exists()  # nothing before the commit
    for cb in callbacks:
        cb()
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    assert msg.to == ["rep@example.cn"] and "转移了 2 个客户" in msg.body
    assert "https://crm.example.cn/customers/" in msg.body
    d = Delivery.objects.get()
    assert (d.channel, d.status, d.attempts) == ("email", DeliveryStatus.SENT, 1) and d.sent_at


def test_a_rolled_back_change_sends_nothing(org, channels, django_capture_on_commit_callbacks):
    _with_email(org.rep_pd1)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        _notify(org.rep_pd1)
        raise RuntimeError("the change fails")
    assert not Notification.objects.exists() and not Delivery.objects.exists() and not mail.outbox


def test_the_same_event_twice_is_sent_once(org, channels, django_capture_on_commit_callbacks):
    _with_email(org.rep_pd1)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(org.rep_pd1, key="transfer:7")
    with django_capture_on_commit_callbacks(execute=True):
        _notify(org.rep_pd1, key="transfer:7")
    assert Notification.objects.count() == 1 and Delivery.objects.count() == 1 and len(mail.outbox) == 1


def test_no_email_address_no_email(org, channels, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify(org.rep_pd2)
    assert Notification.objects.count() == 1 and not Delivery.objects.exists()


def test_a_failure_is_retried_with_back_off_then_given_up(org, channels, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    _with_email(org.rep_pd1)
    calls = []

    def down(*args, **kwargs):
        calls.append(args)
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr(delivery, "send_mail", down)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        _notify(org.rep_pd1)  # the request is not disturbed by the failure
    d = Delivery.objects.get()
    assert d.status == DeliveryStatus.PENDING and d.attempts == 1 and "unreachable" in d.last_error
    assert d.next_attempt_at >= before + datetime.timedelta(minutes=1)
    # not due yet: nothing is tried
    assert delivery.deliver_due() == {"sent": 0, "retry": 0, "failed": 0} and len(calls) == 1
    # due again: tried until the last attempt, then failed for good
    moment = timezone.now()
    for _ in range(delivery.max_attempts() - 1):
        moment += datetime.timedelta(days=1)
        delivery.deliver_due(now=moment)
    d.refresh_from_db()
    assert d.status == DeliveryStatus.FAILED and d.attempts == delivery.max_attempts()
    assert len(calls) == delivery.max_attempts()
    assert delivery.deliver_due(now=moment + datetime.timedelta(days=9))["failed"] == 0  # never again


def test_a_retry_succeeds_later(org, channels, monkeypatch, django_capture_on_commit_callbacks):
    _with_email(org.rep_pd1)
    real = delivery.send_mail
    monkeypatch.setattr(delivery, "send_mail", lambda *a, **k: (_ for _ in ()).throw(OSError("down")))
    with django_capture_on_commit_callbacks(execute=True):
        _notify(org.rep_pd1)
    monkeypatch.setattr(delivery, "send_mail", real)
    assert delivery.deliver_due(now=timezone.now() + datetime.timedelta(minutes=2)) == {
        "sent": 1, "retry": 0, "failed": 0}
    assert len(mail.outbox) == 1 and Delivery.objects.get().status == DeliveryStatus.SENT


def test_a_claimed_row_is_not_sent_twice(org, channels, monkeypatch):
    """Two senders reading the same due row: the conditional claim lets one through."""
    _with_email(org.rep_pd1)
    n = Notification.objects.create(recipient=org.rep_pd1, kind=KIND, params={"count": 1})
    Delivery.objects.create(notification=n, channel="email", target="rep@example.cn")
    Delivery.objects.filter(pk__isnull=False).update(attempts=0)
    first = delivery.deliver_due()
    second = delivery.deliver_due()
    assert first["sent"] == 1 and second["sent"] == 0 and len(mail.outbox) == 1


# --- group robots, against a real HTTP server ------------------------------------------------


class _Robot(BaseHTTPRequestHandler):
    received: list = []
    answer: dict = {"errcode": 0, "errmsg": "ok"}

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, json.loads(body)))
        data = json.dumps(type(self).answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot_server():
    _Robot.received = []
    _Robot.answer = {"errcode": 0, "errmsg": "ok"}
    server = HTTPServer(("127.0.0.1", 0), _Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _Robot
    server.shutdown()
    server.server_close()


def test_wecom_and_dingtalk_robots(org, channels, robot_server, django_capture_on_commit_callbacks):
    url, robot = robot_server
    channels.PHARMCRM = {**channels.PHARMCRM, "NOTIFY_EMAIL": False, "NOTIFY_ROBOTS": [
        {"name": "华东销售群", "type": "wecom", "url": url + "/cgi-bin/webhook/send?key=abc"},
        {"name": "钉钉群", "type": "dingtalk", "url": url + "/robot/send?access_token=t", "secret": "SECabc"},
        {"name": "工单群", "type": "wecom", "url": url + "/tickets", "kinds": ["ticket_overdue"]},
    ]}
    _with_email(org.rep_pd1, phone="13912345678")
    with django_capture_on_commit_callbacks(execute=True):
        _notify(org.rep_pd1)
    paths = sorted(p for p, _ in robot.received)
    assert len(paths) == 2 and not any(p.startswith("/tickets") for p in paths)  # the kinds filter
    wecom = next(body for p, body in robot.received if p.startswith("/cgi-bin"))
    assert wecom["msgtype"] == "text" and wecom["text"]["mentioned_mobile_list"] == ["13912345678"]
    assert "转移了 2 个客户" in wecom["text"]["content"]
    path, ding = next((p, body) for p, body in robot.received if p.startswith("/robot"))
    assert ding["at"]["atMobiles"] == ["13912345678"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest())
    assert sign == expected.decode()
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_a_robot_error_answer_is_retried(org, channels, robot_server, django_capture_on_commit_callbacks):
    url, robot = robot_server
    robot.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    channels.PHARMCRM = {**channels.PHARMCRM, "NOTIFY_EMAIL": False,
                         "NOTIFY_ROBOTS": [{"name": "群", "type": "wecom", "url": url + "/send"}]}
    with django_capture_on_commit_callbacks(execute=True):
        _notify(org.rep_pd1)
    d = Delivery.objects.get()
    assert d.status == DeliveryStatus.PENDING and "93000" in d.last_error
    robot.answer = {"errcode": 0}
    assert delivery.deliver_due(now=timezone.now() + datetime.timedelta(minutes=2))["sent"] == 1


def test_the_background_thread_sends_without_blocking(org, channels, robot_server):
    """Default mode: the caller returns at once; the thread sends on its own connection."""
    url, robot = robot_server
    channels.PHARMCRM = {**channels.PHARMCRM, "NOTIFY_EMAIL": False, "NOTIFY_DELIVERY": "thread",
                         "NOTIFY_ROBOTS": [{"name": "群", "type": "wecom", "url": url + "/send"}]}
    sent = []
    real = delivery.deliver_due
    done = threading.Event()

    def recording(**kw):
        sent.append(threading.current_thread().name)
        done.set()
        return {"sent": 0, "retry": 0, "failed": 0}

    delivery.deliver_due = recording
    try:
        delivery.kick()
        assert done.wait(10)
    finally:
        delivery.deliver_due = real
    assert sent and sent[0].startswith("pharmcrm-deliver")


# --- the daily job's reminders ---------------------------------------------------------------


def _plan(owner, name, due):
    c = make_customer(owner, name)
    Customer.objects.filter(pk=c.pk).update(next_followup_on=due)
    return c


def test_daily_reminders_are_right_and_idempotent(org, django_capture_on_commit_callbacks):
    day = timezone.localdate()
    _plan(org.rep_pd1, "逾期一", day - datetime.timedelta(days=3))
    _plan(org.rep_pd1, "逾期二", day - datetime.timedelta(days=1))
    _plan(org.rep_pd1, "今天", day)
    _plan(org.rep_pd1, "明天", day + datetime.timedelta(days=1))
    _plan(org.rep_pd2, "明天的", day + datetime.timedelta(days=1))  # nothing due: no reminder
    hospital = make_customer(org.rep_pd2, "市医院")
    born = Contact.objects.create(name="王主任", birth_month=day.month, birth_day=day.day)
    cared = Contact.objects.create(name="李科长")
    CareDate.objects.create(contact=cared, label="结婚纪念日", month=day.month, day=day.day)
    left = Contact.objects.create(name="已离职", birth_month=day.month, birth_day=day.day)
    for contact in (born, cared):
        Employment.objects.create(contact=contact, customer=hospital, role="other", role_other="主任")
    Employment.objects.create(contact=left, customer=hospital, role="other", role_other="x",
                              end_date=day - datetime.timedelta(days=30))

    with django_capture_on_commit_callbacks(execute=True):
        outcomes = run_daily(day, only=["reminders"])
    assert all(o.ok for o in outcomes), outcomes
    due = Notification.objects.get(kind=FOLLOWUPS_DUE)
    assert due.recipient == org.rep_pd1 and (due.params["overdue"], due.params["today"]) == (2, 1)
    assert "2" in due.text and "1" in due.text
    occasion = Notification.objects.get(kind=CONTACT_OCCASIONS)
    assert occasion.recipient == org.rep_pd2 and occasion.params["count"] == 2  # not the one who left
    snapshot = sorted(Notification.objects.values_list("pk", "recipient_id", "kind", "key"))

    with django_capture_on_commit_callbacks(execute=True):
        run_daily(day, only=["reminders"])
    assert sorted(Notification.objects.values_list("pk", "recipient_id", "kind", "key")) == snapshot


def test_inline_sending_never_closes_the_callers_connection(org, channels, django_capture_on_commit_callbacks):
    """Regression: the sender once called close_old_connections(), which closed the request's
    (or the test's) connection in mid-transaction once it was older than CONN_MAX_AGE (PostgreSQL)."""
    from django.db import connection

    _with_email(org.rep_pd1)
    connection.ensure_connection()
    saved = connection.close_at
    connection.close_at = 0  # "obsolete" as seen by close_old_connections
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _notify(org.rep_pd1)
        assert Delivery.objects.get().status == DeliveryStatus.SENT  # the connection still works
    finally:
        connection.close_at = saved
