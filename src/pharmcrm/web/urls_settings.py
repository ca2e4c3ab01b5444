"""The settings area, mounted at ``settings/`` in the ``web`` namespace."""

from django.urls import path

from pharmcrm.web.views import (
    settings_common,
    settings_departments,
    settings_groups,
    settings_tokens,
    settings_users,
)

urlpatterns = [
    path("", settings_common.settings_home, name="settings_home"),
    # departments
    path("departments/", settings_departments.departments, name="settings_departments"),
    path("departments/new/", settings_departments.department_new, name="settings_department_new"),
    path("departments/<int:department_id>/", settings_departments.department_detail, name="settings_department"),
    path("departments/<int:department_id>/heads/", settings_departments.department_heads,
         name="settings_department_heads"),
    path("departments/<int:department_id>/delete/", settings_departments.department_delete,
         name="settings_department_delete"),
    # users
    path("users/", settings_users.users, name="settings_users"),
    path("users/export/", settings_users.users_export, name="settings_users_export"),
    path("users/new/", settings_users.user_new, name="settings_user_new"),
    path("users/<int:user_id>/", settings_users.user_detail, name="settings_user"),
    path("users/<int:user_id>/edit/", settings_users.user_edit, name="settings_user_edit"),
    path("users/<int:user_id>/deactivate/", settings_users.user_deactivate, name="settings_user_deactivate"),
    path("users/<int:user_id>/reactivate/", settings_users.user_reactivate, name="settings_user_reactivate"),
    # share groups
    path("share-groups/", settings_groups.share_groups, name="settings_share_groups"),
    path("share-groups/new/", settings_groups.share_group_new, name="settings_share_group_new"),
    path("share-groups/<int:group_id>/", settings_groups.share_group_edit, name="settings_share_group_edit"),
    path("share-groups/<int:group_id>/delete/", settings_groups.share_group_delete,
         name="settings_share_group_delete"),
    # personal API tokens (every logged-in user)
    path("tokens/", settings_tokens.tokens, name="settings_tokens"),
    path("tokens/<int:token_id>/revoke/", settings_tokens.token_revoke, name="settings_token_revoke"),
]
