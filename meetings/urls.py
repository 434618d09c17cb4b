from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="meeting-list"),
    path("new/", views.meeting_create, name="meeting-create"),
    path("<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("<int:pk>/notice/", views.meeting_notice, name="meeting-notice"),
    path("<int:pk>/notify/", views.meeting_notify, name="meeting-notify"),
    path("<int:pk>/hold/", views.meeting_hold, name="meeting-hold"),
    path("<int:pk>/close/", views.meeting_close, name="meeting-close"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="meeting-cancel"),
    path("<int:pk>/attendance/", views.meeting_attendance, name="meeting-attendance"),
    path("<int:pk>/observers/", views.meeting_observer, name="meeting-observer"),
    path("<int:pk>/opinion/", views.meeting_opinion, name="meeting-opinion"),
    path("<int:pk>/reply/", views.meeting_reply, name="meeting-reply"),
    path("<int:pk>/chase/", views.meeting_chase, name="meeting-chase"),
    path("<int:pk>/minutes/new/", views.minutes_create, name="minutes-create"),
    path("items/", views.item_list, name="item-list"),
    path("items/new/", views.item_create, name="item-create"),
    path("items/<int:pk>/", views.item_detail, name="item-detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item-edit"),
    path("items/<int:pk>/withdraw/", views.item_withdraw, name="item-withdraw"),
    path("items/<int:pk>/review/", views.item_review, name="item-review"),
    path("items/<int:pk>/schedule/", views.item_schedule, name="item-schedule"),
    path(
        "items/<int:pk>/materials/<int:material_pk>/",
        views.material_download,
        name="material-download",
    ),
    path("minutes/", views.minutes_list, name="minutes-list"),
    path("minutes/export.xlsx", views.minutes_export, name="minutes-export"),
    path("minutes/<int:pk>/", views.minutes_detail, name="minutes-detail"),
    path("minutes/<int:pk>/edit/", views.minutes_edit, name="minutes-edit"),
    path("minutes/<int:pk>/submit/", views.minutes_submit, name="minutes-submit"),
    path("minutes/<int:pk>/approve/", views.minutes_approve, name="minutes-approve"),
    path("minutes/<int:pk>/return/", views.minutes_return, name="minutes-return"),
    path("minutes/<int:pk>/withdraw/", views.minutes_withdraw, name="minutes-withdraw"),
    path("minutes/<int:pk>/issue/", views.minutes_issue, name="minutes-issue"),
    path("minutes/<int:pk>/acknowledge/", views.minutes_acknowledge, name="minutes-acknowledge"),
    path("minutes/<int:pk>/chase/", views.minutes_chase, name="minutes-chase"),
    path("minutes/<int:pk>/pdf/", views.minutes_pdf, name="minutes-pdf"),
]
