"""Template filters every page may use (registered as a builtin in settings: no {% load %})."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def unit_short(unit):
    """A unit as lists show it: its one short name (Unit.short_name, e.g. 阿镇), the full name
    (阿勒腾席热镇) on hover. Headings and documents (notices, minutes) keep the full name."""
    if not unit:
        return ""
    if unit.short_name == unit.name or not unit.short_name:
        return unit.name
    return format_html('<span title="{}">{}</span>', unit.name, unit.short_name)
