"""The full-text index over SearchEntry.tokens (see ggzy.core.search and docs/search.md).

SQLite: an external-content FTS5 table kept in sync by triggers. A later migration that makes Django
rebuild core_searchentry on SQLite (most AlterField/RemoveField do) drops the triggers with the old
table: it must run `install` again and rebuild the FTS table (`ggzy.core.search.rebuild_index()`).
PostgreSQL: a GIN expression index on to_tsvector('simple', tokens), the expression the queries use.
"""

from django.db import migrations

SQLITE_INSTALL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS core_searchentry_fts USING fts5("
    "tokens, content='core_searchentry', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS core_searchentry_fts_ai AFTER INSERT ON core_searchentry BEGIN "
    "INSERT INTO core_searchentry_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER IF NOT EXISTS core_searchentry_fts_ad AFTER DELETE ON core_searchentry BEGIN "
    "INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS core_searchentry_fts_au AFTER UPDATE ON core_searchentry BEGIN "
    "INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO core_searchentry_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "INSERT INTO core_searchentry_fts(core_searchentry_fts) VALUES ('rebuild')",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS core_searchentry_fts_au",
    "DROP TRIGGER IF EXISTS core_searchentry_fts_ad",
    "DROP TRIGGER IF EXISTS core_searchentry_fts_ai",
    "DROP TABLE IF EXISTS core_searchentry_fts",
]
POSTGRES_INSTALL = [
    "CREATE INDEX IF NOT EXISTS core_searchentry_tokens_gin ON core_searchentry "
    "USING gin (to_tsvector('simple'::regconfig, tokens))",
]
POSTGRES_REMOVE = ["DROP INDEX IF EXISTS core_searchentry_tokens_gin"]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_INSTALL)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_INSTALL)
    else:  # pragma: no cover - the platform runs on SQLite or PostgreSQL only
        raise NotImplementedError(f"no full-text index for {vendor}")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_REMOVE)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_REMOVE)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_searchentry"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
