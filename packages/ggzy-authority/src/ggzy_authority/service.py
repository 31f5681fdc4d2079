"""The HTTP service of a simulated authority (`ggzy-authority serve`): a trading system looks a market
entity's licence, qualification certificate or registered professional up, and gets the authority's
answer signed by the authority's own SM2 key — found or not found, both signed.

    POST /v1/lookup             a lookup (below) -> 200 a signed answer; 400 {"reason": "malformed",
                                "message"} (unsigned: nothing was looked up)
    GET  /health                {"ok", "name", "key", "time", "records": {"licences": n,
                                "qualifications": n, "professionals": n}}
    POST /v1/admin/records      a batch {"licences": [...], "qualifications": [...], "professionals": [...]}
                                (each list optional; the shapes of ggzy_authority.records) merged into
                                records.json as `ggzy-authority load` does -> 200 {"loaded": {"licences": n,
                                "qualifications": n, "professionals": n}}; 400 "malformed" naming the
                                record refused (nothing taken) — only with --test-controls (otherwise 404)
    POST /v1/admin/fail-next    {"count": n}: the next n POST /v1/lookup answer 503 {"reason":
                                "unavailable"} — only with --test-controls (otherwise 404), for testing a
                                client's handling of an authority that is down

**The lookup** is a JSON object with exactly these fields:

    {"kind": "licence" | "qualification" | "professional", "number": the licence's registration code or
     the certificate's number (1–64 characters), "nonce": 16–64 lower-case hex digits (the client's own,
     echoed in the signed answer so that an answer cannot be replayed to another question)}

The number is compared after its surrounding whitespace is stripped and its ASCII letters upper-cased
(`ggzy_authority.records.normalise`), against the record's key field ("code" of a licence, "certificate"
of a qualification or a professional).

**The answer** is {"answer": body, "key": the authority's public key (hex), "signature": SM2 over the
body for purpose `ggzy-authority-answer-v1` (hex; `Sm2PublicKey.verify(PURPOSE, body, signature)`)},
where body is

    {"format": "ggzy-authority-answer-v1", "authority": its name, "kind", "number" (as asked, unchanged),
     "nonce" (as asked), "found": true | false, "record": the record as loaded, or null,
     "answered_at": the authority's instant (…Z)}

A record that says a licence was revoked or a certificate suspended is still "found": the answer says
what the registry holds, and judging it is the asker's.

Records loaded with `ggzy-authority load` while the folder is served are answered from the next request
on (the server reads records.json again whenever it was replaced). Every request is logged to
requests.jsonl before its answer leaves (`ggzy_sm.simulator`: the shape every simulator shares).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ggzy_authority import __version__, records, state
from ggzy_sm import canonical, simulator
from ggzy_sm.jsonservice import PostRoute, Reply
from ggzy_sm.keys import SigningKey
from ggzy_sm.simulator import Malformed, signed

DEFAULT_PORT = 18621
PURPOSE = "ggzy-authority-answer-v1"
LOOKUP_FIELDS = frozenset({"kind", "number", "nonce"})
ANSWER_KEYS = frozenset({"format", "authority", "kind", "number", "nonce", "found", "record", "answered_at"})
LOOKUP_PATH = "/v1/lookup"
RECORDS_PATH = "/v1/admin/records"
NUMBER_LENGTH = 64


def parse_lookup(request: Any) -> tuple[str, str, str]:
    """(kind, number, nonce) of a POST /v1/lookup body, checked; Malformed otherwise."""
    if not isinstance(request, dict):
        raise Malformed("a lookup is a JSON object")
    missing, unknown = LOOKUP_FIELDS - set(request), set(request) - LOOKUP_FIELDS
    if missing:
        raise Malformed(f"the lookup lacks {sorted(missing)}")
    if unknown:
        raise Malformed(f"the lookup has unknown fields {sorted(unknown)}")
    kind, number = request["kind"], request["number"]
    if not isinstance(kind, str) or kind not in records.LISTS:
        raise Malformed(f"kind is one of {', '.join(records.LISTS)}")
    if not isinstance(number, str) or not 0 < len(number) <= NUMBER_LENGTH or not number.strip():
        raise Malformed(
            f"number is the registration code or certificate number (1 to {NUMBER_LENGTH} characters)"
        )
    try:
        number.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Malformed("number is not valid Unicode") from exc
    return kind, number, simulator.nonce(request["nonce"])


def answer_make(
    key: SigningKey,
    authority: str,
    *,
    kind: str,
    number: str,
    nonce: str,
    record: dict[str, Any] | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The signed answer: {"answer": body, "key", "signature"}."""
    body = {
        "authority": authority,
        "kind": kind,
        "number": number,
        "nonce": nonce,
        "found": record is not None,
        "record": record,
        "answered_at": canonical.format_instant(now),
    }
    return signed(key, PURPOSE, "answer", body)


class Authority(simulator.Simulator[state.Store]):
    """A simulated authority with its key and its records: answers lookups, takes records (with test
    controls) and keeps requests.jsonl in its folder. Thread-safe: one lock around refresh, look-up and
    sign, and around a merge."""

    kind = state.KIND

    @classmethod
    def load_store(cls, folder: Path) -> state.Store:
        return state.load_store(folder)

    def _refresh(self) -> state.Store:
        """The records as records.json holds them now: read again if it was replaced since (by `load`).
        Called under self._lock; StateError if the new file cannot be read (the old records are not
        answered from then: an authority does not answer from what it no longer holds)."""
        if state.records_stamp(self.folder) != self.store.stamp:
            self.store = state.load_store(self.folder)
        return self.store

    def routes(self) -> Mapping[str, PostRoute]:
        return {LOOKUP_PATH: self.lookup}

    def test_routes(self) -> Mapping[str, PostRoute]:
        return {RECORDS_PATH: self.load}

    def holds(self) -> dict[str, Any]:
        """The records by kind; "ok" false (and "message") when records.json cannot be read."""
        with self._lock:
            try:
                return {"records": self._refresh().counts()}
            except state.StateError as exc:
                return {"ok": False, "message": str(exc), "records": self.store.counts()}

    def summary(self) -> str:
        return "records: " + ", ".join(f"{n} {name}" for name, n in self.store.counts().items())

    # --- answering ----------------------------------------------------------------------------------

    def lookup(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """The reply to a POST /v1/lookup body at `now` (the authority's clock); logged."""
        return self.answered(raw, now=now, remote=remote, action="lookup", answer=self._answer)

    def _answer(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        kind, number, nonce = parse_lookup(request)
        record.update(kind=kind, number=number, nonce=nonce)
        if (down := self.unavailable(record)) is not None:
            return down
        found = self._refresh().find(kind, number)
        record.update(outcome="found" if found is not None else "not_found")
        return Reply(
            HTTPStatus.OK,
            answer_make(
                self.key, self.config.name, kind=kind, number=number, nonce=nonce, record=found, now=now
            ),
        )

    def load(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """POST /v1/admin/records, a batch merged into records.json (only with --test-controls)."""
        return self.answered(raw, now=now, remote=remote, action="records", answer=self._load)

    def _load(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        try:
            batch = records.parse_batch(request)
        except records.RecordError as exc:
            raise Malformed(f"nothing loaded: {exc}") from exc
        loaded = records.counts(batch)
        self.store = state.merge(self.folder, batch)
        record.update(outcome="loaded", loaded=loaded)
        return Reply(HTTPStatus.OK, {"loaded": loaded})


class _Handler(simulator.SimulatorHandler):
    server_version = f"ggzy-authority/{__version__}"
    get_elsewhere = "GET /health"
    post_elsewhere = "POST /v1/lookup"
    too_large = "a request is at most 1 MiB of JSON"


class AuthorityServer(simulator.SimulatorServer[Authority]):
    """The HTTP service of an `Authority` on (host, port) (port 0: a free one), by `ggzy_sm.simulator`.
    `clock` is the authority's own: the system's by default; tests inject theirs."""

    handler = _Handler
    default_port = DEFAULT_PORT
