"""The session backend loads the signed-in user with their department (the frame shows it on
every page), their roles and headed departments in one more query, and still refuses a
deactivated user."""

from __future__ import annotations

import pytest

from pharmcrm.org.auth import UserBackend
from tests.factories import make_department, make_user

pytestmark = pytest.mark.django_db


def test_user_comes_with_the_department(django_assert_num_queries):
    user = make_user("rep", department=make_department("浦东组"))
    with django_assert_num_queries(2):  # the user with the department; roles and heads
        loaded = UserBackend().get_user(user.pk)
        assert loaded.department.name == "浦东组" and not loaded.is_head and not loaded.is_admin


def test_deactivated_or_unknown_user_is_nobody():
    user = make_user("gone", department=make_department("浦西组"), is_active=False)
    assert UserBackend().get_user(user.pk) is None
    assert UserBackend().get_user(10**9) is None


def test_roles_and_heads_in_one_query(django_assert_num_queries):
    from pharmcrm.org.models import Role, User

    top, team = make_department("大区"), make_department("一组")
    boss = make_user("boss", department=top, heads=(top, team), roles=(Role.SALES_REP, Role.FINANCE))
    rep = make_user("rep2", department=team)
    admin = User.objects.create_superuser("root", password="x-secret-pw-1")
    for user in (boss, rep, admin):
        expected = User.objects.get(pk=user.pk)
        want = (expected.role_codes, sorted(expected.headed_department_ids))
        with django_assert_num_queries(2):  # the user with the department, then roles and heads
            loaded = UserBackend().get_user(user.pk)
            got = (loaded.role_codes, sorted(loaded.headed_department_ids), loaded.is_admin, loaded.is_head)
        assert got == (*want, expected.is_admin, expected.is_head)
    assert UserBackend().get_user(boss.pk).is_head and UserBackend().get_user(admin.pk).is_admin
