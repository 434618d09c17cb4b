"""AgendaStep and MinutesStep rows move into members.Step (one 办理记录 for every workflow)."""

from django.db import migrations

AGENDA = {
    "submitted": "提交",
    "edited": "修改",
    "accepted": "受理",
    "returned": "退回修改",
    "rejected": "不予受理",
    "withdrawn": "撤回",
    "scheduled": "列入议程",
    "deliberated": "会议审议",
}
MINUTES = {
    "created": "起草",
    "submitted": "提交审签",
    "returned": "退回修改",
    "approved": "审签同意",
    "issued": "印发",
}


def copy_steps(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Step = apps.get_model("members", "Step")
    for old_model, subject, fk, labels in [
        ("AgendaStep", "agendaitem", "item_id", AGENDA),
        ("MinutesStep", "minutes", "minutes_id", MINUTES),
    ]:
        rows = apps.get_model("meetings", old_model).objects.order_by("pk")
        if not rows.exists():
            continue
        content_type, _ = ContentType.objects.get_or_create(app_label="meetings", model=subject)
        Step.objects.bulk_create(
            Step(
                content_type=content_type,
                object_id=getattr(row, fk),
                action=row.action,
                label=labels.get(row.action, row.action),
                by_id=row.by_id,
                at=row.at,
                comment=row.comment,
            )
            for row in rows.iterator()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("meetings", "0004_list_indexes"),
        ("members", "0005_step"),
    ]

    operations = [
        migrations.RunPython(copy_steps, migrations.RunPython.noop),
        migrations.DeleteModel(name="AgendaStep"),
        migrations.DeleteModel(name="MinutesStep"),
    ]
