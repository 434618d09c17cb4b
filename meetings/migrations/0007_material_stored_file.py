"""Material becomes a StoredFile (members.files): it gains the Content-Type it is served with.

The type follows from the extension: every file stored before was checked on upload to be what
its extension says. The map is written out here, frozen as it was when this migration was made.
"""

from django.db import migrations, models
from django.db.models import Case, Value, When

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


def fill_content_type(apps, schema_editor):
    apps.get_model("meetings", "Material").objects.update(
        content_type=Case(
            *(When(name__iendswith=ext, then=Value(t)) for ext, t in CONTENT_TYPES.items()),
            default=Value("application/octet-stream"),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0006_personal_data_confirmation"),
    ]

    operations = [
        migrations.AddField(
            model_name="material",
            name="content_type",
            field=models.CharField(default="", max_length=100, verbose_name="文件类型"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_content_type, migrations.RunPython.noop),
    ]
