"""The public change feed of notices (`GET /api/v1/notices/changes?after=`): every notice that became
public, once each, in an order a reader can page through without ever skipping or repeating one, even
when the transactions that wrote the entries commit out of order.

Why ids alone are not enough: a transaction T1 takes id 5, T2 takes id 6 and commits first; a reader
that reads "after 4" gets 6 and moves its cursor past 5, which T1 commits a moment later — skipped for
ever (a well-known procurement platform's feed lost 2.25 % of its items so).

* **PostgreSQL**: each entry carries its writing transaction's id (`pg_current_xact_id()`, 64 bits: it
  never wraps). The reader orders by (txid, id) and returns only entries whose txid is below its
  snapshot's xmin — the oldest transaction still running when it reads. Every transaction below xmin has
  ended, so everything it wrote is visible now or never will be; every transaction that can still write
  has a txid ≥ xmin, above any cursor handed out. What a running transaction may precede is held back
  until it ends. The horizon is the cluster's: a transaction holding a write open in another database of
  the same PostgreSQL server holds the feed back too — a delay until it ends, never a skip (read-only
  transactions such as pg_dump take no transaction id and hold nothing back).
* **SQLite**: one write transaction at a time holds the database's write lock from its first write to
  its commit, so ids are taken and committed in the same order; txid is 0 and the order is the id's.

The cursor is opaque: the last (txid, id) read, signed with the platform's secret (`django.core.signing`,
its own salt, no timestamp), so a forged or garbled cursor is refused with a clear error
(`notice_cursor_invalid`, 404: it names no place in this feed) rather than read as a position."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.db import connection
from django.db.models import Q, QuerySet

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.notices.errors import NoticesError
from ggzy.notices.models import Notice, NoticeChange

SALT = "ggzy.notices.feed"
PAGE_MAX = 200


def current_txid() -> int:
    """The writing transaction's id on PostgreSQL (assigning one if it has none yet); 0 elsewhere."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        row = cursor.fetchone()
    return int(row[0])


def _horizon() -> int | None:
    """The oldest transaction id still running as this reader sees it (PostgreSQL), or None (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        row = cursor.fetchone()
    return int(row[0])


def change_record(notice: Notice, kind: str = "published", at: dt.datetime | None = None) -> NoticeChange:
    """Append an entry, in the caller's transaction (the one that records the publication)."""
    return NoticeChange.objects.create(txid=current_txid(), notice=notice, kind=kind, at=at or clock.now())


SIGNER = signing.Signer(salt=SALT)  # no timestamp: the same position is the same cursor


def cursor_make(txid: int, entry_id: int) -> str:
    return SIGNER.sign_object([txid, entry_id], compress=True)


def cursor_read(cursor: str) -> tuple[int, int]:
    """(txid, id) of a cursor this feed handed out; anything else is refused."""
    if not cursor:
        return (-1, 0)
    try:
        value = SIGNER.unsign_object(cursor)
    except signing.BadSignature as exc:
        raise DomainError(NoticesError.CURSOR_INVALID) from exc
    if (
        not isinstance(value, list)
        or len(value) != 2  # noqa: PLR2004
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise DomainError(NoticesError.CURSOR_INVALID)
    return int(value[0]), int(value[1])


@dataclass(frozen=True)
class Page:
    entries: list[NoticeChange]
    next: str  # the cursor to ask with next (the same one again when nothing was new)


def changes(*, after: str = "", limit: int = 50) -> Page:
    """The entries after `after`, at most `limit`, in (txid, id) order, never one a running transaction
    may still precede."""
    if not 1 <= limit <= PAGE_MAX:
        raise DomainError(NoticesError.PAGE_SIZE, detail={"max": PAGE_MAX})
    txid, entry_id = cursor_read(after)
    found: QuerySet[NoticeChange] = NoticeChange.objects.filter(
        Q(txid__gt=txid) | Q(txid=txid, id__gt=entry_id)
    ).select_related("notice__tender_project__project", "notice__centre")
    horizon = _horizon()
    if horizon is not None:
        found = found.filter(txid__lt=horizon)
    entries = list(found.order_by("txid", "id")[:limit])
    if not entries:
        return Page([], after or cursor_make(-1, 0))
    last = entries[-1]
    return Page(entries, cursor_make(last.txid, last.id))
