from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Liaison, Office, Person, Seat, Tenure, Unit, User


@admin.register(User)
class JiuzhuUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("所属单位", {"fields": ("unit",)}))
    list_display = ("username", "last_name", "first_name", "unit", "is_active", "is_staff")
    list_filter = ("groups", "unit", "is_active", "is_staff")
    list_select_related = ("unit",)


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("name", "short_name", "kind", "order", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "short_name")


@admin.register(Office)
class OfficeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "host_unit", "director_post")


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ("name", "user")
    search_fields = ("name",)
    raw_id_fields = ("user",)


class TenureInline(admin.TabularInline):
    model = Tenure
    extra = 0
    fields = ("person", "post", "start", "end", "basis")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Successions go through members.services.record_succession (the office's form).
        return False


@admin.register(Seat)
class SeatAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "role", "unit", "post", "order", "retired_on")
    list_filter = ("role", "unit__kind")
    list_select_related = ("unit",)
    inlines = [TenureInline]


@admin.register(Tenure)
class TenureAdmin(SimpleHistoryAdmin):
    list_display = ("person", "post", "seat", "start", "end", "basis")
    list_select_related = ("person", "seat__unit")
    search_fields = ("person__name", "post")
    raw_id_fields = ("person", "seat", "recorded_by")


@admin.register(Liaison)
class LiaisonAdmin(SimpleHistoryAdmin):
    list_display = ("person", "unit", "post", "phone", "start", "end")
    list_select_related = ("person", "unit")
    list_filter = ("unit",)
    raw_id_fields = ("person",)
