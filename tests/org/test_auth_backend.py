"""The session backend loads the signed-in user with their department in one query (the frame
shows it on every page) and still refuses a deactivated user."""

from __future__ import annotations

import pytest

from pharmcrm.org.auth import UserBackend
from tests.factories import make_department, make_user

pytestmark = pytest.mark.django_db


def test_user_comes_with_the_department(django_assert_num_queries):
    user = make_user("rep", department=make_department("浦东组"))
    with django_assert_num_queries(1):
        loaded = UserBackend().get_user(user.pk)
        assert loaded.department.name == "浦东组"


def test_deactivated_or_unknown_user_is_nobody():
    user = make_user("gone", department=make_department("浦西组"), is_active=False)
    assert UserBackend().get_user(user.pk) is None
    assert UserBackend().get_user(10**9) is None
