from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Duty


@admin.register(Duty)
class DutyAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "category", "number", "subject", "applies_to_all_towns")
    list_filter = ("category",)
    search_fields = ("subject", "text")
    filter_horizontal = ("units",)
