"""The database refuses to change recorded events, whatever the code does.

PostgreSQL: no UPDATE and no DELETE on events_event (TRUNCATE, an operator's act, is not a row
trigger; the test suite uses it to empty tables). SQLite: no UPDATE (its test flush deletes rows;
the code refuses deletes, and SQLite is the single-host embedded default)."""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION ggzy_events_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'events are append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER events_event_append_only BEFORE UPDATE OR DELETE ON events_event
FOR EACH ROW EXECUTE FUNCTION ggzy_events_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS events_event_append_only ON events_event;
DROP FUNCTION IF EXISTS ggzy_events_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER events_event_no_update BEFORE UPDATE ON events_event
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS events_event_no_update;"


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
