from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "会议与纪要"

    def ready(self):
        from . import checks  # noqa: F401 — registers the signing certificate's deploy check

        # The 年度考评 indicators read from meetings (duties owns the assessment).
        from .assessment import register_sources

        register_sources()
