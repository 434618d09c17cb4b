from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "领导小组与成员单位"
