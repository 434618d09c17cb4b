from django.apps import AppConfig


class JiuzhuConfig(AppConfig):
    name = "jiuzhu"
    verbose_name = "社会救助联席会议"
