"""The HTTP service of a beacon (`ggzy-beacon serve`): an outside party in a trading platform's verifiable
draws (`ggzy_sm.randomness`, docs/randomness.md). For a draw it commits to a fresh secret, and later
reveals that secret against the draw's whole set of commitments — each answer signed by its own SM2 key.

    POST /v1/commit             a commitment request (below) -> 200 the signed commitment; 409 {"reason":
                                "conflict", "message"} (unsigned) for a draw committed to already for
                                another subject or reveal_after
    POST /v1/reveal             a reveal request (below) -> 200 the signed reveal; 409 {"reason":
                                "unknown_draw" | "not_listed" | "too_early" | "other_set", "message"}
                                (unsigned: nothing revealed)
    GET  /v1/draws/<draw>       the draw's signed status (public: an auditor asks the beacon itself
                                whether it revealed), or 404
    GET  /health                {"ok", "name", "key", "time", "draws": n, "revealed": n}
    POST /v1/admin/withhold     {"draw": id}: from now on every reveal of that draw answers 503
                                {"reason": "unavailable"} (a party that never reveals: the fallback's
                                tests) — only with --test-controls (otherwise 404)
    POST /v1/admin/fail-next    {"count": n}: the next n commits and reveals answer 503 {"reason":
                                "unavailable"} — only with --test-controls (otherwise 404)

A body that is not JSON, or not exactly the fields below, is 400 {"reason": "malformed", "message"},
unsigned, and nothing is stored.

**Commit** {"draw": 1–64 characters of A–Z a–z 0–9 . _ : -, "subject": what the draw is for (1–200
characters, e.g. "开标 K 系数 标段 X"), "reveal_after": an instant "…Z" before which the beacon does not
reveal, or null, "nonce": 16–64 lower-case hex digits}. A new draw gets a fresh secret (32 random bytes)
and its commitment `randomness.commitment(draw, party, secret)`, the party being the beacon's public key
(hex), stored before the answer leaves. A draw known with the same subject and reveal_after (compared as
given) is answered the same commitment again, with this request's nonce: a client that lost the answer
asks again; a new secret is never made for a known draw (else the platform could ask until it liked
one). The answer is {"commitment": body, "key", "signature"} for purpose `ggzy-beacon-commitment-v1`:

    {"format": "ggzy-beacon-commitment-v1", "beacon": its name, "draw", "subject", "reveal_after",
     "party": its public key (hex), "commitment", "committed_at": the beacon's instant, "nonce"}

**Reveal** {"draw", "commitments": the draw's whole set of commitments (2–32 distinct, each 64 lower-case
hex digits), this beacon's own among them, "nonce"}. Refused (409, unsigned) when the draw is unknown
("unknown_draw"), its own commitment is not in the set ("not_listed"), the beacon's clock is before the
draw's reveal_after ("too_early"), or it was revealed already against another set ("other_set": a beacon
reveals against one set only — so a platform that changed its commitment after seeing the beacon's
secret contradicts the set the beacon signed). The same set again (in any order) is answered the same
reveal, with this request's nonce. The answer is {"reveal": body, "key", "signature"} for purpose
`ggzy-beacon-reveal-v1`:

    {"format": "ggzy-beacon-reveal-v1", "beacon", "draw", "party", "commitment", "secret",
     "commitments_hash": `randomness.commitments_hash(commitments)`, "revealed_at", "nonce"}

**Status** is {"status": body, "key", "signature"} for purpose `ggzy-beacon-status-v1`:

    {"format": "ggzy-beacon-status-v1", "beacon", "draw", "subject", "party", "commitment",
     "committed_at", "reveal_after", "revealed_at" (or null), "commitments_hash" (or null), "secret" (once
     revealed; null before)}

Every request is logged to requests.jsonl before its answer leaves (`ggzy_sm.simulator`: the shape every
simulator shares).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ggzy_beacon import __version__, state
from ggzy_sm import canonical, jsonservice, randomness, simulator
from ggzy_sm.jsonservice import PostRoute, Reply
from ggzy_sm.randomness import BEACON_COMMITMENT, BEACON_REVEAL, BEACON_STATUS
from ggzy_sm.simulator import ItemRoute, Malformed, signed

DEFAULT_PORT = 18651
COMMIT_PATH, REVEAL_PATH, DRAWS_PATH = "/v1/commit", "/v1/reveal", "/v1/draws"
WITHHOLD_PATH = "/v1/admin/withhold"
COMMIT_FIELDS = frozenset({"draw", "subject", "reveal_after", "nonce"})
REVEAL_FIELDS = frozenset({"draw", "commitments", "nonce"})
MIN_SET, MAX_SET = 2, 32
COMMITMENT_KEYS = frozenset(
    {"format", "beacon", "draw", "subject", "reveal_after", "party", "commitment", "committed_at", "nonce"}
)
REVEAL_KEYS = frozenset(
    {"format", "beacon", "draw", "party", "commitment", "secret", "commitments_hash", "revealed_at", "nonce"}
)
STATUS_KEYS = frozenset(
    {
        "format", "beacon", "draw", "subject", "party", "commitment", "committed_at", "reveal_after",
        "revealed_at", "commitments_hash", "secret",
    }
)  # fmt: skip
#: the reasons of an unsigned 409 (the reveal's; "conflict" the commit's)
REFUSALS = ("conflict", "unknown_draw", "not_listed", "too_early", "other_set")


# --- the requests -----------------------------------------------------------------------------------------


def _fields(request: Any, fields: frozenset[str], what: str) -> dict[str, Any]:
    if not isinstance(request, dict):
        raise Malformed(f"a {what} request is a JSON object")
    missing, unknown = fields - set(request), set(request) - fields
    if missing:
        raise Malformed(f"the {what} request lacks {sorted(missing)}")
    if unknown:
        raise Malformed(f"the {what} request has unknown fields {sorted(unknown)}")
    return request


def _draw(value: Any) -> str:
    if not state.is_draw(value):
        raise Malformed("draw is the draw's id: 1 to 64 characters of A-Z, a-z, 0-9 and . _ : -")
    return str(value)


def parse_commit(request: Any) -> tuple[str, str, str | None, str]:
    """(draw, subject, reveal_after, nonce) of a POST /v1/commit body, checked; Malformed otherwise."""
    request = _fields(request, COMMIT_FIELDS, "commit")
    draw, subject, reveal_after = _draw(request["draw"]), request["subject"], request["reveal_after"]
    if not state.is_subject(subject):
        raise Malformed(f"subject is what the draw is for: a text of 1 to {state.SUBJECT_LENGTH} characters")
    if reveal_after is not None and state.instant(reveal_after) is None:
        raise Malformed("reveal_after is an instant in UTC (YYYY-MM-DDTHH:MM:SS[.ffffff]Z) or null")
    return draw, subject, reveal_after, simulator.nonce(request["nonce"])


def parse_reveal(request: Any) -> tuple[str, list[str], str]:
    """(draw, commitments, nonce) of a POST /v1/reveal body, checked; Malformed otherwise."""
    request = _fields(request, REVEAL_FIELDS, "reveal")
    draw, commitments = _draw(request["draw"]), request["commitments"]
    if (
        not isinstance(commitments, list)
        or not MIN_SET <= len(commitments) <= MAX_SET
        or not all(state.is_hex64(c) for c in commitments)
    ):
        raise Malformed(
            f"commitments is the draw's whole set: {MIN_SET} to {MAX_SET} commitments, each 64 lower-case"
            " hex digits"
        )
    if len(set(commitments)) != len(commitments):
        raise Malformed("commitments names a commitment twice")
    return draw, commitments, simulator.nonce(request["nonce"])


def refusal(record: dict[str, Any], reason: str, message: str) -> Reply:
    """An unsigned 409 (nothing committed or revealed), its reason in the request's log record."""
    record.update(outcome="refused", reason=reason)
    return Reply(HTTPStatus.CONFLICT, {"reason": reason, "message": message})


def status_body(beacon: str, party: str, draw: str, entry: dict[str, Any]) -> dict[str, Any]:
    """What beacon `beacon` (its key `party`, hex) says of `draw` (unsigned; `ggzy-beacon show` prints it,
    GET /v1/draws/<draw> signs it): the secret only once revealed."""
    return {
        "beacon": beacon,
        "draw": draw,
        "subject": entry["subject"],
        "party": party,
        "commitment": entry["commitment"],
        "committed_at": entry["committed_at"],
        "reveal_after": entry["reveal_after"],
        "revealed_at": entry["revealed_at"],
        "commitments_hash": entry["commitments_hash"],
        "secret": entry["secret"] if entry["revealed_at"] is not None else None,
    }


# --- the service ------------------------------------------------------------------------------------------


class Beacon(simulator.Simulator[state.Store]):
    """A beacon with its key and its draws: commits, reveals, answers a draw's status, and keeps
    draws.json and requests.jsonl in its folder. Thread-safe: one lock around check, store and sign."""

    kind = state.KIND

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.party = self.config.key.hex()
        self.withheld: set[str] = set()  # draws whose reveals answer 503 (a test control)

    @classmethod
    def load_store(cls, folder: Path) -> state.Store:
        return state.load_store(folder, cls.kind.load_config(folder).key.hex())

    def routes(self) -> Mapping[str, PostRoute]:
        return {COMMIT_PATH: self.commit, REVEAL_PATH: self.reveal}

    def test_routes(self) -> Mapping[str, PostRoute]:
        return {WITHHOLD_PATH: self.withhold}

    def get_items(self) -> Mapping[str, ItemRoute]:
        return {DRAWS_PATH: self.draw_get}

    def holds(self) -> dict[str, Any]:
        store = self.store
        return {"draws": len(store.draws), "revealed": store.revealed()}

    def summary(self) -> str:
        store = self.store
        return f"{len(store.draws)} draws, {store.revealed()} revealed"

    # --- the signed answers -------------------------------------------------------------------------------

    def commitment_answer(self, draw: str, entry: dict[str, Any], nonce: str) -> dict[str, Any]:
        """{"commitment": body, "key", "signature"} of `draw`'s commitment, for the asker's nonce."""
        body = {
            "beacon": self.config.name,
            "draw": draw,
            "subject": entry["subject"],
            "reveal_after": entry["reveal_after"],
            "party": self.party,
            "commitment": entry["commitment"],
            "committed_at": entry["committed_at"],
            "nonce": nonce,
        }
        return signed(self.key, BEACON_COMMITMENT, "commitment", body)

    def reveal_answer(self, draw: str, entry: dict[str, Any], nonce: str) -> dict[str, Any]:
        """{"reveal": body, "key", "signature"} of `draw`'s reveal (revealed already), for the nonce."""
        body = {
            "beacon": self.config.name,
            "draw": draw,
            "party": self.party,
            "commitment": entry["commitment"],
            "secret": entry["secret"],
            "commitments_hash": entry["commitments_hash"],
            "revealed_at": entry["revealed_at"],
            "nonce": nonce,
        }
        return signed(self.key, BEACON_REVEAL, "reveal", body)

    # --- answering ----------------------------------------------------------------------------------------

    def commit(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """The reply to a POST /v1/commit body at `now` (the beacon's clock); logged."""
        return self.answered(raw, now=now, remote=remote, action="commit", answer=self._commit)

    def _commit(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        draw, subject, reveal_after, nonce = parse_commit(request)
        record.update(draw=draw, nonce=nonce)
        if (down := self.unavailable(record)) is not None:
            return down
        known = self.store.draws.get(draw)
        if known is not None:
            if (known["subject"], known["reveal_after"]) != (subject, reveal_after):
                return refusal(
                    record,
                    "conflict",
                    f"draw {draw} was committed to already for another subject or reveal_after: a beacon"
                    " commits to a draw once",
                )
            record.update(outcome="repeat", commitment=known["commitment"])
            return Reply(HTTPStatus.OK, self.commitment_answer(draw, known, nonce))
        secret = secrets.token_hex(randomness.SECRET_BYTES)
        entry = {
            "subject": subject,
            "reveal_after": reveal_after,
            "secret": secret,
            "commitment": randomness.commitment(draw, self.party, secret),
            "committed_at": canonical.format_instant(now),
            "revealed_at": None,
            "commitments_hash": None,
        }
        self._save({**self.store.draws, draw: entry})  # StateError: 500 "store", nothing committed
        record.update(outcome="committed", commitment=entry["commitment"])
        return Reply(HTTPStatus.OK, self.commitment_answer(draw, entry, nonce))

    def reveal(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """The reply to a POST /v1/reveal body at `now` (the beacon's clock); logged."""
        return self.answered(raw, now=now, remote=remote, action="reveal", answer=self._reveal)

    def _reveal(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        draw, commitments, nonce = parse_reveal(request)
        record.update(draw=draw, nonce=nonce)
        if (down := self.unavailable(record)) is not None:
            return down
        if draw in self.withheld:
            record.update(outcome="unavailable", reason="withheld")
            return Reply(
                HTTPStatus.SERVICE_UNAVAILABLE,
                {
                    "reason": "unavailable",
                    "message": f"the beacon does not reveal draw {draw} (a test control)",
                },
            )
        known = self.store.draws.get(draw)
        if known is None:
            return refusal(record, "unknown_draw", f"this beacon has not committed to draw {draw}")
        if (why := self._reveal_refusal(draw, known, commitments, now)) is not None:
            return refusal(record, *why)
        if known["revealed_at"] is not None:
            record.update(outcome="repeat", commitments_hash=known["commitments_hash"])
            return Reply(HTTPStatus.OK, self.reveal_answer(draw, known, nonce))
        entry = {
            **known,
            "revealed_at": canonical.format_instant(now),
            "commitments_hash": randomness.commitments_hash(commitments),
        }
        self._save({**self.store.draws, draw: entry})  # StateError: 500 "store", nothing revealed
        record.update(outcome="revealed", commitments_hash=entry["commitments_hash"])
        return Reply(HTTPStatus.OK, self.reveal_answer(draw, entry, nonce))

    @staticmethod
    def _reveal_refusal(
        draw: str, known: dict[str, Any], commitments: list[str], now: dt.datetime
    ) -> tuple[str, str] | None:
        """Why the known `draw` is not revealed against `commitments` at `now` — (reason, message) of an
        unsigned 409 — or None (to be revealed, or revealed already against this very set)."""
        if known["commitment"] not in commitments:
            return (
                "not_listed",
                (
                    f"the set does not hold this beacon's commitment {known['commitment']}: a beacon"
                    " reveals only against the draw's whole set"
                ),
            )
        if known["revealed_at"] is not None:
            if known["commitments_hash"] != randomness.commitments_hash(commitments):
                return (
                    "other_set",
                    (
                        f"draw {draw} was revealed already against another set of commitments (hash"
                        f" {known['commitments_hash']}): a beacon reveals against one set only"
                    ),
                )
            return None
        reveal_after = known["reveal_after"]
        moment = None if reveal_after is None else state.instant(reveal_after)  # checked when read
        if moment is not None and now < moment:
            return (
                "too_early",
                (
                    f"draw {draw} is not revealed before {reveal_after} (the beacon's clock says"
                    f" {canonical.format_instant(now)})"
                ),
            )
        return None

    def _save(self, draws: dict[str, dict[str, Any]]) -> None:
        """Write draws.json with `draws`, then hold them (nothing held changed if it cannot be written)."""
        updated = state.Store(draws)
        state.save_store(self.folder, updated)
        self.store = updated

    def draw_get(self, draw: str, now: dt.datetime) -> Reply:
        """GET /v1/draws/<draw>: its signed status, or 404."""
        entry = self.store.draws.get(draw)
        if entry is None:
            return jsonservice.not_found(f"this beacon holds no draw {draw[:64]}")
        body = status_body(self.config.name, self.party, draw, entry)
        return Reply(HTTPStatus.OK, signed(self.key, BEACON_STATUS, "status", body))

    def withhold(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """POST /v1/admin/withhold {"draw"} (only with --test-controls): every reveal of that draw
        answers 503 from now on (as long as this process serves)."""
        return self.answered(raw, now=now, remote=remote, action="withhold", answer=self._withhold)

    def _withhold(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        draw = _draw(_fields(request, frozenset({"draw"}), "withhold")["draw"])
        self.withheld.add(draw)
        record.update(outcome="withheld", draw=draw)
        return Reply(HTTPStatus.OK, {"withheld": draw})


class _Handler(simulator.SimulatorHandler):
    server_version = f"ggzy-beacon/{__version__}"
    get_elsewhere = "GET /v1/draws/<draw> or GET /health"
    post_elsewhere = "POST /v1/commit or POST /v1/reveal"
    too_large = "a request is at most 1 MiB of JSON"


class BeaconServer(simulator.SimulatorServer[Beacon]):
    """The HTTP service of a `Beacon` on (host, port) (port 0: a free one), by `ggzy_sm.simulator`.
    `clock` is the beacon's own: the system's by default; tests inject theirs."""

    handler = _Handler
    default_port = DEFAULT_PORT
