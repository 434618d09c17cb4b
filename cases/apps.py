from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "急难救助个案"
