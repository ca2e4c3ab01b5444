"""Django's model backend, loading the signed-in user with their department (the frame shows
"name · department" on every page) and their roles and headed departments in one more query
(every page asks both: the menu, the visibility rule) instead of two."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast


def load_roles_and_heads(user) -> None:
    """Fill ``user.role_codes`` and ``user.headed_department_ids`` with ONE query (the
    same values as the cached properties of ``org.models.User``)."""
    from pharmcrm.org.models import DepartmentHead, Role, UserRole

    roles = UserRole.objects.filter(user_id=user.pk).annotate(k=Value("r"), v=F("role")).values_list("k", "v")
    heads = (DepartmentHead.objects.filter(user_id=user.pk)
             .annotate(k=Value("h"), v=Cast("department_id", CharField())).values_list("k", "v"))
    codes, headed = set(), []
    for kind, value in roles.union(heads, all=True):
        if kind == "r":
            codes.add(value)
        else:
            headed.append(int(value))
    if user.is_superuser:
        codes.add(Role.ADMIN)
    user.__dict__["role_codes"] = frozenset(codes)
    user.__dict__["headed_department_ids"] = headed


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
