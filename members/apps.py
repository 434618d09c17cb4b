from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "领导小组与成员单位"

    def ready(self):
        from . import backends  # noqa: F401  (connects the signals that forget cached users)
