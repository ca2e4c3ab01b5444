"""Duplicate check (查重) and conflicts (撞单申诉): /customers/duplicate-check/ and /customers/conflicts/."""

from django.urls import path

from pharmcrm.web.views import conflicts

urlpatterns = [
    path("customers/duplicate-check/", conflicts.duplicate_check, name="duplicate_check"),
    path("customers/conflicts/", conflicts.conflict_list, name="conflict_list"),
    path("customers/conflicts/new/", conflicts.conflict_new, name="conflict_new"),
    path("customers/conflicts/<int:conflict_id>/", conflicts.conflict_detail, name="conflict_detail"),
    path("customers/conflicts/<int:conflict_id>/decide/", conflicts.conflict_decide, name="conflict_decide"),
    path("customers/conflicts/<int:conflict_id>/withdraw/", conflicts.conflict_withdraw, name="conflict_withdraw"),
]
