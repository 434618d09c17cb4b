from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "急难救助个案"

    def ready(self):
        # Minutes must never carry a case's personal data: meetings asks cases before issuing.
        from meetings.services import PRE_ISSUE_CHECKS

        from .services import check_minutes_for_personal_data

        if check_minutes_for_personal_data not in PRE_ISSUE_CHECKS:
            PRE_ISSUE_CHECKS.append(check_minutes_for_personal_data)
