from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Case, Verification

# IT sees cases in the admin only masked: the full record is opened in the app, and logged.


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    list_display = ("number_label", "deidentified_name", "masked_id", "town", "status")
    list_filter = ("status", "category", "town")
    exclude = ("applicant", "id_number", "phone", "address")
    readonly_fields = ("status", "number", "year", "deidentified_name", "masked_id", "masked_phone")
    list_select_related = ("town",)

    def has_add_permission(self, request):
        return False  # cases are registered through the app (validation, numbering, logging)


@admin.register(Verification)
class VerificationAdmin(SimpleHistoryAdmin):
    list_display = ("case", "unit", "subject", "answered_at")
    list_select_related = ("case", "unit")
