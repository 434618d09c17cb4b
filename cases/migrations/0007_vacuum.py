"""SQLite keeps deleted and overwritten rows in the database file's free pages until it is
rewritten: the names 0004 dropped from the history tables and the plain values 0006 encrypted
would still be readable with a hex editor. VACUUM rewrites the file (and the WAL is checkpointed
and truncated). Nothing to do on PostgreSQL, whose dead tuples autovacuum reclaims and which a
pg_dump never contains.
"""

from django.db import migrations


def vacuum(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class Migration(migrations.Migration):
    atomic = False  # VACUUM can't run inside a transaction

    dependencies = [
        ("cases", "0006_encrypt_personal_fields"),
    ]

    operations = [migrations.RunPython(vacuum, migrations.RunPython.noop, elidable=False)]
