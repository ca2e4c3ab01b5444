"""Django's model backend, loading the signed-in user with their department (the frame shows
"name · department" on every page: one query less per request)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        from pharmcrm.org.models import User

        try:
            user = User._default_manager.select_related("department").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
