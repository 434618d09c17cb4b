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
]
