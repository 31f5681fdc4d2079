"""PostgreSQL for the test suite only (`ggzy.settings_test` names it when `GGZY_TEST_POSTGRES` is set).

Django empties the database after every transactional test (`flush`) with one `TRUNCATE` of every
table. On PostgreSQL that costs about 3 s each time (each of ~100 tables gets new files, synced at
commit), which made the PostgreSQL pass of the suite minutes slower than the SQLite one. Here a flush
deletes the rows instead, with triggers and foreign-key checks off for that one transaction
(`session_replication_role = replica`: every table is emptied, so no reference is left dangling; the
events table's append-only trigger is meant for the application, not for emptying a test database):
about 0.02 s. A flush that must also reset the sequences (`flush` run as a command) keeps Django's
`TRUNCATE … RESTART IDENTITY`; so does a connection whose user may not change the replication role.

Nothing outside the test settings uses this backend; production runs Django's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Sequence[str], *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        if not tables or reset_sequences or not self._may_replicate():
            return list(
                super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
            )
        deletes = [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};" for t in tables
        ]
        return [
            "SET LOCAL session_replication_role = replica;",
            *deletes,
            "SET LOCAL session_replication_role = origin;",
        ]

    def _may_replicate(self) -> bool:
        """Whether the connection's user may set the replication role (a superuser)."""
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
        return bool(row and row[0])


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
