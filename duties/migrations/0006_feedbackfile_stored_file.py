"""FeedbackFile becomes a StoredFile (members.files): it gains its Content-Type and who uploaded
it when. The uploader and time are the feedback's own (a file was only ever attached together with
its feedback); the type follows from the extension, checked on upload. The map is frozen here as
it was when this migration was made.

The columns become NOT NULL in 0007: PostgreSQL cannot alter a table in the transaction that just
updated its rows' foreign keys (pending trigger events).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Case, OuterRef, Subquery, Value, When

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def fill_from_feedback(apps, schema_editor):
    Feedback = apps.get_model("duties", "Feedback")
    feedback = Feedback.objects.filter(pk=OuterRef("feedback_id"))
    apps.get_model("duties", "FeedbackFile").objects.update(
        uploaded_by_id=Subquery(feedback.values("by_id")[:1]),
        uploaded_at=Subquery(feedback.values("at")[:1]),
        content_type=Case(
            *(When(name__iendswith=ext, then=Value(t)) for ext, t in CONTENT_TYPES.items()),
            default=Value("application/octet-stream"),
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("duties", "0005_ledger_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="feedbackfile",
            name="content_type",
            field=models.CharField(default="", max_length=100, verbose_name="文件类型"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="feedbackfile",
            name="uploaded_at",
            field=models.DateTimeField(null=True, verbose_name="上传时间"),
        ),
        migrations.AddField(
            model_name="feedbackfile",
            name="uploaded_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="上传人",
            ),
        ),
        migrations.RunPython(fill_from_feedback, migrations.RunPython.noop),
    ]
