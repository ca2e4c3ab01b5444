"""The bell in the frame and the notification centre (/notifications/)."""

import pytest
from django.urls import reverse

from pharmcrm.notifications.models import Notification, NotificationKind
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

LIST = "/notifications/"


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _make(user, n=1, *, link="/customers/", actor=None, read=False, **params):
    from django.utils import timezone

    rows = [Notification(recipient=user, kind=NotificationKind.CUSTOMER_TRANSFERRED, actor=actor, link=link,
                         params={"count": 2, **params}, read_at=timezone.now() if read else None)
            for _ in range(n)]
    return Notification.objects.bulk_create(rows)


def test_bell_shows_the_unread_count(as_user, org):
    c = as_user(org.rep_pd1)
    html = c.get("/customers/").content.decode()
    assert 'data-testid="notification-bell"' in html and 'data-testid="notification-badge"' not in html
    _make(org.rep_pd1, 3, actor=org.sh_head)
    _make(org.rep_pd1, 2, read=True)
    _make(org.rep_pd2, 5)
    html = c.get("/customers/").content.decode()
    assert 'data-testid="notification-badge">3<' in html
    _make(org.rep_pd1, 100)
    assert 'data-testid="notification-badge">99+<' in c.get("/").content.decode()


def test_bell_costs_one_query(as_user, org, django_assert_num_queries):
    from django.template import engines

    from pharmcrm.web.context import UnreadNotifications

    _make(org.rep_pd1, 2)
    unread = UnreadNotifications(org.rep_pd1)
    tpl = engines["django"].from_string("{{ u.count }}{{ u.label }}{{ u.count }}")
    with django_assert_num_queries(1):
        assert tpl.render({"u": unread}) == "222"


def test_bell_comes_with_the_session_user(as_user, org, django_assert_num_queries):
    """The number is read with the user's roles (org.auth.load_roles_and_heads): a page costs no
    query of its own for it, and marking read in the same request shows the new number."""
    from django.template import engines

    from pharmcrm.notifications.services import notifications_mark_all_read
    from pharmcrm.org.auth import UserBackend
    from pharmcrm.web.context import UnreadNotifications

    _make(org.rep_pd1, 4)
    _make(org.rep_pd1, 2, read=True)
    with django_assert_num_queries(2):  # the user row, then roles + heads + unread in one
        user = UserBackend().get_user(org.rep_pd1.pk)
    assert user.unread_notifications == 4
    tpl = engines["django"].from_string("{{ u.label }}")
    with django_assert_num_queries(0):
        assert tpl.render({"u": UnreadNotifications(user)}) == "4"
    notifications_mark_all_read(actor=user)
    assert tpl.render({"u": UnreadNotifications(user)}) == "0"


def test_list_newest_first_unread_highlighted_and_filter(as_user, org):
    c = as_user(org.rep_pd1)
    old = _make(org.rep_pd1, actor=org.sh_head, read=True)[0]
    new = _make(org.rep_pd1, actor=org.pd_head)[0]
    _make(org.rep_pd2)  # someone else's
    r = c.get(LIST)
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('data-testid="notification"') == 2
    assert html.index(f"/notifications/{new.pk}/open/") < html.index(f"/notifications/{old.pk}/open/")
    assert html.count('data-unread="1"') == 1
    assert "浦东组长" in html and "上海经理" in html  # the actor's name in the rendered sentence
    html = c.get(LIST, {"show": "unread"}).content.decode()
    assert html.count('data-testid="notification"') == 1 and f"/notifications/{new.pk}/open/" in html


def test_pagination(as_user, org):
    c = as_user(org.rep_pd1)
    _make(org.rep_pd1, 25)
    html = c.get(LIST).content.decode()
    assert html.count('data-testid="notification"') == 20 and "?page=2" in html
    html = c.get(LIST, {"page": 2}).content.decode()
    assert html.count('data-testid="notification"') == 5


def test_empty_state(as_user, org):
    c = as_user(org.rep_pd1)
    assert 'data-testid="notifications-empty"' in c.get(LIST).content.decode()
    assert 'data-testid="notifications-empty"' in c.get(LIST, {"show": "unread"}).content.decode()


def test_open_marks_read_and_follows_the_link(as_user, org):
    customer = make_customer(org.rep_pd1)
    n = _make(org.rep_pd1, link=f"/customers/{customer.pk}/")[0]
    c = as_user(org.rep_pd1)
    assert c.get(f"/notifications/{n.pk}/open/").status_code == 405  # POST only
    r = c.post(f"/notifications/{n.pk}/open/")
    assert r.status_code == 302 and r["Location"] == f"/customers/{customer.pk}/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_open_never_leaves_the_site(as_user, org):
    n = _make(org.rep_pd1, link="//evil.example/")[0]  # (a bad link cannot be written by notify; even so)
    c = as_user(org.rep_pd1)
    r = c.post(f"/notifications/{n.pk}/open/", {"next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == LIST
    n2 = _make(org.rep_pd1, link="")[0]
    r = c.post(f"/notifications/{n2.pk}/open/", {"next": "/notifications/?show=unread"})
    assert r["Location"] == "/notifications/?show=unread"


def test_someone_elses_is_404(as_user, org):
    theirs = _make(org.rep_pd2)[0]
    c = as_user(org.rep_pd1)
    assert c.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(as_user, org):
    _make(org.rep_pd1, 3)
    _make(org.rep_pd2, 2)
    c = as_user(org.rep_pd1)
    assert 'data-testid="notification-read-all"' in c.get(LIST).content.decode()
    assert c.get(reverse("web:notification_read_all")).status_code == 405
    r = c.post(reverse("web:notification_read_all"))
    assert r.status_code == 302
    assert not Notification.objects.filter(recipient=org.rep_pd1, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=org.rep_pd2, read_at__isnull=True).count() == 2


def test_csrf_is_required(org):
    from django.test import Client

    n = _make(org.rep_pd1)[0]
    c = Client(enforce_csrf_checks=True)
    c.force_login(org.rep_pd1)
    assert c.post(f"/notifications/{n.pk}/open/").status_code == 403
    assert c.post(reverse("web:notification_read_all")).status_code == 403


def test_login_required(client, org):
    r = client.get(LIST)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_sentence_follows_the_language(as_user, org):
    _make(org.rep_pd1, actor=org.sh_head)
    c = as_user(org.rep_pd1)
    zh = c.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "上海经理 向您转移了 2 个客户。" in zh
    c.cookies["django_language"] = "en"
    en = c.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "上海经理 transferred 2 customers to you." in en
