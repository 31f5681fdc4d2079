"""The HTTP service of a simulated national platform (`ggzy-national serve`): it receives a trading
system's published notices and answers each with a receipt signed by its own SM2 key.

    POST /v1/notices            a notice (JSON, below) -> 200 a signed receipt; 409 a signed refusal;
                                400 {"reason": "malformed", "message"} (unsigned: nothing was received)
    GET  /v1/notices/<uid>      the receipt given for that notice, or 404
    GET  /health                {"ok", "name", "key", "time", "received"}
    POST /v1/admin/fail-next    {"count": n}: the next n POST /v1/notices answer 503 — only when served
                                with --test-controls (otherwise 404), for testing a sender's retries

**The notice** is a JSON object with exactly the fields of `REQUIRED` and any of `OPTIONAL`:

    {"notice": uid (lower-case UUID), "type": "tender", "title": …, "tender_project": code,
     "publish_at": "2026-03-02T01:00:00.000000Z", "text_sm3": 64 hex digits, "centre": code,
     "region": 6 digits, ["project": code, "category": code, "url": …, "text": the published text]}

With `text` (the canonical published document), its SM3 over `ggzy-canonical-v1` must be `text_sm3`.

**The receipt** (and the refusal) is {"receipt": body, "key": the receiver's public key (hex),
"signature": SM2 over the body for purpose `ggzy-national-receipt-v1` (hex)}, where body is

    {"format": "ggzy-national-receipt-v1", "receiver": its name, "outcome": "accepted" | "refused",
     "notice": uid, "text_sm3": the SM3 received, "received_at": instant, "sequence": 1, 2, … (null
     when refused), "reason": null | "conflict"}

**Idempotent on the notice uid**: the same uid with the same SM3 gets the very receipt it got the first
time (its sequence number and instant); the same uid with another SM3 is refused (409, reason
`conflict`, signed — a published notice never changes; a correction is a notice of its own).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ggzy_national import __version__, state
from ggzy_sm import canonical, jsonservice, simulator
from ggzy_sm.jsonservice import PostRoute, Reply
from ggzy_sm.keys import SigningKey
from ggzy_sm.simulator import ItemRoute, Malformed, signed
from ggzy_sm.sm3 import sm3

DEFAULT_PORT = 18611
PURPOSE = "ggzy-national-receipt-v1"
REQUIRED = frozenset(
    {"notice", "type", "title", "tender_project", "publish_at", "text_sm3", "centre", "region"}
)
OPTIONAL = frozenset({"project", "category", "url", "text"})
RECEIPT_KEYS = frozenset(
    {"format", "receiver", "outcome", "notice", "text_sm3", "received_at", "sequence", "reason"}
)
NOTICE_PATH = "/v1/notices"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")
_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_REGION = re.compile(r"[0-9]{6}")
_TYPE = re.compile(r"[a-z_]{1,32}")


def _text(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise Malformed(f"{what} is a non-empty string of at most {limit} characters")
    return value


def _matches(pattern: re.Pattern[str], value: Any, what: str, form: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise Malformed(f"{what} is {form}")
    return value


def _uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def parse_notice(request: Any) -> dict[str, Any]:  # noqa: PLR0912  (one check per field)
    """The notice of a POST /v1/notices body, checked; Malformed otherwise."""
    if not isinstance(request, dict):
        raise Malformed("a notice is a JSON object")
    missing, unknown = REQUIRED - set(request), set(request) - REQUIRED - OPTIONAL
    if missing:
        raise Malformed(f"the notice lacks {sorted(missing)}")
    if unknown:
        raise Malformed(f"the notice has unknown fields {sorted(unknown)}")
    uid = request["notice"]
    if not isinstance(uid, str) or _uuid(uid) != uid:
        raise Malformed("notice is the notice's uid (a lower-case UUID with hyphens)")
    _matches(_TYPE, request["type"], "type", "the notice type (lower-case letters and _)")
    _text(request["title"], "title", 500)
    _matches(_CODE, request["tender_project"], "tender_project", "the tender project's code")
    _matches(_CODE, request["centre"], "centre", "the trading centre's code")
    _matches(_REGION, request["region"], "region", "an administrative division code of 6 digits")
    _matches(_HEX64, request["text_sm3"], "text_sm3", "an SM3 hash (64 lower-case hex digits)")
    instant = _matches(_INSTANT, request["publish_at"], "publish_at", "an instant in UTC (…Z)")
    try:
        dt.datetime.fromisoformat(instant)
    except ValueError as exc:
        raise Malformed("publish_at is not a real instant") from exc
    for name in ("project", "category"):
        if name in request:
            _matches(_CODE, request[name], name, f"the {name}'s code")
    if "url" in request:
        _text(request["url"], "url", 500)
    if "text" in request:
        text = request["text"]
        if not isinstance(text, dict):
            raise Malformed("text is the published text (a JSON object)")
        try:
            digest = sm3(canonical.dumps(text)).hex()
        except (ValueError, TypeError) as exc:
            raise Malformed(f"text is not canonical JSON ({exc})") from exc
        if digest != request["text_sm3"]:
            raise Malformed("the SM3 of text (ggzy-canonical-v1) is not text_sm3")
        if text.get("notice", uid) != uid:
            raise Malformed("text names another notice")
    return request


def receipt_make(
    key: SigningKey,
    receiver: str,
    *,
    outcome: str,
    notice: str,
    text_sm3: str,
    now: dt.datetime,
    sequence: int | None,
    reason: str | None,
) -> dict[str, Any]:
    body = {
        "receiver": receiver,
        "outcome": outcome,
        "notice": notice,
        "text_sm3": text_sm3,
        "received_at": canonical.format_instant(now),
        "sequence": sequence,
        "reason": reason,
    }
    return signed(key, PURPOSE, "receipt", body)


class Receiver(simulator.Simulator[state.Store]):
    """A national platform with its key and its received notices: answers pushes and keeps notices.json
    and requests.jsonl in its folder. Thread-safe: one lock around check, store and sign."""

    kind = state.KIND

    @classmethod
    def load_store(cls, folder: Path) -> state.Store:
        return state.load_store(folder)

    def routes(self) -> Mapping[str, PostRoute]:
        return {NOTICE_PATH: self.receive}

    def get_items(self) -> Mapping[str, ItemRoute]:
        return {NOTICE_PATH: self.notice_get}

    def holds(self) -> dict[str, Any]:
        return {"received": len(self.store.notices)}

    def summary(self) -> str:
        return f"{len(self.store.notices)} notices received so far"

    # --- answering ----------------------------------------------------------------------------------

    def receive(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """The reply to a POST /v1/notices body at `now` (the receiver's clock); logged."""
        return self.answered(raw, now=now, remote=remote, action="receive", answer=self._answer)

    def _answer(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        notice = parse_notice(request)
        uid, digest = notice["notice"], notice["text_sm3"]
        record.update(notice=uid, text_sm3=digest)
        if (down := self.unavailable(record)) is not None:
            return down
        known = self.store.notices.get(uid)
        if known is not None:
            if known["notice"]["text_sm3"] == digest:  # the same notice again: the same receipt
                record.update(outcome="repeat", sequence=known["reply"]["receipt"]["sequence"])
                return Reply(HTTPStatus.OK, known["reply"])
            record.update(outcome="refused", reason="conflict")
            refusal = receipt_make(
                self.key, self.config.name, outcome="refused", notice=uid, text_sm3=digest, now=now,
                sequence=None, reason="conflict",
            )  # fmt: skip
            refusal["message"] = (
                f"notice {uid} was received already with another text (SM3 {known['notice']['text_sm3']});"
                " a published notice does not change: publish a correction notice"
            )
            return Reply(HTTPStatus.CONFLICT, refusal)
        sequence = self.store.sequence + 1
        reply = receipt_make(
            self.key, self.config.name, outcome="accepted", notice=uid, text_sm3=digest, now=now,
            sequence=sequence, reason=None,
        )  # fmt: skip
        updated = state.Store(sequence, {**self.store.notices, uid: {"notice": notice, "reply": reply}})
        state.save_store(self.folder, updated)  # StateError: 500 "store", nothing received
        self.store = updated
        record.update(outcome="accepted", sequence=sequence)
        return Reply(HTTPStatus.OK, reply)

    def notice_get(self, uid: str, now: dt.datetime) -> Reply:
        known = self.store.notices.get(uid)
        if known is None:
            return jsonservice.not_found(f"no notice {uid[:40]} was received")
        return Reply(HTTPStatus.OK, known["reply"])


class _Handler(simulator.SimulatorHandler):
    server_version = f"ggzy-national/{__version__}"
    get_elsewhere = "GET /v1/notices/<uid> or GET /health"
    post_elsewhere = "POST /v1/notices"
    too_large = "a notice is at most 1 MiB of JSON"


class NationalServer(simulator.SimulatorServer[Receiver]):
    """The HTTP service of a `Receiver` on (host, port) (port 0: a free one), by `ggzy_sm.simulator`.
    `clock` is the receiver's own: the system's by default; tests inject theirs."""

    handler = _Handler
    default_port = DEFAULT_PORT
