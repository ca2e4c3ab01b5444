"""Notifications delivered outside the app: email, and WeCom (企业微信) / DingTalk (钉钉) group robots.

The in-app notification is the record; a ``Delivery`` row (an outbox) is written for each
channel it goes to once the notification exists, i.e. after the change that caused it has
committed (``notifications.services``). Sending never happens in the request's path:

* ``PHARMCRM["NOTIFY_DELIVERY"] = "thread"`` (default): a background thread of the process
  sends what is due; the request returns at once;
* ``"worker"``: only ``manage.py crm_deliver`` sends (run it as a service next to the web);
* ``"inline"``: sent at once in the same thread (tests, or a single-user install).

A failure (SMTP down, a robot answering an error) is retried with growing back-off
(``BACKOFF``) up to ``NOTIFY_MAX_ATTEMPTS`` times, then marked failed. Each attempt claims its
row with a conditional update (a lease of ``LEASE``), so two processes never send the same row
at once and a process that dies mid-send leaves the row to be retried when the lease ends.
What is retried: by the next send of any process, by ``crm_deliver`` and by the daily job.

A robot posts into a group chat: configure for it only the kinds that the whole group may read
(``"kinds"``), e.g. overdue tickets for a service team's group.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.mail import send_mail
from django.db import close_old_connections, connection
from django.db.models import F
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from pharmcrm.notifications.models import Delivery, DeliveryStatus, Notification

logger = logging.getLogger("pharmcrm.notifications")

EMAIL = "email"
ROBOT_TYPES = ("wecom", "dingtalk")
BACKOFF = [datetime.timedelta(minutes=m) for m in (1, 5, 30, 120, 360, 720)]
LEASE = datetime.timedelta(minutes=10)
HTTP_TIMEOUT = 5
BATCH = 200

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _conf(key: str, default=None):
    return settings.PHARMCRM.get(key, default)


def robots() -> list[dict]:
    """The configured group robots that are usable (a name, a known type and a URL)."""
    out = []
    for r in _conf("NOTIFY_ROBOTS") or []:
        if isinstance(r, dict) and r.get("url") and r.get("type") in ROBOT_TYPES:
            out.append({**r, "name": str(r.get("name") or r["url"])[:200]})
    return out


def max_attempts() -> int:
    return int(_conf("NOTIFY_MAX_ATTEMPTS", 6))


# --- the outbox ----------------------------------------------------------------------------


def enabled() -> bool:
    """Is any channel outside the app configured?"""
    return bool(_conf("NOTIFY_EMAIL")) or bool(robots())


def queue_deliveries(notifications: Iterable[Notification]) -> int:
    """Write the outbox rows of these (just created) notifications and start sending; returns
    how many rows. Nothing is written when no channel is configured."""
    notifications = list(notifications)
    email_on = bool(_conf("NOTIFY_EMAIL"))
    bots = robots()
    if not notifications or not (email_on or bots):
        return 0
    rows = []
    for n in notifications:
        if email_on and n.recipient.email:
            rows.append(Delivery(notification=n, channel=EMAIL, target=n.recipient.email[:200]))
        for bot in bots:
            kinds = bot.get("kinds")
            if not kinds or n.kind in kinds:
                rows.append(Delivery(notification=n, channel=bot["type"], target=bot["name"]))
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    if rows:
        kick()
    return len(rows)


def kick() -> None:
    """Send what is due now, the way the settings say (see the module)."""
    mode = _conf("NOTIFY_DELIVERY", "thread")
    if mode == "inline":
        deliver_due()
    elif mode == "thread":
        global _executor
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pharmcrm-deliver")
        _executor.submit(_deliver_in_thread)


def _deliver_in_thread() -> None:
    close_old_connections()  # this thread's own connection, opened afresh when needed
    try:
        deliver_due()
    except Exception:  # never let the thread die silently
        logger.exception("notification delivery failed")
    finally:
        connection.close()  # this thread's own connection


def deliver_due(*, now: datetime.datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """Send every pending delivery whose time has come (at most ``limit``); returns counts. Uses
    the caller's connection as it is (a worker loop or the thread closes stale ones)."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    due = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id").values_list("pk", "attempts")[:limit])
    for pk, attempts in due:
        # claim: only if nobody else did since we read it
        claimed = Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING, attempts=attempts,
                                          next_attempt_at__lte=now).update(
            attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
        if not claimed:
            continue
        d = Delivery.objects.select_related("notification__recipient", "notification__actor").get(pk=pk)
        try:
            _send(d)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            if d.attempts >= max_attempts():
                Delivery.objects.filter(pk=pk).update(status=DeliveryStatus.FAILED, last_error=error)
                counts["failed"] += 1
                logger.warning("notification delivery %s failed for good: %s", pk, error)
            else:
                wait = BACKOFF[min(d.attempts - 1, len(BACKOFF) - 1)]
                Delivery.objects.filter(pk=pk).update(next_attempt_at=timezone.now() + wait, last_error=error)
                counts["retry"] += 1
        else:
            Delivery.objects.filter(pk=pk).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
            counts["sent"] += 1
    return counts


# --- the message ---------------------------------------------------------------------------


def message_text(n: Notification) -> tuple[str, str]:
    """(subject, body) in the site's language, with an absolute link when SITE_URL is set."""
    with translation.override(settings.LANGUAGE_CODE):
        text = n.text
        site = str(settings.APP_NAME)
        subject = f"[{site}] {Truncator(text).chars(60)}"
        body = text
        base = _conf("SITE_URL") or ""
        if base and n.link:
            body += "\n" + _("Open: %(url)s") % {"url": base + n.link}
    return subject, body


def _send(d: Delivery) -> None:
    n = d.notification
    subject, body = message_text(n)
    if d.channel == EMAIL:
        send_mail(subject, body, None, [d.target], fail_silently=False)
        return
    bot = next((b for b in robots() if b["name"] == d.target and b["type"] == d.channel), None)
    if bot is None:
        raise RuntimeError(f"robot {d.target!r} is no longer configured")
    mobile = (n.recipient.phone or "").strip()
    if d.channel == "wecom":
        payload = {"msgtype": "text", "text": {"content": body, "mentioned_mobile_list": [mobile] if mobile else []}}
        url = bot["url"]
    else:
        payload = {"msgtype": "text", "text": {"content": body}, "at": {"atMobiles": [mobile] if mobile else []}}
        url = dingtalk_signed_url(bot["url"], bot.get("secret") or "")
    answer = post_json(url, payload)
    if not isinstance(answer, dict) or answer.get("errcode", 0) != 0:
        raise RuntimeError(f"robot answered {str(answer)[:200]}")


def dingtalk_signed_url(url: str, secret: str, *, now_ms: int | None = None) -> str:
    """DingTalk's "加签": timestamp + HMAC-SHA256(secret, f"{timestamp}\\n{secret}"), base64, URL-quoted."""
    if not secret:
        return url
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def post_json(url: str, payload: dict) -> dict:
    """POST ``payload`` as JSON; the decoded JSON answer (raises on a network or HTTP error)."""
    if not url.startswith(("https://", "http://")):
        raise ValueError("robot URL must be http(s)")
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        return json.loads(response.read().decode() or "{}")
