from django.urls import path

from . import views

app_name = "duties"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("tasks/", views.task_list, name="task-list"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
]
