"""The change feed never skips or repeats a notice when the transactions that write it commit out of order
(notices/feed.py): on PostgreSQL a transaction that took its entry first and commits after a later one
was read is still read, exactly once; several writers against a paging reader, on both databases."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from ggzy.core.errors import DomainError
from ggzy.notices import feed, services
from ggzy.notices.errors import NoticesError
from ggzy.notices.models import Notice, NoticeChange
from tests.notices.conftest import Place

pytestmark = pytest.mark.django_db(transaction=True)


def _notice(place: Place) -> Notice:
    return place.scheduled()


def _read_all(after: str = "", limit: int = 50) -> tuple[list[int], str]:
    ids: list[int] = []
    while True:
        page = feed.changes(after=after, limit=limit)
        ids += [e.id for e in page.entries]
        if not page.entries:
            return ids, page.next
        after = page.next


# On PostgreSQL the feed's horizon is the oldest transaction still writing anywhere in the cluster: the
# other test workers' transactions (their own databases, the same cluster) hold entries back for a while —
# a delay, never a skip. A reader that expects `count` entries pages until it has them or WAIT passes.
WAIT = 90.0


def _guarded(turns: Any, work: Any) -> Any:
    if turns is None:
        return work()
    with turns:
        return work()


def _caught_up(seen: list[int], written: list[int], deadline: float) -> bool:
    return len(seen) >= len(written) or time.monotonic() > deadline


def _read_until(count: int, after: str = "", limit: int = 50) -> tuple[list[int], str]:
    ids: list[int] = []
    deadline = time.monotonic() + WAIT
    while True:
        got, after = _read_all(after, limit)
        ids += got
        if len(ids) >= count or time.monotonic() > deadline:
            return ids, after
        time.sleep(0.05)


@pytest.mark.skipif(
    "not __import__('os').environ.get('GGZY_TEST_POSTGRES')",
    reason="SQLite serialises write transactions (the write lock from the first write to the commit), so a "
    "later entry cannot commit before an earlier one; the writers test below covers it there",
)
def test_an_entry_taken_first_and_committed_last_is_read_exactly_once(place: Place) -> None:
    notice = _notice(place)
    taken, release, done = threading.Event(), threading.Event(), threading.Event()
    first: dict[str, int] = {}

    def slow_writer() -> None:  # T1: takes its id first, commits last
        try:
            with transaction.atomic():
                first["id"] = feed.change_record(notice).id
                taken.set()
                release.wait(30)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert taken.wait(30)
    with transaction.atomic():  # T2: a later id, committed at once
        second = feed.change_record(notice).id
    assert first["id"] < second
    page = feed.changes()
    assert page.entries == []  # T2 is held back: T1, still running, may precede it
    release.set()
    assert done.wait(30)
    thread.join()
    ids, cursor = _read_until(2, page.next)
    assert ids == [first["id"], second]  # both, in commit-safe order, once
    assert feed.changes(after=cursor).entries == []


def test_writers_committing_out_of_order_against_a_paging_reader(place: Place) -> None:
    notice = _notice(place)
    existing = NoticeChange.objects.count()  # the scheduled notice is not published yet: none
    writers, each = 4, 15
    # the SQLite test database is in memory with a shared cache, whose table locks do not wait: there the
    # writers and the reader take turns (a file database's transactions wait their turn by themselves)
    turns: Any = threading.Lock() if connection.vendor == "sqlite" else None
    written: list[int] = []
    seen: list[int] = []
    stop = threading.Event()
    ends: dict[str, float] = {}
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311
        try:
            for _ in range(each):

                def one() -> int:
                    with transaction.atomic():
                        entry = feed.change_record(notice)
                        time.sleep(rng.random() * 0.01)  # commit later than a writer that started after
                        return entry.id

                written.append(_guarded(turns, one))
        except BaseException as exc:  # noqa: BLE001  (reported by the test)
            errors.append(exc)
        finally:
            connections.close_all()

    def reader() -> None:
        after = ""
        try:
            while True:
                finished = stop.is_set()
                page = _guarded(turns, lambda after=after: feed.changes(after=after, limit=7))
                seen.extend(e.id for e in page.entries)
                after = page.next
                # every writer has ended: what is not seen yet waits for other workers' transactions
                if finished and not page.entries and _caught_up(seen, written, ends["at"]):
                    return
                time.sleep(0.002)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    reading = threading.Thread(target=reader)
    reading.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    ends["at"] = time.monotonic() + WAIT
    stop.set()
    reading.join(120)
    assert errors == []
    assert (existing, len(written)) == (0, writers * each)
    assert sorted(seen) == sorted(written)  # every entry, none twice


def test_a_bad_cursor_or_page_size_is_refused_clearly_and_the_api_pages(place: Place) -> None:
    notice = _notice(place)
    with transaction.atomic():
        feed.change_record(notice)
    for bad in ("garbage", feed.cursor_make(1, 2) + "x", "W1swLCAwXQ:forged:sig"):
        with pytest.raises(DomainError) as refused:
            feed.changes(after=bad)
        assert refused.value.code is NoticesError.CURSOR_INVALID
    with pytest.raises(DomainError) as refused:
        feed.changes(limit=1_000_000)
    assert refused.value.code is NoticesError.PAGE_SIZE
    client = Client()
    assert client.get("/api/v1/notices/changes?after=garbage").status_code == 404  # names no place here
    assert feed.cursor_make(3, 4) == feed.cursor_make(3, 4)  # the same position, the same cursor
    assert client.get("/api/v1/notices/changes?limit=1000000").status_code == 422
    deadline = time.monotonic() + WAIT
    while not (first := client.get("/api/v1/notices/changes?limit=1").json())["changes"]:
        assert time.monotonic() < deadline  # held back only while other workers' transactions run
        time.sleep(0.05)
    assert [c["notice"] for c in first["changes"]] == [str(notice.uid)]
    assert first["changes"][0]["url"].endswith(f"/notices/{notice.uid}/")
    again = client.get(f"/api/v1/notices/changes?after={first['next']}").json()
    assert again == {"changes": [], "next": first["next"]}  # nothing new: the same cursor back


def test_the_tick_writes_the_entry_when_it_records_the_publication(place: Place, freeze: Any) -> None:
    import datetime as dt

    from ggzy.core import clock

    now = clock.now()
    freeze(now)
    notice = place.scheduled(after=dt.timedelta(hours=1))
    services.published_catch_up()
    assert _read_all()[0] == []  # not before its instant
    freeze(now + dt.timedelta(hours=1))
    services.published_catch_up()
    services.published_catch_up()
    assert [e.notice_id for e in NoticeChange.objects.all()] == [notice.pk]


def test_the_atom_feed_lists_published_notices_by_category_and_region(place: Place, freeze: Any) -> None:
    import datetime as dt

    from ggzy.core import clock

    now = clock.now()
    freeze(now)
    shown = place.scheduled()
    later = place.scheduled(after=dt.timedelta(hours=1), title="尚未发布的招标公告")
    client = Client()
    body = client.get("/notices/feed.atom").content.decode()
    assert f"urn:uuid:{shown.uid}" in body
    assert shown.title in body
    assert str(later.uid) not in body
    assert "尚未发布" not in body
    assert (
        f"urn:uuid:{shown.uid}"
        in client.get("/notices/feed.atom?category=engineering&region=210000").content.decode()
    )
    assert str(shown.uid) not in client.get("/notices/feed.atom?category=procurement").content.decode()
    assert str(shown.uid) not in client.get("/notices/feed.atom?region=220000").content.decode()
    assert client.get("/notices/feed.atom?category=nonsense").status_code == 404
    assert client.get("/notices/feed.atom?region=999999").status_code == 404
