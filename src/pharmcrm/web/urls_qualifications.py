"""Qualification screens (首营资料). Document and file routes take their own ids; the selectors
answer 404 unless the document's customer is visible."""

from django.urls import path

from pharmcrm.web.views import qualifications as q

urlpatterns = [
    path("customers/<int:customer_id>/qualifications/new/", q.qualification_create, name="qualification_create"),
    path("qualifications/expiring/", q.qualifications_expiring, name="qualifications_expiring"),
    path("qualifications/expiring/export/", q.qualifications_expiring_export, name="qualifications_expiring_export"),
    path("qualifications/<int:document_id>/", q.qualification_detail, name="qualification_detail"),
    path("qualifications/<int:document_id>/replace/", q.qualification_replace, name="qualification_replace"),
    path("qualifications/<int:document_id>/void/", q.qualification_void, name="qualification_void"),
    path("qualifications/files/<int:file_id>/", q.qualification_file, name="qualification_file"),
]
