"""A meeting ends when its minutes are issued (issue 17): 结束会议 is gone.

Existing rows take the same meaning: a held meeting whose minutes are issued is 已结束; a meeting
that was ended by hand before its minutes were issued is 已召开 again (its minutes, when issued,
end it). The historical rows keep what happened then."""

from django.db import migrations


def forwards(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    issued = Meeting.objects.filter(minutes__status="issued")
    Meeting.objects.filter(status="held", pk__in=issued.values("pk")).update(status="closed")
    Meeting.objects.filter(status="closed").exclude(pk__in=issued.values("pk")).update(
        status="held"
    )


class Migration(migrations.Migration):
    dependencies = [("meetings", "0010_minutes_ofd_copy")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
