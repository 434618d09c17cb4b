from django.urls import path

from . import views

app_name = "duties"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/export.xlsx", views.task_export, name="task-export"),
    path("tasks/new/", views.task_create, name="task-create"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/feedback/", views.task_feedback, name="task-feedback"),
    path("tasks/<int:pk>/done/", views.task_part_done, name="task-part-done"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task-complete"),
    path("tasks/<int:pk>/extension/", views.task_extension, name="task-extension"),
    path("tasks/<int:pk>/close/", views.task_close, name="task-close"),
    path("tasks/<int:pk>/escalate/", views.task_escalate, name="task-escalate"),
    path("tasks/<int:pk>/chase/", views.task_chase, name="task-chase"),
    path(
        "tasks/<int:pk>/feedback-files/<int:file_pk>/",
        views.feedback_file,
        name="feedback-file",
    ),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension-decide"),
    path("escalations/", views.escalation_list, name="escalation-list"),
    path("escalations/<int:pk>/", views.escalation_detail, name="escalation-detail"),
    path("escalations/<int:pk>/resolve/", views.escalation_resolve, name="escalation-resolve"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
]
