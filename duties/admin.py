from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Duty, Indicator, Task


@admin.register(Duty)
class DutyAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "category", "number", "subject", "applies_to_all_towns")
    list_filter = ("category",)
    search_fields = ("subject", "text")
    filter_horizontal = ("units",)


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    list_display = ("title", "source_label", "lead_unit", "deadline", "status")
    list_filter = ("status", "source")
    list_select_related = ("lead_unit",)
    search_fields = ("title",)


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    """报送指标: IT may correct a help text or retire an indicator (active); the office adds them."""

    list_display = ("name", "measure", "kind", "order", "active")
    list_filter = ("active", "kind")
    search_fields = ("name",)
