"""Trigram indexes for the search box (jiuzhu/search.py), on PostgreSQL only.

The search compares UPPER(field::text) LIKE UPPER('%word%') (Django's icontains); a pg_trgm GIN
index on that same expression serves every word of three characters or more (Chinese included:
pg_trgm keeps CJK characters under a UTF-8 locale). SQLite has no such index and gets nothing.
pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
"""

from django.db import migrations

INDEXES = [
    ("search_meeting_title", "meetings_meeting", "title"),
    ("search_item_title", "meetings_agendaitem", "title"),
    ("search_item_background", "meetings_agendaitem", "background"),
    ("search_item_proposal", "meetings_agendaitem", "proposal"),
    ("search_minutes_summary", "meetings_minutes", "summary"),
    ("search_decision_text", "meetings_decision", "text"),
    ("search_task_title", "duties_task", "title"),
    ("search_task_source", "duties_task", "source_label"),
    ("search_feedback_text", "duties_feedback", "text"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ("{column}" gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0007_material_stored_file"),
        ("duties", "0007_feedbackfile_uploader_required"),
    ]

    operations = [migrations.RunPython(create, drop)]
