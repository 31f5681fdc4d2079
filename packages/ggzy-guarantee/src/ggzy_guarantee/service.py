"""The HTTP service of a simulated guarantee issuer (`ggzy-guarantee serve`), docs/guarantee-interface.md:

    POST /v1/apply              the platform's signed application -> 200 a signed answer (the application)
    POST /v1/status             the platform's signed status query -> the application (and, once issued,
                                the guarantee)
    POST /v1/claims             the beneficiary's signed claim (via the platform) -> the accepted claim
    GET  /v1/guarantees/<n>     the guarantee numbered n (验真), or 404
    GET  /v1/documents/<sm3>    the guarantee document (application/pdf) whose SM3 is sm3, or 404
    GET  /health                {"ok", "name", "key", "time", "issuer", "applications", "guarantees",
                                "claims"}
    POST /v1/admin/review | pay | rules | fail-next     the test controls (only with --test-controls)

A request the platform signs (`ggzy_sm.guarantees.request_make`) is checked first: not such an
envelope, 400 "malformed"; a key not pinned in platforms.json, a bad signature, a request meant for
another issuer or route, 403 "forbidden" — unsigned, nothing done. Then a nonce seen before is 409
"replayed" (signed); otherwise the nonce is used up and the request answered, signed with the issuing
key (purpose `ggzy-guarantee-answer-v1`), its store written first."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ggzy_guarantee import __version__, records, state
from ggzy_guarantee.records import Refusal
from ggzy_guarantee.state import Store
from ggzy_sm import canonical, jsonservice, simulator
from ggzy_sm.guarantees import ANSWER_PURPOSE, GuaranteeError, code, request_open
from ggzy_sm.jsonservice import PostRoute, Reply
from ggzy_sm.simulator import ItemRoute, Malformed, signed
from ggzy_sm.sm2 import Sm2PublicKey

DEFAULT_PORT = 18641
APPLY_PATH, STATUS_PATH, CLAIMS_PATH = "/v1/apply", "/v1/status", "/v1/claims"
REVIEW_PATH, PAY_PATH, RULES_PATH = "/v1/admin/review", "/v1/admin/pay", "/v1/admin/rules"
GUARANTEES_PATH, DOCUMENTS_PATH = "/v1/guarantees", "/v1/documents"
ANSWER_KEYS = frozenset(
    {
        "format", "issuer", "action", "nonce", "answered_at", "outcome", "reason", "message",
        "application", "guarantee", "claim",
    }
)  # fmt: skip
#: an action's work on a copy of the store: (store, the request's body, now) -> what the answer shows
Work = Callable[[Store, dict[str, Any], dt.datetime], dict[str, Any]]


def _malformed(exc: Exception) -> Malformed:
    return Malformed(str(exc))


class Issuer(simulator.Simulator[Store]):
    """A guarantee issuer with its certified key and its store: answers the platform's signed requests,
    takes the test controls, keeps requests.jsonl. Thread-safe: each answer under one lock, on a copy
    of the store that replaces it once written."""

    kind = state.KIND

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.identity = state.load_identity(self.folder)
        self._platforms, self._platforms_stamp = state.load_platforms(self.folder)

    @classmethod
    def load_store(cls, folder: Path) -> Store:
        return state.load_store(folder)

    def routes(self) -> Mapping[str, PostRoute]:
        return {APPLY_PATH: self.apply, STATUS_PATH: self.status, CLAIMS_PATH: self.claim}

    def test_routes(self) -> Mapping[str, PostRoute]:
        return {REVIEW_PATH: self.review, PAY_PATH: self.pay, RULES_PATH: self.rules}

    def get_items(self) -> Mapping[str, ItemRoute]:
        return {GUARANTEES_PATH: self.guarantee_get}

    def holds(self) -> dict[str, Any]:
        store = self.store
        return {
            "issuer": self.identity.named(),
            "applications": len(store.applications),
            "guarantees": len(store.guarantees),
            "claims": len(store.claims),
        }

    def summary(self) -> str:
        store = self.store
        return (
            f"{self.identity.kind} {self.identity.code}; {len(store.applications)} applications,"
            f" {len(store.guarantees)} guarantees, {len(store.claims)} claims;"
            f" {len(self._platforms)} platform keys pinned"
        )

    def pinned(self) -> list[Sm2PublicKey]:
        """The platform keys pinned now (platforms.json read again if it was replaced since)."""
        if state.platforms_stamp(self.folder) != self._platforms_stamp:
            self._platforms, self._platforms_stamp = state.load_platforms(self.folder)
        return self._platforms

    # --- the platform's requests -------------------------------------------------------------------------

    def apply(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        return self.answered(
            raw, now=now, remote=remote, action="apply", answer=self._signed("apply", self._apply)
        )

    def status(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        return self.answered(
            raw, now=now, remote=remote, action="status", answer=self._signed("status", self._status)
        )

    def claim(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        return self.answered(
            raw, now=now, remote=remote, action="claim", answer=self._signed("claim", self._claim)
        )

    def _apply(self, store: Store, body: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        return {"application": records.apply(store, records.parse_apply(body), now)}

    def _status(self, store: Store, body: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        records.fields_check(body, ("application",), "status query")
        record = records.application_find(store, code(body["application"], "application"))
        number = record["guarantee_number"]
        return {"application": record, "guarantee": None if number is None else store.guarantees[number]}

    def _claim(self, store: Store, body: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        return {"claim": records.claim(store, records.parse_claim(body), now, self.identity)}

    def _signed(self, action: str, work: Work) -> simulator.Answer:
        """The answer to the platform's signed request for `action`, `work` done on a copy of the store."""

        def answer(request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
            try:
                body = request_open(request, self.pinned(), issuer=self.identity.code, action=action)
            except GuaranteeError as exc:
                if exc.reason == "malformed":
                    raise _malformed(exc) from exc
                record.update(outcome="refused", reason="forbidden")
                return Reply(HTTPStatus.FORBIDDEN, {"reason": "forbidden", "message": str(exc)})
            asked = body["nonce"]
            record.update(nonce=asked)
            if (down := self.unavailable(record)) is not None:
                return down
            if asked in self.store.nonces:
                record.update(outcome="refused", reason="replayed")
                replayed = Refusal("replayed", "this request's nonce was used before: nothing done")
                return self._answer(action, asked, now, refusal=replayed)
            store = self.store.copy()
            store.nonces.add(asked)
            records.settle(store, now)
            refusal: Refusal | None = None
            try:
                shown = work(store, body, now)
            except GuaranteeError as exc:
                raise _malformed(exc) from exc
            except Refusal as exc:
                shown, refusal = exc.extras, exc
            state.save_store(self.folder, store)  # StateError: 500 "store", nothing done
            self.store = store
            record.update(
                outcome="refused" if refusal else "ok",
                reason=refusal.reason if refusal else None,
                **{name: shown[name][name] for name in ("application", "claim") if shown.get(name)},
            )
            return self._answer(action, asked, now, shown=shown, refusal=refusal)

        return answer

    def _answer(
        self,
        action: str,
        asked: str,
        now: dt.datetime,
        *,
        shown: Mapping[str, Any] | None = None,
        refusal: Refusal | None = None,
    ) -> Reply:
        shown = shown or {}
        application = shown.get("application")
        body = {
            "issuer": self.identity.named(),
            "action": action,
            "nonce": asked,
            "answered_at": canonical.format_instant(now),
            "outcome": "refused" if refusal else "ok",
            "reason": refusal.reason if refusal else None,
            "message": str(refusal) if refusal else None,
            "application": None if application is None else records.view(application),
            "guarantee": shown.get("guarantee"),
            "claim": shown.get("claim"),
        }
        status = refusal.status if refusal else HTTPStatus.OK
        return Reply(status, signed(self.key, ANSWER_PURPOSE, "answer", body))

    # --- the test controls (unsigned) ----------------------------------------------------------------

    def _control(
        self, action: str, work: Callable[[Store, Any, dt.datetime], dict[str, Any]]
    ) -> simulator.Answer:
        def answer(request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
            if not isinstance(request, dict):
                raise Malformed(f"a {action} is a JSON object")
            store = self.store.copy()
            records.settle(store, now)
            try:
                shown = work(store, request, now)
            except (GuaranteeError, ValueError) as exc:
                raise _malformed(exc) from exc
            except Refusal as exc:
                record.update(outcome="refused", reason=exc.reason)
                return Reply(exc.status, {"reason": exc.reason, "message": str(exc)})
            state.save_store(self.folder, store)
            self.store = store
            record.update(outcome="done")
            return Reply(HTTPStatus.OK, shown)

        return answer

    def review(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        def work(store: Store, request: Any, now: dt.datetime) -> dict[str, Any]:
            application = code(request.get("application"), "application")
            found = records.review(store, application, request.get("decision"), request.get("reason"), now)
            return records.view(found)

        return self.answered(
            raw, now=now, remote=remote, action="review", answer=self._control("review", work)
        )

    def pay(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        def work(store: Store, request: Any, now: dt.datetime) -> dict[str, Any]:
            application = code(request.get("application"), "application")
            paid = records.pay(store, application, now, identity=self.identity, key=self.key)
            return records.view(paid)

        return self.answered(raw, now=now, remote=remote, action="pay", answer=self._control("pay", work))

    def rules(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        def work(store: Store, request: Any, now: dt.datetime) -> dict[str, Any]:
            store.rules = state.rules_check(request, store.rules)
            return {"rules": store.rules}

        return self.answered(raw, now=now, remote=remote, action="rules", answer=self._control("rules", work))

    # --- reading -----------------------------------------------------------------------------------------

    def guarantee_get(self, number: str, now: dt.datetime) -> Reply:
        found = self.store.guarantees.get(number)
        if found is None:
            return jsonservice.not_found(f"no guarantee {number[:64]} was issued here")
        return Reply(HTTPStatus.OK, found)

    def document(self, digest: str) -> bytes | None:
        """The guarantee document whose SM3 is `digest`, or None."""
        for guarantee in self.store.guarantees.values():
            if guarantee["guarantee"]["document_sm3"] == digest:
                return base64.b64decode(guarantee["document"])
        return None


class _Handler(simulator.SimulatorHandler):
    server_version = f"ggzy-guarantee/{__version__}"
    get_elsewhere = "GET /v1/guarantees/<number>, /v1/documents/<sm3> or /health"
    post_elsewhere = "POST /v1/apply, /v1/status or /v1/claims"
    too_large = "a request is at most 1 MiB of JSON"
    server: GuaranteeServer

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        path = self.route_path()
        if not path.startswith(DOCUMENTS_PATH + "/"):
            super().do_GET()
            return
        document = self.server.simulator.document(path[len(DOCUMENTS_PATH) + 1 :])
        if document is None:
            self.send_reply(jsonservice.not_found("no guarantee document has that SM3"))
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(document)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(document)


class GuaranteeServer(simulator.SimulatorServer[Issuer]):
    """The HTTP service of an `Issuer` on (host, port) (port 0: a free one), by `ggzy_sm.simulator`.
    `clock` is the issuer's own: the system's by default; tests inject theirs."""

    handler = _Handler
    default_port = DEFAULT_PORT
