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
requests.jsonl (`jsonservice.RequestLog`) before its answer leaves.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ggzy_authority import __version__, records, state
from ggzy_sm import canonical, jsonservice
from ggzy_sm.jsonservice import Clock, Reply, StartupError, system_clock
from ggzy_sm.keys import SigningKey

DEFAULT_PORT = 18621
PURPOSE = "ggzy-authority-answer-v1"
LOOKUP_FIELDS = frozenset({"kind", "number", "nonce"})
ANSWER_KEYS = frozenset({"format", "authority", "kind", "number", "nonce", "found", "record", "answered_at"})
LOOKUP_PATH = "/v1/lookup"
RECORDS_PATH = "/v1/admin/records"
FAIL_PATH = "/v1/admin/fail-next"
MAX_FAILURES = 1000
NUMBER_LENGTH = 64
_NONCE = re.compile(r"[0-9a-f]{16,64}")


class Malformed(ValueError):  # noqa: N818  (a refusal, named as the answer's reason)
    """The request is not a lookup; the message says why (answered 400, nothing looked up)."""


def parse_lookup(request: Any) -> tuple[str, str, str]:
    """(kind, number, nonce) of a POST /v1/lookup body, checked; Malformed otherwise."""
    if not isinstance(request, dict):
        raise Malformed("a lookup is a JSON object")
    missing, unknown = LOOKUP_FIELDS - set(request), set(request) - LOOKUP_FIELDS
    if missing:
        raise Malformed(f"the lookup lacks {sorted(missing)}")
    if unknown:
        raise Malformed(f"the lookup has unknown fields {sorted(unknown)}")
    kind, number, nonce = request["kind"], request["number"], request["nonce"]
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
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        raise Malformed("nonce is 16 to 64 lower-case hex digits")
    return kind, number, nonce


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
        "format": PURPOSE,
        "authority": authority,
        "kind": kind,
        "number": number,
        "nonce": nonce,
        "found": record is not None,
        "record": record,
        "answered_at": canonical.format_instant(now),
    }
    return {"answer": body, "key": key.public_key.hex(), "signature": key.sign(PURPOSE, body).hex()}


def _malformed(message: str) -> Reply:
    return Reply(HTTPStatus.BAD_REQUEST, {"reason": "malformed", "message": message})


def _internal(exc: Exception) -> Reply:
    return Reply(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        {"reason": "internal", "message": f"the authority could not answer ({type(exc).__name__})"},
    )


class Authority:
    """A simulated authority with its key and its records: answers lookups, takes records (with test
    controls) and keeps requests.jsonl in its folder. Thread-safe: one lock around refresh, look-up and
    sign, and around a merge."""

    def __init__(
        self,
        *,
        config: state.Config,
        key: SigningKey,
        store: state.Store,
        lock: state.Lock | None = None,
        test_controls: bool = False,
    ) -> None:
        if key.public_key != config.key:
            raise StartupError("the signing key is not the key state.json names")
        self.config = config
        self.folder = config.folder
        self.key = key
        self.store = store
        self.test_controls = test_controls
        self.fail_next = 0
        self._lock = threading.Lock()
        self._requests = jsonservice.RequestLog(
            self.folder / state.REQUESTS,
            Reply(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"reason": "log", "message": "the request log cannot be written"},
            ),
        )
        self._folder_lock = lock

    @classmethod
    def open(
        cls, folder: str | Path, passphrase: str | Callable[[], str], *, test_controls: bool = False
    ) -> Authority:
        """The authority of `folder`; StartupError if it cannot be used. Locks the folder until `close()`."""
        try:
            config = state.load_config(folder)
            lock = state.Lock(config.folder)
        except state.StateError as exc:
            raise StartupError(str(exc)) from exc
        try:
            store = state.load_store(config.folder)
            key = state.load_key(config, passphrase() if callable(passphrase) else passphrase)
            return cls(config=config, key=key, store=store, lock=lock, test_controls=test_controls)
        except state.StateError as exc:
            lock.release()
            raise StartupError(str(exc)) from exc
        except BaseException:
            lock.release()
            raise

    def close(self) -> None:
        if self._folder_lock is not None:
            self._folder_lock.release()
            self._folder_lock = None

    def _refresh(self) -> state.Store:
        """The records as records.json holds them now: read again if it was replaced since (by `load`).
        Called under self._lock; StateError if the new file cannot be read (the old records are not
        answered from then: an authority does not answer from what it no longer holds)."""
        if state.records_stamp(self.folder) != self.store.stamp:
            self.store = state.load_store(self.folder)
        return self.store

    # --- answering ----------------------------------------------------------------------------------

    def lookup(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """The reply to a POST /v1/lookup body at `now` (the authority's clock); logged."""
        record = self._record(now, remote, "lookup")
        try:
            request = state.parse_json(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            record.update(outcome="refused", reason="malformed")
            return self._requests.logged(record, _malformed(f"the body is not JSON: {exc}"))
        try:
            with self._lock:
                reply = self._answer(request, now, record)
        except Malformed as exc:
            record.update(outcome="refused", reason="malformed")
            reply = _malformed(str(exc))
        except state.StateError as exc:
            record.update(outcome="error", reason="store")
            reply = Reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"reason": "store", "message": str(exc)})
        except Exception as exc:  # noqa: BLE001  (a failure nobody foresaw is logged, and nothing signed)
            record.update(outcome="error", reason="internal", error=type(exc).__name__)
            reply = _internal(exc)
        return self._requests.logged(record, reply)

    def _answer(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        kind, number, nonce = parse_lookup(request)
        record.update(kind=kind, number=number, nonce=nonce)
        if self.fail_next > 0:
            self.fail_next -= 1
            record.update(outcome="unavailable", reason="test_control")
            return Reply(
                HTTPStatus.SERVICE_UNAVAILABLE,
                {"reason": "unavailable", "message": "the authority is unavailable (a test control)"},
            )
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
        record = self._record(now, remote, "records")
        try:
            request = state.parse_json(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            record.update(outcome="refused", reason="malformed")
            return self._requests.logged(record, _malformed(f"the body is not JSON: {exc}"))
        try:
            batch = records.parse_batch(request)
        except records.RecordError as exc:
            record.update(outcome="refused", reason="malformed")
            return self._requests.logged(record, _malformed(f"nothing loaded: {exc}"))
        loaded = records.counts(batch)
        try:
            with self._lock:
                self.store = state.merge(self.folder, batch)
        except state.StateError as exc:
            record.update(outcome="error", reason="store")
            reply = Reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"reason": "store", "message": str(exc)})
            return self._requests.logged(record, reply)
        record.update(outcome="loaded", loaded=loaded)
        return self._requests.logged(record, Reply(HTTPStatus.OK, {"loaded": loaded}))

    def fail(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """POST /v1/admin/fail-next {"count": n} (only with --test-controls)."""
        record = self._record(now, remote, "fail-next")
        try:
            request = state.parse_json(raw)
        except (ValueError, UnicodeDecodeError):
            request = None
        count = request.get("count") if isinstance(request, dict) else None
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_FAILURES:
            record.update(outcome="refused", reason="malformed")
            return self._requests.logged(
                record, _malformed(f'give {{"count": n}}, a whole number from 0 to {MAX_FAILURES}')
            )
        with self._lock:
            self.fail_next = count
        record.update(outcome="set", count=count)
        return self._requests.logged(record, Reply(HTTPStatus.OK, {"fail_next": count}))

    def refused(self, reply: Reply, *, now: dt.datetime, remote: str) -> Reply:
        """A POST refused before its body is read (path, length, media type): logged all the same."""
        record = {**self._record(now, remote, "post"), "outcome": "refused", "reason": reply.body["reason"]}
        return self._requests.logged(record, reply)

    @staticmethod
    def _record(now: dt.datetime, remote: str, action: str) -> dict[str, Any]:
        return {
            "time": canonical.format_instant(now),
            "remote": remote,
            "action": action,
            "outcome": None,
            "reason": None,
        }

    def get_routes(self) -> dict[str, jsonservice.GetRoute]:
        return {"/health": lambda now: Reply(HTTPStatus.OK, self.health(now))}

    def post_routes(self) -> dict[str, jsonservice.PostRoute]:
        routes: dict[str, jsonservice.PostRoute] = {LOOKUP_PATH: self.lookup}
        if self.test_controls:
            routes[RECORDS_PATH] = self.load
            routes[FAIL_PATH] = self.fail
        return routes

    def health(self, now: dt.datetime) -> dict[str, Any]:
        """The authority's health: "ok" false (and "message") when records.json cannot be read."""
        answer: dict[str, Any] = {
            "ok": True,
            "name": self.config.name,
            "key": self.config.key.hex(),
            "time": canonical.format_instant(now),
        }
        with self._lock:
            try:
                answer["records"] = self._refresh().counts()
            except state.StateError as exc:
                answer.update(ok=False, message=str(exc), records=self.store.counts())
        return answer


class _Handler(jsonservice.JsonHandler):
    server_version = f"ggzy-authority/{__version__}"
    get_elsewhere = "GET /health"
    post_elsewhere = "POST /v1/lookup"
    too_large = "a request is at most 1 MiB of JSON"
    server: AuthorityServer


class AuthorityServer(jsonservice.JsonServer):
    """The HTTP service of `authority` on (host, port) (port 0: a free one), by `ggzy_sm.jsonservice`.
    `clock` is the authority's own: the system's by default; tests inject theirs."""

    handler = _Handler
    name = "ggzy-authority"
    owner = "the authority"

    def __init__(
        self,
        authority: Authority,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self.authority = authority
        super().__init__(authority, host, port, clock=clock)
