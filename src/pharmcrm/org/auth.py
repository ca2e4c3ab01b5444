"""Django's model backend, loading the signed-in user with their department (the frame shows
"name · department" on every page) and their roles, headed departments and unread
notification count in one more query (every page asks all three: the menu, the visibility
rule, the bell) instead of three."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db import connection

UNREAD_CAP = 100  # the bell shows "99+" beyond (notifications.selectors.UNREAD_CAP)


def load_roles_and_heads(user) -> None:
    """Fill ``user.role_codes`` and ``user.headed_department_ids`` (the same values as the
    cached properties of ``org.models.User``) and ``user.unread_notifications`` (the bell's
    number, capped at ``UNREAD_CAP``) with ONE query: every page shows the menu and the bell and
    asks the visibility rule, so these three small reads share a round trip."""
    from pharmcrm.notifications.models import Notification
    from pharmcrm.org.models import DepartmentHead, Role, UserRole

    qn = connection.ops.quote_name
    sql = (
        f"SELECT 'r', {qn('role')} FROM {qn(UserRole._meta.db_table)} WHERE {qn('user_id')} = %s "
        f"UNION ALL SELECT 'h', CAST({qn('department_id')} AS VARCHAR(20)) "
        f"FROM {qn(DepartmentHead._meta.db_table)} WHERE {qn('user_id')} = %s "
        f"UNION ALL SELECT 'n', CAST(COUNT(*) AS VARCHAR(20)) FROM (SELECT 1 AS one "
        f"FROM {qn(Notification._meta.db_table)} WHERE {qn('recipient_id')} = %s AND {qn('read_at')} IS NULL "
        f"LIMIT {UNREAD_CAP}) unread"
    )
    codes, headed, unread = set(), [], 0
    with connection.cursor() as cur:
        cur.execute(sql, [user.pk, user.pk, user.pk])
        for kind, value in cur.fetchall():
            if kind == "r":
                codes.add(value)
            elif kind == "h":
                headed.append(int(value))
            else:
                unread = int(value)
    if user.is_superuser:
        codes.add(Role.ADMIN)
    user.__dict__["role_codes"] = frozenset(codes)
    user.__dict__["headed_department_ids"] = headed
    user.unread_notifications = unread


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        from pharmcrm.org.models import User

        try:
            user = User._default_manager.select_related("department").get(pk=user_id)
        except User.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        load_roles_and_heads(user)
        return user
