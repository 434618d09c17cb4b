from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.roster, name="roster"),
    path("export/", views.roster_export, name="roster-export"),
    path("seats/<int:pk>/", views.seat_detail, name="seat-detail"),
    path("seats/<int:pk>/succession/", views.seat_succession, name="seat-succession"),
    path("lockouts/", views.lockout_list, name="lockout-list"),
    path("lockouts/<int:pk>/reset/", views.lockout_reset, name="lockout-reset"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("inbox/settings/", views.notify_settings, name="notify-settings"),
    path("deliveries/", views.delivery_list, name="delivery-list"),
    path("workdays/", views.workday_list, name="workday-list"),
    path("workdays/<int:pk>/delete/", views.workday_delete, name="workday-delete"),
    path("deliveries/<int:pk>/resend/", views.delivery_resend, name="delivery-resend"),
]
