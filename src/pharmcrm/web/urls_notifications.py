"""The notification centre: /notifications/."""

from django.urls import path

from pharmcrm.web.views import notifications

urlpatterns = [
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read-all/", notifications.notification_read_all, name="notification_read_all"),
    path("notifications/<int:notification_id>/open/", notifications.notification_open, name="notification_open"),
]
