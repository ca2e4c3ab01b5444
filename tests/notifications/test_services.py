"""notify(): after commit only, idempotent, never to the actor or an inactive user; marking read."""

import pytest
from django.db import transaction

from pharmcrm.core.errors import NotFound
from pharmcrm.notifications import selectors, services
from pharmcrm.notifications.models import Notification, NotificationKind
from tests.factories import make_user

pytestmark = pytest.mark.django_db

KIND = NotificationKind.CUSTOMER_TRANSFERRED


def _notify(recipients, **kw):
    kw.setdefault("params", {"count": 2})
    kw.setdefault("link", "/customers/")
    services.notify(recipients=recipients, kind=KIND, **kw)


def test_created_only_after_commit(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify([org.rep_pd1])
    assert not Notification.objects.exists()  # nothing inside the transaction
    assert len(callbacks) == 1
    callbacks[0]()
    n = Notification.objects.get()
    assert n.recipient == org.rep_pd1 and n.kind == KIND and n.read_at is None and n.link == "/customers/"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_change_creates_nothing(org):
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify([org.rep_pd1], actor=org.pd_head)
        raise RuntimeError("the change fails")
    assert not Notification.objects.exists()
    with transaction.atomic():
        _notify([org.rep_pd1], actor=org.pd_head)
    assert Notification.objects.filter(recipient=org.rep_pd1).count() == 1


def test_same_key_twice_is_one_row(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([org.rep_pd1, org.rep_pd2], key="daily:2026-11-29")
        _notify([org.rep_pd1], key="daily:2026-11-29")
    with django_capture_on_commit_callbacks(execute=True):
        _notify([org.rep_pd1, org.rep_pd2], key="daily:2026-11-29")
    assert Notification.objects.filter(recipient=org.rep_pd1).count() == 1
    assert Notification.objects.filter(recipient=org.rep_pd2).count() == 1
    with django_capture_on_commit_callbacks(execute=True):  # no key: every event counts
        _notify([org.rep_pd1])
        _notify([org.rep_pd1])
    assert Notification.objects.filter(recipient=org.rep_pd1).count() == 3


def test_actor_and_inactive_users_are_skipped(org, django_capture_on_commit_callbacks):
    gone = make_user("gone", department=org.pd, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        _notify([org.rep_pd1, org.rep_pd2, gone], actor=org.rep_pd1)
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [org.rep_pd2.pk]


def test_only_same_site_links_are_kept():
    assert services.safe_link("/customers/1/?tab=x") == "/customers/1/?tab=x"
    for bad in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "x/y",
                "/a\nb", ""):
        assert services.safe_link(bad) == ""


def test_mark_read_only_my_own(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([org.rep_pd1, org.rep_pd2])
    mine = Notification.objects.get(recipient=org.rep_pd1)
    theirs = Notification.objects.get(recipient=org.rep_pd2)
    with pytest.raises(NotFound):
        services.notification_mark_read(actor=org.rep_pd1, notification_id=theirs.pk)
    with pytest.raises(NotFound):
        services.notification_mark_read(actor=org.rep_pd1, notification_id=10**12)
    n = services.notification_mark_read(actor=org.rep_pd1, notification_id=mine.pk)
    first = n.read_at
    assert first is not None
    assert services.notification_mark_read(actor=org.rep_pd1, notification_id=mine.pk).read_at == first
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_and_selectors(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            _notify([org.rep_pd1, org.rep_pd2])
    assert selectors.unread_count(actor=org.rep_pd1) == 3
    assert selectors.unread_count(actor=org.rep_pd1, cap=2) == 2
    first = selectors.notification_list(actor=org.rep_pd1).last()
    services.notification_mark_read(actor=org.rep_pd1, notification_id=first.pk)
    assert selectors.unread_count(actor=org.rep_pd1) == 2
    assert len(selectors.notification_list(actor=org.rep_pd1, unread_only=True)) == 2
    assert services.notifications_mark_all_read(actor=org.rep_pd1) == 2
    assert selectors.unread_count(actor=org.rep_pd1) == 0
    assert selectors.unread_count(actor=org.rep_pd2) == 3  # someone else's untouched
    rows = list(selectors.notification_list(actor=org.rep_pd1))
    assert len(rows) == 3 and rows == sorted(rows, key=lambda n: (n.created_at, n.pk), reverse=True)
