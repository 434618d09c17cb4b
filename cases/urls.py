from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("new/", views.case_create, name="case-create"),
    path("export.xlsx", views.case_export, name="case-export"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/full/", views.case_full, name="case-full"),
    path("<int:pk>/edit/", views.case_edit, name="case-edit"),
    path("<int:pk>/verify/", views.case_verify, name="case-verify"),
    path("<int:pk>/submit/", views.case_submit, name="case-submit"),
    path("<int:pk>/decide/", views.case_decide, name="case-decide"),
    path("<int:pk>/start/", views.case_start, name="case-start"),
    path("<int:pk>/close/", views.case_close, name="case-close"),
    path("<int:pk>/refuse/", views.case_refuse, name="case-refuse"),
    path("<int:pk>/files/<int:file_pk>/", views.case_file, name="case-file"),
    path("verifications/", views.verification_list, name="verification-list"),
    path("verifications/<int:pk>/", views.verification_detail, name="verification-detail"),
]
