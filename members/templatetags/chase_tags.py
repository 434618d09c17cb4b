"""{% chase_panel subject kind rows url %}: the 催办/催签 history of an object and, for the office,
the form that sends one (rows: the task's parts or the minutes' distributions)."""

from django import template

register = template.Library()


@register.inclusion_tag("members/_chase.html", takes_context=True)
def chase_panel(context, subject, kind, rows, url):
    # Imported here, not at the top: Django imports every app's tag modules at start-up, and
    # tests/test_migrations.py runs the earlier main's code, whose `members.templatetags` the
    # editable install resolves to this tree; a top-level import of a newer model would break it.
    from django.contrib.contenttypes.models import ContentType

    from members.models import Chase
    from members.permissions import is_office

    done_field, late_label = {
        Chase.Kind.TASK: ("done_at", "全部未完成的单位"),
        Chase.Kind.MINUTES: ("acknowledged_at", "全部未签收的单位"),
        Chase.Kind.REPLY: ("replied_at", "全部未答复的单位"),
    }[kind]
    rows = list(rows)
    history = Chase.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
    ).select_related("unit", "by")
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "label": Chase.Kind(kind).label,
        "late_label": late_label,
        "history": history,
        "url": url,
        "can_chase": is_office(context["request"].user),
        "units": [(r.unit, getattr(r, done_field) is None) for r in rows],
    }
