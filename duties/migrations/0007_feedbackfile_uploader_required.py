"""Every feedback file now has its uploader and time (filled in 0006): make them required."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("duties", "0006_feedbackfile_stored_file"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="feedbackfile",
            options={
                "ordering": ["uploaded_at", "pk"],
                "verbose_name": "反馈附件",
                "verbose_name_plural": "反馈附件",
            },
        ),
        migrations.AlterField(
            model_name="feedbackfile",
            name="uploaded_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="上传时间"),
        ),
        migrations.AlterField(
            model_name="feedbackfile",
            name="uploaded_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="上传人",
            ),
        ),
    ]
