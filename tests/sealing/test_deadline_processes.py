"""Issue 28: the deadline with several web processes — a bid whose last byte arrives after the deadline
is refused whichever process takes it, a last chunk straddling the deadline included; host clocks skewed
±90 s change nothing; a database clock set back does not let a late bid in (its custodians'
acknowledgements are missing: the custodians judge by their own clocks).

PostgreSQL only: there every web process on every host reads one clock, the database's
(`core.clock`); on SQLite, one host, the host clock is the authority and a skewed one is wrong by design.

The platform runs as in production (`ggzy serve`, tests/serving.py) three times on one database and one
media folder (tests/sealing/served_world.py):

* A, whose host clock runs 90 s ahead, and B, whose host clock runs 90 s behind: every Python process of
  each reads `time.time()` and Django's `timezone.now()` that far off (a `sitecustomize` on its
  PYTHONPATH — what a wrong system clock changes for a Python process; libfaketime is not part of the
  project's install). Both say so in their health check (`degraded`, the database-to-host offset).
* C, whose database clock reads an hour back: its connections find `clock_timestamp()` in a schema of
  the test's, ahead of `pg_catalog` on their search path, where it answers an hour early — the platform's
  code unchanged, the database's clock as C sees it set back.

A bid is sent in chunks to one process and its last chunk to the other: on time to A (whose host clock
says the deadline has passed) it is received; straddling the deadline to B (whose host clock says 90 s
remain: the body's first half before the deadline, the rest after it) and wholly after it to A, it is
refused with both instants in the message and nothing kept; after the deadline neither A nor B starts an
upload. A bid sealed after the deadline gets no acknowledgement from any custodian, by their own clocks,
and C — which believes the deadline an hour away, takes the upload and judges the last byte on time —
refuses it for that, keeping nothing; the custodians' closures list every ciphertext registered before
the deadline and not that one, so it could not be opened either.

Each refusal leaves nothing: no bid, no bytes of the upload (HEAD answers 410), no file under
sealing/bids but the one bid received."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.utils import timezone

from ggzy.core import clock
from ggzy.sealing.models import SealedBid, UploadSession
from ggzy.sealing.transport import HTTP
from ggzy_bid import custodian_client, tus
from ggzy_sm import custodians, sealedbid, strict
from tests.sealing.live import sleep_until
from tests.sealing.served_world import (
    ON_POSTGRES,
    Instance,
    Platform,
    at,
    no_half_state,
    part_of,
    patch_in_pieces,
    served_platform,
    start_together,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="PostgreSQL only (every web process reads the database's clock): set GGZY_TEST_POSTGRES "
        "(1 or a server URL) to run it",
    ),
]

SKEW = 90  # seconds a host clock is off
BACK = dt.timedelta(hours=1)  # how far C's database clock is set back
CLOCK_BACK = "clock_back"  # the schema whose clock_timestamp() answers BACK early
#: Seconds from setting the deadline to the deadline: time to seal, register and send the bids on time.
WINDOW = 10


def chunks_of(path: Path) -> list[tuple[int, bytes]]:
    """The sealed file in three chunks."""
    data = path.read_bytes()
    step = len(data) // 3 + 1
    return [(start, data[start : start + step]) for start in range(0, len(data), step)]


def clock_set_back(platform: Platform) -> str:
    """The database URL of a process whose database clock reads BACK early (see the module)."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {CLOCK_BACK}")
        cursor.execute(
            f"CREATE FUNCTION {CLOCK_BACK}.clock_timestamp() RETURNS timestamptz LANGUAGE sql VOLATILE "
            f"AS $$ SELECT pg_catalog.clock_timestamp() - interval '{int(BACK.total_seconds())} seconds' $$"
        )
    return f"{platform.url}?" + urlencode({"options": f"-c search_path=public,{CLOCK_BACK},pg_catalog"})


def offset_ms(instance: Instance) -> float:
    """The database-to-host clock offset a process's health check reports (and it says it is degraded)."""
    health = instance.health()
    assert health is not None
    assert health["status"] == "degraded", health
    return float(health["clock"]["offset_ms_to_host"])  # type: ignore[index]


def refusal(status: int, body: bytes) -> dict[str, Any]:
    assert status == 422, (status, body)
    answer: dict[str, Any] = json.loads(body)
    return answer


def beijing_ms(instant: dt.datetime) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def gone(platform: Platform, client: tus.Client, url: str) -> None:
    """Nothing of a refused upload is kept: closed (HEAD answers 410 Gone), its bytes deleted."""
    with pytest.raises(tus.TusError) as closed:
        client.head(url)
    assert closed.value.status == 410
    assert not part_of(platform, url).exists()


def test_late_is_late_on_every_web_process_whatever_the_host_clocks_and_the_database_clock_say(  # noqa: PLR0915
    tmp_path: Path, settings: Any, django_db_blocker: Any
) -> None:
    with served_platform(tmp_path, settings, django_db_blocker, bidders=4, sitecustomize=True) as platform:
        web = ["--no-worker"]  # the web servers alone: three task workers and tick loops add nothing here
        ahead = platform.instance("a", env={"SKEWED_HOST_CLOCK_SECONDS": str(SKEW)}, serve_args=web)
        behind = platform.instance("b", env={"SKEWED_HOST_CLOCK_SECONDS": str(-SKEW)}, serve_args=web)
        set_back = platform.instance("c", database_url=clock_set_back(platform), serve_args=web)
        start_together(ahead, behind, set_back)
        # each process says what is wrong with its clocks
        assert abs(offset_ms(ahead) + SKEW * 1000) < 5000
        assert abs(offset_ms(behind) - SKEW * 1000) < 5000
        assert abs(offset_ms(set_back) + BACK.total_seconds() * 1000) < 5000

        deadline = platform.window(WINDOW)
        on_time, straddling, late, sealed_late = platform.bidders
        # chunks to one process, the last chunk to the other
        route = {
            "on-time": (on_time, behind, ahead),
            "straddling": (straddling, ahead, behind),
            "late": (late, behind, ahead),
        }
        bids = {name: platform.seal(bidder, name) for name, (bidder, _first, _last) in route.items()}
        uploads = {}
        for name, (bidder, first, _last) in route.items():
            uploads[name] = platform.upload(first, bidder, bids[name], platform.register(bids[name]))
            client = platform.client(first, bidder)
            for start, chunk in chunks_of(bids[name])[:-1]:
                assert client.patch(uploads[name], start, chunk)[0] == start + len(chunk)

        # on time, last chunk to A: its host clock says the deadline passed 80 s ago; the database's does not
        start, chunk = chunks_of(bids["on-time"])[-1]
        assert clock.now() < deadline - dt.timedelta(seconds=1)
        offset, headers = platform.client(ahead, on_time).patch(
            at(ahead, uploads["on-time"]), start, chunk, last=True
        )
        answered = clock.now()
        assert offset == bids["on-time"].stat().st_size
        received = SealedBid.objects.get(uid=headers["Ggzy-Bid"])
        assert answered - dt.timedelta(seconds=5) < received.received_at < deadline
        assert (
            platform.receipt(ahead, on_time, str(received.uid))["received_at"] == headers["Ggzy-Received-At"]
        )

        # straddling, last chunk to B: half of its body before the deadline, the rest after it
        start, chunk = chunks_of(bids["straddling"])[-1]
        sleep_until(deadline - dt.timedelta(seconds=1), slack=0)
        began = clock.now()
        status, _headers, body = patch_in_pieces(
            at(behind, uploads["straddling"]),
            platform.tokens[straddling.user.username],
            start,
            chunk,
            [(len(chunk) // 2, lambda: sleep_until(deadline, slack=0.5))],
        )
        answer = refusal(status, body)
        assert began < deadline
        assert (answer["code"], answer["detail"]["reason"]) == ("sealed_bid_refused", "deadline_passed")
        arrived_at = strict.parse_instant(answer["detail"]["arrived_at"])
        assert deadline + dt.timedelta(milliseconds=400) < arrived_at < clock.now()
        assert strict.parse_instant(answer["detail"]["deadline"]) == deadline
        assert beijing_ms(deadline) in answer["message"]
        assert beijing_ms(arrived_at)[:19] in answer["message"]  # both instants, Beijing time
        assert "北京时间" in answer["message"]
        gone(platform, platform.client(behind, straddling), at(behind, uploads["straddling"]))

        # wholly after the deadline, last chunk to A
        start, chunk = chunks_of(bids["late"])[-1]
        assert clock.now() > deadline
        status, _headers, body = patch_in_pieces(
            at(ahead, uploads["late"]), platform.tokens[late.user.username], start, chunk, []
        )
        answer = refusal(status, body)
        assert (answer["code"], answer["detail"]["reason"]) == ("sealed_bid_refused", "deadline_passed")
        assert strict.parse_instant(answer["detail"]["arrived_at"]) > deadline
        gone(platform, platform.client(ahead, late), at(ahead, uploads["late"]))
        for served in (ahead, behind):  # and no upload starts after the deadline on either
            with pytest.raises(tus.TusError) as refused:
                platform.upload(served, late, bids["late"], [])
            assert (refused.value.status, refused.value.code) == (422, "upload_deadline_passed")

        # a bid sealed after the deadline: no custodian acknowledges it, by its own clock …
        path = platform.seal(sealed_late, "sealed-late")
        said: list[custodian_client.Outcome] = []
        with pytest.raises(custodians.CustodianError) as unacknowledged:
            custodian_client.register(path, platform.live.cset, report=said.append)
        assert unacknowledged.value.reason == "acknowledgements"
        assert len(said) == 3
        assert all(outcome.answer is None and "late" in str(outcome.problem) for outcome in said), said
        # … so C, whose database clock says the deadline is an hour away, takes the upload and refuses the bid
        url = platform.upload(set_back, sealed_late, path, [])
        status, _headers, body = patch_in_pieces(
            url, platform.tokens[sealed_late.user.username], 0, path.read_bytes(), []
        )
        answer = refusal(status, body)
        assert (answer["code"], answer["detail"]["reason"]) == ("sealed_bid_refused", "acknowledgements")
        gone(platform, platform.client(set_back, sealed_late), url)
        session = UploadSession.objects.get(uid=url.rstrip("/").rsplit("/", 1)[1])
        assert session.refusal == "acknowledgements"
        assert session.finished_at is not None
        assert session.finished_at < deadline  # the instant its last byte arrived, by C's clock

        # nothing of a refused bid is kept; the custodians' closures list the bids registered before the
        # deadline (the late ones too: their lateness is the upload's), not the one sealed after it
        assert [bid.uid for bid in no_half_state(platform)] == [received.uid]
        registered = sorted(sealedbid.read(p).header["ciphertext_sm3"] for p in bids.values())
        for custodian in platform.live.cset.custodians:
            closure = HTTP.closure(custodian, platform.section.code)
            assert closure["payload"]["ciphertexts"] == registered
            assert sealedbid.read(path).header["ciphertext_sm3"] not in closure["payload"]["ciphertexts"]
        print(f"deadline {deadline.isoformat()}, straddling bid's last byte {arrived_at.isoformat()}")  # noqa: T201
