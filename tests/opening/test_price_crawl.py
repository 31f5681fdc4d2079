"""The price crawl (issue 32; docs/secrecy.md, fact `prices_in_window`): before the decryption window closes
no page, API operation, live message or event tells a price, to any role.

Two worlds are built as the differential crawl builds its world with the hidden bids
(tests/sealing/test_differential_crawl.py `build`: the same centre, project, documents, securities, rivals
and one signed-in client per role), identical but for the prices inside the sealed bids: every bid carries
price A in one world and price B in the other. The crawl's bidder (the `responder` column) bids too, so it
enters the hall. At the opening time the hall counts the bids and begins its steps up to the decryption
window; in the window the crawl's bidder and one rival release their bids (the bidder's own release path,
`sealing.services.bid_open`, as tests/opening/test_hall.py drives it) and two rivals do not. Then, with the
window open, both worlds are asked the same things and must answer the same after normalising what is
random (the crawl's `normalised`):

* every page and API operation as every role (the crawl's `crawl`, its bid probe naming a rival bid not
  released), and once more every operation naming a bid with a released rival bid and with the bidder's
  own;
* the hall's live channel: its stored messages (`core.LiveMessage` rows of `hall:<uid>`) and what
  `GET /live/hall:<uid>/` replays from Last-Event-ID 0 to each role (a bounded read of the stream);
* the events: the whole `/api/v1/events` listing each role gets, the witness log's proof of each of the
  section's events it may see (the proof carries the event's document), every `Event.document`, every
  in-app message (`events.Message`).

The bidder may know its own price (the secrecy table), so its own price is masked in what the `responder`
column receives — nowhere else: there and in every other answer, row and message no price of the world
may appear. A control reads the opening sheet (the window closed) and asks again: then the same crawl
tells the worlds apart, so it would see a price had one leaked before."""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import AsyncClient, Client

from ggzy.core import clock
from ggzy.core.access import read_matrix
from ggzy.core.models import LiveMessage
from ggzy.events.models import Event, Message
from ggzy.opening import services as opening
from ggzy.opening.models import Hall, HallStep
from ggzy.opening.states import HallState
from ggzy.sealing import services as sealing
from ggzy.sealing.models import SealedBid
from tests.endpoints import SAMPLE_KWARGS, url_for
from tests.sealing import conftest as sealing_world
from tests.sealing import test_differential_crawl as differential
from tests.sealing.test_differential_crawl import (
    HIDDEN_BIDS,
    RANDOM,
    build,
    crawl,
    dump,
    fresh,
    normalised,
    one_day,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

#: Each bid's price in whole yuan, by the name it is sealed under (`own`: the crawl's bidder; `hidden-n`:
#: the differential crawl's rivals). Every price has the same number of digits in both worlds, so the
#: sealed files (and every size the platform shows) are the same length; no digit run repeats across them.
PRICES = {
    "A": {"own": 13_572_468, "hidden-0": 24_681_357, "hidden-1": 35_791_246, "hidden-2": 46_813_579},
    "B": {"own": 19_283_746, "hidden-0": 28_374_619, "hidden-1": 37_461_928, "hidden-2": 48_192_637},
}
#: Released by their bidders in the window; the others are not (the remedy opens them at the close).
RELEASED = ("own", "hidden-0")
OWN = "responder"  # the crawl's column of the bidder who bid as `own`
WAIT = 10.0  # seconds a replayed message may take to arrive (a bound, not a timing under test)
BID_MARKER = "11111111-2222-4333-8444-555555555555"


def price_pattern(yuan: int) -> re.Pattern[str]:
    """A price as any page, API or document could write it: fen (…00), yuan with or without thousands
    separators, 万元 (a point inside the digits)."""
    return re.compile("[,.]?".join(str(yuan)))


def scrub(text: str) -> str:
    """What is random in each world (uids, keys, hashes, times, tokens), as the crawl normalises it."""
    for pattern, replacement in RANDOM:
        text = pattern.sub(replacement, text)
    return text


Answers = dict[tuple[str, str], tuple[int, str]]


@dataclass
class World:
    """What one world answered while the window was open (`before`), and once the sheet was read
    (`after`, the control's crawl)."""

    prices: dict[str, int]
    before: Answers = field(default_factory=dict)
    rows: dict[str, list[str]] = field(default_factory=dict)  # Event, LiveMessage, Message rows
    after: Answers = field(default_factory=dict)
    window_open: bool = False

    def masked(self) -> Answers:
        """`before` with the bidder's own price masked in what the bidder itself receives."""
        own = price_pattern(self.prices["own"])
        return {
            (key, column): (status, own.sub("<own price>", text) if column == OWN else text)
            for (key, column), (status, text) in self.before.items()
        }


# --- building a world ----------------------------------------------------------------------------------


def sheet(yuan: int) -> dict[str, Any]:
    return {**sealing_world.SHEET, "price": {"kind": "amount", "fen": yuan * 100}}


def priced_world(
    name: str, folder: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Client], dict[str, str], Any, dict[str, Any]]:
    """The differential crawl's world with the hidden bids, every bid sealed with this world's prices, and
    the crawl's bidder's own bid. Returns its clients, probes, stage and bidders by sealed name."""
    prices = PRICES[name]
    made: dict[str, Any] = {}
    stages: list[Any] = []
    seal, make_bidder, make_stage = (
        sealing_world.Stage.seal, sealing_world.make_bidder, sealing_world.make_stage,
    )  # fmt: skip

    def sealing_priced(self: Any, bidder: Any = None, name: str = "bid", **overrides: Any) -> Path:
        if name in prices:
            overrides.setdefault("opening_sheet", sheet(prices[name]))
        return seal(self, bidder, name, **overrides)

    def bidder_kept(username: str, organisation: str) -> Any:
        made[username] = make_bidder(username, organisation)
        return made[username]

    def stage_kept(*args: Any) -> Any:
        stages.append(make_stage(*args))
        return stages[-1]

    with monkeypatch.context() as patch:
        patch.setattr(sealing_world.Stage, "seal", sealing_priced)
        patch.setattr(sealing_world, "make_bidder", bidder_kept)
        patch.setattr(sealing_world, "make_stage", stage_kept)
        clients, probes = build(HIDDEN_BIDS, folder, settings, monkeypatch)
        (stage,) = stages
        bidders = {f"hidden-{n}": made[f"rival-{n}"] for n in range(HIDDEN_BIDS)}
        bidders["own"] = stage.bidders[1]  # the crawl's `responder`: it holds the documents, paid its deposit
        stage.receive(bidders["own"], name="own")
    return clients, probes, stage, bidders


def bid_of(stage: Any, bidder: Any) -> SealedBid:
    return SealedBid.objects.get(section=stage.section, organisation=bidder.organisation)


def at(monkeypatch: pytest.MonkeyPatch, instant: dt.datetime) -> None:
    monkeypatch.setattr(clock, "authority_now", lambda: instant)


def into_the_window(stage: Any, bidders: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Hall:
    """The hall driven by its tick job through the opening time into the decryption step; two bids
    released by their bidders, two not; the witness log brought up to date (its proofs are asked)."""
    from ggzy.witness.services import sth_sign, witness_integrate

    deadline = stage.deadline
    at(monkeypatch, deadline - dt.timedelta(minutes=1))
    opening.halls_due()
    at(monkeypatch, deadline + dt.timedelta(seconds=5))
    opening.halls_due()
    at(monkeypatch, deadline + dt.timedelta(minutes=3))
    for name in RELEASED:
        bid = bid_of(stage, bidders[name])
        sealing.bid_open(actor=bidders[name].user, bid=bid, release=stage.release(bid, bidders[name]))
    at(monkeypatch, deadline + dt.timedelta(minutes=5))
    opening.halls_due()
    while witness_integrate():
        pass
    sth_sign(force=True)
    return Hall.objects.get(section=stage.section)


def window_open(hall: Hall) -> bool:
    steps = {s.code: s for s in HallStep.objects.filter(hall=hall)}
    hall.refresh_from_db()
    return (
        hall.state == HallState.IN_PROGRESS
        and steps["decryption"].started_at is not None
        and steps["opening_sheet"].started_at is None
        and hall.sheet is None
    )


# --- what is asked beyond the crawl ----------------------------------------------------------------------


def bid_keys() -> list[str]:
    """The operations whose address names a bid."""
    keys = []
    with pytest.MonkeyPatch.context() as patch:
        names = {name: BID_MARKER for name in SAMPLE_KWARGS if name.startswith("bid")}
        patch.setattr("tests.endpoints.SAMPLE_KWARGS", SAMPLE_KWARGS | names)
        for key in read_matrix():
            if BID_MARKER in url_for(key)[1]:
                keys.append(key)
    return keys


def control_keys() -> set[str]:
    """What the control asks: the hall's operations, those naming a bid, the bidder's own bids."""
    hall = {k for k in read_matrix() if k.startswith("page:opening:") or "/opening" in k}
    return hall | set(bid_keys()) | {"page:sealing:mine", "api:GET /api/v1/sealing/bids/mine"}


def read_out(response: Any) -> tuple[int, str]:
    """The crawl's `normalised`, but a PDF is compared by its text (poppler's pdftotext, as
    tests/sealing/test_receipt_pdf.py reads receipts): its bytes are a compressed stream, where the
    normalisation cannot reach the hashes and instants each world draws anew."""
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("application/pdf"):
        return normalised(response)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(body)
        pdf.flush()
        read = subprocess.run(["pdftotext", pdf.name, "-"], capture_output=True, text=True, check=False)
    if read.returncode != 0:  # not a PDF poppler reads: compared as the crawl compares any answer
        return 200, scrub(body.decode("utf-8", errors="replace"))
    text = re.sub(r"\s+", "", scrub(read.stdout))  # long codes wrap in the PDF's tables
    return 200, "<pdf>\n" + re.sub(r"[0-9a-fA-F]{16,}", "<hex>", scrub(text))


def crawl_only(clients: dict[str, Client], probes: dict[str, str], keys: set[str] | None = None) -> Answers:
    """The crawl (`crawl`, unchanged but for reading a PDF by its text) over the operations `keys`, or
    over every one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(differential, "normalised", read_out)
        if keys is not None:
            patch.setattr(
                differential, "read_matrix", lambda: {k: v for k, v in read_matrix().items() if k in keys}
            )
        return crawl(clients, probes)


def crawl_bid(clients: dict[str, Client], probes: dict[str, str], bid: str, suffix: str) -> Answers:
    """The crawl's operations naming a bid, once more with `bid` (answers keyed "<key>#<suffix>")."""
    probes = {k: v for k, v in probes.items() if k != "pending_guarantee_uid"} | {"bid": bid}
    answers = crawl_only(clients, probes, set(bid_keys()))
    return {(f"{key}#{suffix}", column): answer for (key, column), answer in answers.items()}


def replay(clients: dict[str, Client], channel: str) -> Answers:
    """`GET /live/<channel>/` from Last-Event-ID 0 as every role: the stream's first chunk and the
    replayed messages (as many as the table holds for the channel), read through the ASGI test client."""
    stored = LiveMessage.objects.filter(channel=channel).count()

    async def one(client: Client) -> tuple[int, str]:
        asking = AsyncClient()
        asking.cookies = client.cookies
        response = await asking.get(f"/live/{channel}/", headers={"Last-Event-ID": "0"})
        if response.status_code != 200:
            return normalised(response)
        stream = aiter(response.streaming_content)  # type: ignore[attr-defined]
        chunks = []
        try:
            for _ in range(1 + stored):
                chunks.append(await asyncio.wait_for(anext(stream), WAIT))
        except TimeoutError:
            chunks.append(b"<no more within the bound>")
        finally:
            await stream.aclose()
        return response.status_code, scrub(b"".join(chunks).decode("utf-8"))

    async def every() -> Answers:
        try:
            return {
                ("live:" + channel.partition(":")[0], column): await one(c) for column, c in clients.items()
            }
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(every())


def events_read(clients: dict[str, Client], section: str) -> Answers:
    """Every event each role may list (`/api/v1/events`, page by page) and the witness log's proof of
    each of the section's events among them (it carries the event's document). The log appends a batch
    in a random order (witness.services.witness_integrate), so a leaf's index is masked."""
    answers: Answers = {}
    index = re.compile(r'"leaf_index": ?\d+')
    for column, client in clients.items():
        offset, listed, pages = 0, [], []
        while True:
            response = client.get("/api/v1/events", {"limit": 500, "offset": offset})
            pages.append(normalised(response))
            if response.status_code != 200:
                break
            body = response.json()
            listed += body["items"]
            offset += 500
            if offset >= body["count"]:
                break
        answers[("events:list", column)] = (pages[-1][0], "\n".join(text for _status, text in pages))
        proofs = []
        for item in (i for i in listed if i["section"] == section):
            for what in ("proof", "promise"):
                status, text = normalised(client.get(f"/api/v1/witness/events/{item['uid']}/{what}"))
                proofs.append(f"{item['type']} {what} {status} {index.sub('<index>', text)}")
        answers[("events:proofs", column)] = (200, "\n".join(proofs))
    return answers


def rows() -> dict[str, list[str]]:
    """Every event's document, the live messages and the in-app messages, in the order they were made."""
    return {
        "event": [f"{e.type} {scrub(e.document)}" for e in Event.objects.order_by("pk")],
        "live": [scrub(f"{m.channel} {m.kind} {m.data}") for m in LiveMessage.objects.order_by("pk")],
        "message": [scrub(f"{m.template} {m.subject} {m.body}") for m in Message.objects.order_by("pk")],
    }


def ask(name: str, folder: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> World:
    """One world built, driven into the window and asked everything; then the control's crawl once the
    sheet was read. The clock moves only inside (the next world is built at the real time again)."""
    with monkeypatch.context() as moving:
        return asked(name, folder, settings, monkeypatch, moving)


def asked(
    name: str, folder: Path, settings: Any, monkeypatch: pytest.MonkeyPatch, moving: pytest.MonkeyPatch
) -> World:
    fresh()
    world = World(PRICES[name])
    clients, probes, stage, bidders = priced_world(name, folder, settings, monkeypatch)
    hall = into_the_window(stage, bidders, moving)
    assert probes["hall_uid"] == str(hall.uid)
    world.window_open = window_open(hall)
    bids = {n: str(bid_of(stage, b).uid) for n, b in bidders.items()}
    # the crawl's probe is a rival's bid its bidder has not released (the custodians could open it)
    world.before = crawl_only(clients, probes | {"bid": bids["hidden-1"]})
    world.before |= crawl_bid(clients, probes, bids["hidden-0"], "released")
    world.before |= crawl_bid(clients, probes, bids["own"], "own")
    world.before |= replay(clients, f"hall:{hall.uid}")
    world.before |= events_read(clients, stage.section.code)
    world.window_open = world.window_open and window_open(hall)  # the crawl did not close it either
    world.rows = rows()
    # the control: the window closes, the remedy opens what was left, the sheet is read
    at(moving, stage.deadline + dt.timedelta(minutes=hall.window_minutes, seconds=2))
    opening.halls_due()
    hall.refresh_from_db()
    assert hall.sheet is not None
    read = {column: clients[column] for column in ("agent", "centre_staff", OWN, "supervisor")}
    world.after = crawl_only(read, probes | {"bid": bids["hidden-1"]}, control_keys())
    return world


#: Both tests read the same pair of worlds (building and crawling them is nearly all of this file's time).
_WORLDS: dict[str, World] = {}


def worlds(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[World, World]:
    if not _WORLDS:
        a, b = one_day(
            lambda attempt: ask("A", tmp_path / f"world-a-{attempt}", settings, monkeypatch),
            lambda attempt: ask("B", tmp_path / f"world-b-{attempt}", settings, monkeypatch),
        )
        _WORLDS.update(A=a, B=b)
    return _WORLDS["A"], _WORLDS["B"]


def differences(a: Answers, b: Answers) -> list[str]:
    """Each answer the worlds give differently, with its first differing lines."""

    def first(x: str, y: str) -> str:
        lines = difflib.unified_diff(x.splitlines(), y.splitlines(), "prices A", "prices B", n=1, lineterm="")
        return "\n".join(list(lines)[:12])

    return [
        f"{key} as {column}: {a[(key, column)][0]} vs {answer[0]}\n" + first(a[(key, column)][1], answer[1])
        for (key, column), answer in sorted(b.items())
        if answer != a.get((key, column))
    ]


def leaks(world: World, answers: Answers) -> list[str]:
    """Where a price of `world` shows: a rival's anywhere, the bidder's own anywhere but its own answers
    (and never in the hall, which shows no price before the window closes, not even one's own)."""
    rivals = [price_pattern(yuan) for name, yuan in world.prices.items() if name != "own"]
    own = price_pattern(world.prices["own"])
    found = []
    for (key, column), (_status, text) in sorted(answers.items()):
        if any(p.search(text) for p in rivals):
            found.append(f"{key} as {column}: a rival's price")
        if own.search(text) and (column != OWN or key.startswith(("page:opening:", "live:"))):
            found.append(f"{key} as {column}: the bidder's own price")
    for kind, texts in world.rows.items():
        found += [f"{kind} row {n}: {text[:160]}" for n, text in enumerate(texts) if any(
            p.search(text) for p in [*rivals, own]
        )]  # fmt: skip
    return found


# --- the tests -------------------------------------------------------------------------------------------


@pytest.mark.clause("11.2.8")
def test_no_price_shows_to_any_role_before_the_window_closes(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = worlds(tmp_path, settings, monkeypatch)
    for world in (a, b):
        assert world.window_open, "the crawl must run with the decryption window open, no sheet read"
        assert len(world.before) > 1000  # every operation, as every role
        # the hall, its stream and the events are really read: the parties enter, others get the 404
        assert world.before[("page:opening:hall", "agent")][0] == 200
        assert world.before[("page:opening:hall", OWN)][0] == 200
        assert world.before[("page:opening:hall", "expert")][0] == 404
        stream = world.before[("live:hall", OWN)]
        assert stream[0] == 200
        assert stream[1].count("event: step") == sum(
            t.startswith("hall:<uid> step") for t in world.rows["live"]
        )
        assert "decryption" in stream[1]
        assert world.before[("live:hall", "anonymous")][0] == 404
        assert "sealing.bid.opened" in world.before[("events:proofs", "centre_staff")][1]
        assert any(t.startswith("sealing.bid.opened") for t in world.rows["event"])
        # the bidder sees its own opened bid, with its own price (the secrecy table allows it)
        own = price_pattern(world.prices["own"])
        assert any(own.search(text) for (key, column), (_s, text) in world.before.items() if column == OWN)

    dump(a.before, b.before)
    opened_by_staff = ("api:POST /api/v1/sealing/bids/{bid_uid}/open-by-custodians", "centre_staff")
    for world in (a, b):
        answer = world.before[opened_by_staff]
        assert not price_pattern(world.prices["hidden-1"]).search(answer[1]), (
            "LEAK (product, sealing/api.py bid_open_by_custodians): the centre's staff open a bid its bidder"
            " has not released, through its custodians, while the decryption window is open, and the answer"
            f" (BidOut, `_out`) carries its opening_sheet — the price:\n{answer[1][:600]}"
        )
    found = differences(a.masked(), b.masked())
    assert not found, (
        f"{len(found)} answers tell the prices apart before the window closed:\n\n" + "\n\n".join(found[:8])
    )
    for kind in ("event", "live", "message"):
        assert len(a.rows[kind]) == len(b.rows[kind]), f"the two worlds recorded different {kind} rows"
        apart = [f"{x}\n{y}" for x, y in zip(a.rows[kind], b.rows[kind], strict=True) if x != y]
        assert not apart, f"{kind} rows tell the prices apart:\n" + "\n\n".join(apart[:4])
    for world in (a, b):
        shown = leaks(world, world.before)
        assert not shown, "a price shows before the decryption window closed:\n" + "\n".join(shown[:10])


def test_the_crawl_tells_the_prices_apart_once_the_sheet_is_read(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the same worlds and the same crawl, once the window closed and the opening sheet was
    read — the hall now shows every price, so the normalisation does not hide one."""
    a, b = worlds(tmp_path, settings, monkeypatch)
    changed = differences(a.after, b.after)
    assert changed, "once the sheet is read the crawl must tell the two worlds' prices apart"
    for world in (a, b):
        hall = world.after[("page:opening:hall", "agent")][1]
        for name, yuan in world.prices.items():
            assert price_pattern(yuan).search(hall), f"the sheet shows {name}'s price to the agent"
    assert any(line.startswith("page:opening:hall as ") for line in changed)
