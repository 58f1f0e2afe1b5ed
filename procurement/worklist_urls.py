"""One member's own work, mounted at the site root: /my-tasks/ and /notifications/."""

from __future__ import annotations

from django.urls import path

from procurement.views import worklist

urlpatterns = [
    path("my-tasks/", worklist.my_tasks, name="my_tasks"),
    path("notifications/", worklist.notification_list, name="notification_list"),
    path("notifications/read-all/", worklist.notifications_read_all, name="notifications_read_all"),
    path("notifications/<uuid:public_id>/read/", worklist.notification_read, name="notification_read"),
]
