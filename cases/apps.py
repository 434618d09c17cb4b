from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "急难救助个案"

    def ready(self):
        # Minutes, notices and agenda items go to every unit: meetings checks them for the names,
        # addresses and numbers of every case's people. meetings never imports cases (DESIGN.md),
        # so cases registers where its people's data is (tests/cases/test_privacy_source.py).
        from meetings import privacy

        from .services import personal_terms

        privacy.register_source(personal_terms)
