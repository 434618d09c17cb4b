from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AgendaItem, Attendance, Distribution, Meeting, Minutes, Opinion

# The admin is for IT to look, not to change workflow: statuses change only in services.py.


class ReadOnlyStatusAdmin(SimpleHistoryAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "status"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyStatusAdmin):
    list_display = ("title", "kind", "starts_at", "status")
    list_filter = ("kind", "status")
    search_fields = ("title",)


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyStatusAdmin):
    list_display = ("title", "unit", "status", "meeting", "submitted_at")
    list_filter = ("status", "unit")
    list_select_related = ("unit", "meeting")
    search_fields = ("title",)
    raw_id_fields = ("meeting", "duty", "submitted_by")


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyStatusAdmin):
    list_display = ("__str__", "status", "issued_at")
    list_filter = ("status", "year")
    readonly_fields = (
        "year",
        "number",
        "pdf",
        "pdf_sha256",
        "ofd",
        "ofd_sha256",
        "issued_by",
        "issued_at",
    )


@admin.register(Distribution)
class DistributionAdmin(SimpleHistoryAdmin):
    list_display = ("minutes", "unit", "kind", "download_count", "acknowledged_at")
    list_select_related = ("minutes", "unit")
    list_filter = ("kind",)


admin.site.register(Attendance, SimpleHistoryAdmin)
admin.site.register(Opinion, SimpleHistoryAdmin)
