"""CaseStep rows move into members.Step (one 办理记录 for every workflow); action = the status."""

from django.db import migrations

STATUS = {
    "received": "受理",
    "verifying": "核实",
    "submitted": "提请审议",
    "decided": "议定",
    "implementing": "实施中",
    "closed": "办结",
    "refused": "不予救助",
}


def copy_steps(apps, schema_editor):
    rows = apps.get_model("cases", "CaseStep").objects.order_by("pk")
    if not rows.exists():
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    Step = apps.get_model("members", "Step")
    content_type, _ = ContentType.objects.get_or_create(app_label="cases", model="case")
    Step.objects.bulk_create(
        Step(
            content_type=content_type,
            object_id=row.case_id,
            action=row.status,
            label=STATUS.get(row.status, row.status),
            by_id=row.by_id,
            at=row.at,
            comment=row.comment,
        )
        for row in rows.iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_list_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0005_step"),
    ]

    operations = [
        migrations.RunPython(copy_steps, migrations.RunPython.noop),
        migrations.DeleteModel(name="CaseStep"),
    ]
