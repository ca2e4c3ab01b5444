"""The per-request memo: a value is computed once inside a request, never kept outside one or
across requests, and forgotten when a department change alters what it depends on (a read
after a write in the same request sees the write)."""

from __future__ import annotations

import pytest

from pharmcrm.core import request_memo
from pharmcrm.org import services as org_services
from pharmcrm.org import visibility
from tests.factories import make_customer, make_department, make_user


def in_request(fn):
    """Run ``fn`` as a view would: inside RequestMemoMiddleware."""
    out = {}

    def view(_request):
        out["value"] = fn()
        return None

    request_memo.RequestMemoMiddleware(view)(None)
    return out["value"]


def test_computed_once_inside_a_request_and_afresh_outside():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert request_memo.memoised("k", compute) == 1
    assert request_memo.memoised("k", compute) == 2  # outside a request: nothing kept
    assert in_request(lambda: [request_memo.memoised("k", compute) for _ in range(3)]) == [3, 3, 3]
    assert in_request(lambda: request_memo.memoised("k", compute)) == 4  # a new request, a new memo


def test_forget_drops_the_memo_of_this_request():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    def body():
        first = request_memo.memoised("k", compute)
        request_memo.forget()
        return first, request_memo.memoised("k", compute)

    assert in_request(body) == (1, 2)


@pytest.mark.django_db
def test_subtree_asked_once_per_request(django_assert_num_queries):
    top = make_department("大区")
    team = make_department("一组", top)
    head = make_user("head", department=top, heads=(top,))
    make_customer(make_user("rep", department=team))
    head = type(head).objects.get(pk=head.pk)
    _ = head.headed_department_ids
    with django_assert_num_queries(1):
        in_request(lambda: [visibility.subtree_department_list(head) for _ in range(5)])


@pytest.mark.django_db
def test_a_department_moved_into_my_subtree_is_seen_in_the_same_request(org):
    """On PostgreSQL visibility reads the memoised subtree: moving 广州办事处 under 华东大区 in the
    middle of a request must show its customers to the 华东 head at once (and on SQLite the
    subquery sees it anyway)."""
    gz_customer = make_customer(org.rep_gz)

    def body():
        before = visibility.visible_customers(org.east_head).filter(pk=gz_customer.pk).exists()
        org_services.department_update(actor=org.admin, department_id=org.gz.pk, parent_id=org.east.pk)
        after = visibility.visible_customers(org.east_head).filter(pk=gz_customer.pk).exists()
        return before, after

    assert in_request(body) == (False, True)
