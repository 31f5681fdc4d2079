"""The HTTP service of a simulated expert pool (`ggzy-expertpool serve`), docs/expert-pool-interface.md: the
platform asks for a draw and for replacements — each request signed by the platform's SM2 key (pinned in
settings.json) with a nonce — and reads a draw's state; every answer is signed by the pool's key, and the
list of experts in it is encrypted to the platform's SM2 encryption key (`ggzy_expertpool.sealed`).

    POST /v1/draws              a signed "draw" request -> 200 a signed answer (drawn, or refused with the
                                counts excluded per rule)
    POST /v1/replacements       a signed "replace" request -> 200 a signed answer (replaced, or refused)
    GET  /v1/draws/<draw>       200 the draw's current state, signed (its list encrypted); 404 unknown
    GET  /health                {"ok", "name", "key", "time", "experts", "active", "draws",
                                "platform_pinned"}
    only with --test-controls (otherwise 404), unsigned:
    POST /v1/admin/experts      {"experts": [...]}: experts loaded as `ggzy-expertpool load` does ->
                                200 {"loaded": n, "experts": n held}
    POST /v1/admin/answers      {"draw", "expert", "answer": "accept" | "decline", "channel": "call" |
                                "sms"}: the expert's own reply to the pool's call or SMS -> 200 {"draw",
                                "seat", "answer", "revision", "repeated"}
    POST /v1/admin/fail-next    {"count": n}: the next n platform requests answer 503

Refusals before anything is decided are unsigned: 400 "malformed", 403 "not_trusted" (no platform key
pinned, or another key, or no encryption key pinned) or "bad_signature", 409 "replayed" (a nonce seen
before). Everything decided — a draw, a refusal for too few experts, a replacement or its refusal — is
decided once per request id: signed, kept, and answered again (`"repeated": true`) for the same request
id and fields; the same request id with other fields is refused `request_reused` (not kept).

Nothing in the request log or in an answer outside the encrypted list names an expert: the log keeps
request ids, draw ids, seat numbers, outcomes and reasons.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ggzy_expertpool import __version__, draw, records, sealed, state
from ggzy_sm import jsonservice, simulator
from ggzy_sm.errors import CryptoError
from ggzy_sm.jsonservice import PostRoute, Reply
from ggzy_sm.simulator import ItemRoute, Malformed, signed

DEFAULT_PORT = 18661
REQUEST = "ggzy-expertpool-request-v1"  # the platform's signature on a request
ANSWER = "ggzy-expertpool-answer-v1"  # the pool's answer: a draw, a replacement, a draw's state

DRAWS_PATH = "/v1/draws"
REPLACEMENTS_PATH = "/v1/replacements"
EXPERTS_PATH = "/v1/admin/experts"
ANSWERS_PATH = "/v1/admin/answers"

FIELDS = {
    "draw": frozenset(
        {"request", "centre", "evaluation", "procurement", "specialties", "regions", "avoid", "confirm_by"}
    ),
    "replace": frozenset({"request", "draw", "seat", "reason", "avoid"}),
}
REASONS = ("declined", "no_answer", "absent", "conflict")
ANSWERS = ("accept", "decline")
CHANNELS = ("call", "sms")
MOST_SPECIALTIES = 20
MOST_PER_SPECIALTY = 99
MOST_REGIONS = 100
MOST_AVOIDED = 10_000
DRAW_ID = re.compile(r"[0-9]{8}[0-9a-f]{16}")


class _Refusal(Exception):  # noqa: N818  (carries the reply)
    def __init__(self, reply: Reply, reason: str) -> None:
        super().__init__(reason)
        self.reply = reply
        self.reason = reason


def _refuse(status: HTTPStatus, reason: str, message: str) -> _Refusal:
    return _Refusal(Reply(status, {"reason": reason, "message": message}), reason)


def _checked(check: Callable[[], Any]) -> Any:
    try:
        return check()
    except records.RecordError as exc:
        raise Malformed(str(exc)) from exc


def _exact(value: Any, fields: frozenset[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != fields:
        raise records.RecordError(f"{what} is an object of exactly {sorted(fields)}")
    return value


def avoid_parse(value: Any) -> dict[str, list[str]]:
    """The avoidance list {"organisations": [USCC], "persons": [person hash]}, each sorted."""
    avoid = _exact(value, frozenset({"organisations", "persons"}), "avoid")
    return {
        "organisations": sorted(
            records.distinct(avoid["organisations"], "avoid.organisations", records.uscc, MOST_AVOIDED)
        ),
        "persons": sorted(
            records.distinct(avoid["persons"], "avoid.persons", records.hash_text, MOST_AVOIDED)
        ),
    }


def _need(value: Any, index: int) -> dict[str, Any]:
    what = f"specialties[{index}]"
    need = _exact(value, frozenset({"specialty", "experts", "reserves"}), what)
    return {
        "specialty": records.specialty(need["specialty"], f"{what}.specialty"),
        "experts": records.whole(need["experts"], f"{what}.experts", 1, MOST_PER_SPECIALTY),
        "reserves": records.whole(need["reserves"], f"{what}.reserves", 0, MOST_PER_SPECIALTY),
    }


def parse_fields(action: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a platform request for `action`, checked (Malformed otherwise): exactly these."""
    given = set(body) - {"format", "action", "nonce"}
    missing, unknown = FIELDS[action] - given, given - FIELDS[action]
    if missing:
        raise Malformed(f"the {action} request lacks {sorted(missing)}")
    if unknown:
        raise Malformed(f"the {action} request has unknown fields {sorted(unknown)}")

    def check() -> dict[str, Any]:
        if action == "replace":
            reason = body["reason"]
            if reason not in REASONS:
                raise records.RecordError(f"reason is one of {', '.join(REASONS)}")
            if not isinstance(body["draw"], str) or not DRAW_ID.fullmatch(body["draw"]):
                raise records.RecordError("draw is the pool's draw id (8 digits and 16 hex digits)")
            return {
                "request": records.text(body["request"], "request", 64),
                "draw": body["draw"],
                "seat": records.whole(body["seat"], "seat", 1, 10_000),
                "reason": reason,
                "avoid": avoid_parse(body["avoid"]),
            }
        evaluation = _exact(body["evaluation"], frozenset({"at", "place"}), "evaluation")
        at = records.instant(evaluation["at"], "evaluation.at")
        confirm_by = records.instant(body["confirm_by"], "confirm_by")
        if confirm_by > at:
            raise records.RecordError("confirm_by is not after the evaluation begins")
        needs = body["specialties"]
        if not isinstance(needs, list) or not 1 <= len(needs) <= MOST_SPECIALTIES:
            raise records.RecordError(f"specialties is an array of 1 to {MOST_SPECIALTIES} needs")
        checked = [_need(need, index) for index, need in enumerate(needs)]
        if len({need["specialty"] for need in checked}) != len(checked):
            raise records.RecordError("specialties names a specialty twice")
        regions = _exact(body["regions"], frozenset({"within", "outside"}), "regions")
        return {
            "request": records.text(body["request"], "request", 64),
            "centre": records.text(body["centre"], "centre", 64),
            "evaluation": {"at": evaluation["at"], "place": records.text(evaluation["place"], "place", 200)},
            "procurement": records.flag(body["procurement"], "procurement"),
            "specialties": checked,
            "regions": {
                name: sorted(records.distinct(regions[name], f"regions.{name}", records.region, MOST_REGIONS))
                for name in ("within", "outside")
            },
            "avoid": avoid_parse(body["avoid"]),
            "confirm_by": body["confirm_by"],
        }

    fields: dict[str, Any] = _checked(check)
    return fields


def list_content(name: str, drawn: Mapping[str, Any]) -> dict[str, Any]:
    """The list of a draw as the platform reads it (only ever sealed): every seat with the expert's card,
    its answers and replacements."""
    return {
        "format": sealed.LIST_FORMAT,
        "pool": name,
        "draw": drawn["draw"],
        "revision": drawn["revision"],
        "centre": drawn["centre"],
        "evaluation": drawn["evaluation"],
        "seats": [{key: value for key, value in seat.items() if key != "expert"} for seat in drawn["seats"]],
    }


class ExpertPool(simulator.Simulator[state.Store]):
    """A simulated expert pool with its key, settings, experts and draws. Thread-safe: its answers run
    under the simulator's lock, and every change is written before its answer leaves."""

    kind = state.KIND

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rng = secrets.SystemRandom()  # the pool's own randomness: nobody can predict or replay it

    @classmethod
    def load_store(cls, folder: Path) -> state.Store:
        return state.load_store(folder)

    @property
    def settings(self) -> state.Settings:
        return self.store.settings

    @property
    def pool(self) -> state.Pool:
        return self.store.pool

    def routes(self) -> Mapping[str, PostRoute]:
        return {
            DRAWS_PATH: self._route("draw", self._draw),
            REPLACEMENTS_PATH: self._route("replace", self._replace),
        }

    def test_routes(self) -> Mapping[str, PostRoute]:
        return {
            EXPERTS_PATH: self._admin("experts", self._load),
            ANSWERS_PATH: self._admin("answer", self._reply),
        }

    def get_items(self) -> Mapping[str, ItemRoute]:
        return {DRAWS_PATH: self.draw_get}

    def holds(self) -> dict[str, Any]:
        with self._lock:
            return {**self.pool.counts(), "platform_pinned": self._pinned()}

    def summary(self) -> str:
        counts = self.pool.counts()
        return f"{counts['experts']} experts ({counts['active']} active), {counts['draws']} draws"

    def _pinned(self) -> bool:
        return self.settings.platform_key is not None and self.settings.platform_encryption_key is not None

    # --- the platform's requests ----------------------------------------------------------------------

    def _route(
        self,
        action: str,
        decide: Callable[[dict[str, Any], dt.datetime, dict[str, Any], state.Pool], dict[str, Any]],
    ) -> PostRoute:
        def route(raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
            def answer(request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
                try:
                    body, fields = self._verified(request, action)
                except _Refusal as refusal:
                    record.update(outcome="refused", reason=refusal.reason)
                    return refusal.reply
                record.update(nonce=body["nonce"], request=fields["request"])
                if (down := self.unavailable(record)) is not None:
                    return down
                pool = self.pool.copy()
                pool.data["nonces"].append(body["nonce"])
                decision = self._once(action, fields, now=now, record=record, pool=pool, decide=decide)
                state.write_pool(self.folder, pool)
                self.store.pool = pool
                content = {
                    "pool": self.config.name,
                    "action": action,
                    "nonce": body["nonce"],
                    **decision,
                    "answered_at": records.stamp(now),
                }
                return Reply(HTTPStatus.OK, signed(self.key, ANSWER, "answer", content))

            return self.answered(raw, now=now, remote=remote, action=action, answer=answer)

        return route

    def _verified(self, request: Any, action: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(body, its fields checked) of a platform request for `action` once its shape and fields are
        right (Malformed otherwise), both platform keys are pinned, its signature checks out with the
        pinned platform key and its nonce is new (a _Refusal otherwise)."""
        if not isinstance(request, dict) or set(request) != {"request", "key", "signature"}:
            raise Malformed('a request is {"request": {...}, "key", "signature"}, signed by the platform')
        body = request["request"]
        if not isinstance(body, dict) or body.get("format") != REQUEST:
            raise Malformed(f'the request\'s "format" is {REQUEST}')
        if body.get("action") != action:
            raise Malformed(f'this path takes "action": "{action}"')
        nonce = simulator.nonce(body.get("nonce"))
        fields = parse_fields(action, body)
        pinned = self.settings.platform_key
        if pinned is None or self.settings.platform_encryption_key is None:
            raise _refuse(
                HTTPStatus.FORBIDDEN,
                "not_trusted",
                "the platform's keys are not pinned"
                " (ggzy-expertpool configure --platform-key --platform-encryption-key)",
            )
        if request["key"] != pinned.hex():
            raise _refuse(
                HTTPStatus.FORBIDDEN, "not_trusted", "the request is not signed by the pinned platform key"
            )
        try:
            pinned.verify(REQUEST, body, bytes.fromhex(str(request["signature"])))
        except (ValueError, CryptoError) as exc:
            raise _refuse(
                HTTPStatus.FORBIDDEN, "bad_signature", "the platform's signature does not verify"
            ) from exc
        if self.pool.seen(nonce):
            raise _refuse(
                HTTPStatus.CONFLICT, "replayed", "this nonce was used before: a request is sent once"
            )
        return body, fields

    def _once(
        self,
        action: str,
        fields: dict[str, Any],
        *,
        now: dt.datetime,
        record: dict[str, Any],
        pool: state.Pool,
        decide: Callable[[dict[str, Any], dt.datetime, dict[str, Any], state.Pool], dict[str, Any]],
    ) -> dict[str, Any]:
        """The decision on a request id: the one made before for the same fields (repeated), a refusal
        for other fields (not kept), or `decide`'s, kept under the id."""
        prior = pool.requests.get(fields["request"])
        if prior is not None:
            if prior["action"] == action and prior["fields"] == fields:
                record.update(outcome="repeated", draw=prior["decision"].get("draw"))
                return {**prior["decision"], "repeated": True}
            record.update(outcome="refused", reason="request_reused")
            return {**self._refusal(action, fields, "request_reused", now), "repeated": False}
        decision = decide(fields, now, record, pool)
        pool.requests[fields["request"]] = {"action": action, "fields": fields, "decision": decision}
        record.update(outcome=decision["outcome"], reason=decision["reason"], draw=decision["draw"])
        return {**decision, "repeated": False}

    @staticmethod
    def _refusal(action: str, fields: dict[str, Any], reason: str, now: dt.datetime) -> dict[str, Any]:
        """A refusal with nothing drawn or replaced."""
        common = {"request": fields["request"], "outcome": "refused", "reason": reason}
        if action == "draw":
            return {
                **common,
                "draw": None,
                "revision": None,
                "day": None,
                "specialties": [],
                "list": None,
                "decided_at": records.stamp(now),
            }
        return {
            **common,
            "draw": fields["draw"],
            "seat": fields["seat"],
            "taker": None,
            "skipped": None,
            "revision": None,
            "list": None,
            "decided_at": records.stamp(now),
        }

    def _sealed(self, drawn: Mapping[str, Any]) -> dict[str, Any]:
        recipient = self.settings.platform_encryption_key
        assert recipient is not None  # noqa: S101  (_verified and draw_get refuse without it)
        return sealed.seal(
            list_content(self.config.name, drawn),
            recipient=recipient,
            pool=self.config.key,
            draw=drawn["draw"],
            revision=drawn["revision"],
        )

    def _draw(
        self, fields: dict[str, Any], now: dt.datetime, record: dict[str, Any], pool: state.Pool
    ) -> dict[str, Any]:
        at = records.instant(fields["evaluation"]["at"], "evaluation.at")
        if at <= now or records.instant(fields["confirm_by"], "confirm_by") <= now:
            return self._refusal("draw", fields, "in_the_past", now)
        day = records.business_day(at)
        terms = draw.Terms(
            day=day,
            procurement=fields["procurement"],
            within=tuple(fields["regions"]["within"]),
            outside=tuple(fields["regions"]["outside"]),
            organisations=frozenset(fields["avoid"]["organisations"]),
            persons=frozenset(fields["avoid"]["persons"]),
        )
        needs = [draw.Need(n["specialty"], n["experts"], n["reserves"]) for n in fields["specialties"]]
        decided = records.stamp(now)
        planned = draw.plan(
            pool.experts, needs, terms, self.rng, called_at=decided, answer_by=fields["confirm_by"]
        )
        refused = {
            **self._refusal("draw", fields, "too_few", now),
            "day": day.isoformat(),
            "specialties": planned.specialties,
        }
        if planned.short:
            return refused
        draw_id = f"{records.business_day(now):%Y%m%d}{secrets.token_hex(8)}"
        drawn = {
            "draw": draw_id,
            "request": fields["request"],
            "centre": fields["centre"],
            "evaluation": fields["evaluation"],
            "day": day.isoformat(),
            "procurement": fields["procurement"],
            "regions": fields["regions"],
            "avoid": fields["avoid"],
            "confirm_by": fields["confirm_by"],
            "specialties": planned.specialties,
            "orders": planned.orders,
            "cursors": planned.cursors,
            "seats": planned.seats,
            "revision": 1,
            "decided_at": decided,
        }
        pool.draws[draw_id] = drawn
        record.update(seats=len(planned.seats))
        return {
            **refused,
            "outcome": "drawn",
            "reason": None,
            "draw": draw_id,
            "revision": 1,
            "list": self._sealed(drawn),
        }

    def _replace(
        self, fields: dict[str, Any], now: dt.datetime, record: dict[str, Any], pool: state.Pool
    ) -> dict[str, Any]:
        record.update(seat=fields["seat"])
        drawn = pool.draws.get(fields["draw"])
        if drawn is None:
            return self._refusal("replace", fields, "unknown_draw", now)
        seats = drawn["seats"]
        if not 1 <= fields["seat"] <= len(seats):
            return self._refusal("replace", fields, "no_seat", now)
        seat = seats[fields["seat"] - 1]
        reason = self._unreplaceable(seat, fields["reason"], now)
        if reason is not None:
            return self._refusal("replace", fields, reason, now)
        for name in ("organisations", "persons"):
            drawn["avoid"][name] = sorted(set(drawn["avoid"][name]) | set(fields["avoid"][name]))
        stamp = records.stamp(now)
        taker, skipped = draw.take(
            drawn, seat, pool.experts, called_at=stamp, answer_by=drawn["evaluation"]["at"]
        )
        if taker is not None:
            seat.update(replaced_by=taker["seat"], replaced_reason=fields["reason"])
        drawn["revision"] += 1
        record.update(taker=None if taker is None else taker["seat"])
        return {
            "request": fields["request"],
            "outcome": "refused" if taker is None else "replaced",
            "reason": "exhausted" if taker is None else None,
            "draw": drawn["draw"],
            "seat": seat["seat"],
            "taker": None if taker is None else taker["seat"],
            "skipped": skipped,
            "revision": drawn["revision"],
            "list": self._sealed(drawn),
            "decided_at": stamp,
        }

    @staticmethod
    def _unreplaceable(seat: Mapping[str, Any], reason: str, now: dt.datetime) -> str | None:
        """Why `seat` cannot be replaced for `reason` now, or None. Only the expert's own answer marks a
        decline; no answer counts only once the time to answer has passed."""
        answer, waiting = seat["answer"], now <= records.instant(seat["answer_by"], "answer_by")
        checks = (
            ("already_replaced", seat["replaced_by"] is not None),
            ("excluded", seat["excluded"] is not None),
            ("not_declined", reason == "declined" and answer != "decline"),
            ("answered", reason == "no_answer" and answer is not None),
            ("answer_pending", reason == "no_answer" and waiting),
            ("not_accepted", reason == "absent" and answer != "accept"),
        )
        return next((refusal for refusal, applies in checks if applies), None)

    # --- a draw's state ---------------------------------------------------------------------------------

    def draw_get(self, item: str, now: dt.datetime) -> Reply:
        """GET /v1/draws/<draw>: its state now, signed, its list encrypted; 404 for an unknown draw."""
        with self._lock:
            drawn = self.pool.draws.get(item) if DRAW_ID.fullmatch(item) else None
            if drawn is None:
                return jsonservice.not_found("no such draw")
            if not self._pinned():
                return Reply(
                    HTTPStatus.FORBIDDEN,
                    {"reason": "not_trusted", "message": "the platform's keys are not pinned"},
                )
            content = {
                "pool": self.config.name,
                "action": "state",
                "nonce": None,
                "draw": drawn["draw"],
                "revision": drawn["revision"],
                "list": self._sealed(drawn),
                "answered_at": records.stamp(now),
            }
            return Reply(HTTPStatus.OK, signed(self.key, ANSWER, "answer", content))

    # --- test controls ------------------------------------------------------------------------------

    def _admin(self, action: str, handle: Callable[[Any, dt.datetime, dict[str, Any]], Reply]) -> PostRoute:
        def route(raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
            return self.answered(raw, now=now, remote=remote, action=action, answer=handle)

        return route

    def _load(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        try:
            experts = records.batch_parse(request)
        except records.RecordError as exc:
            raise Malformed(f"nothing loaded: {exc}") from exc
        pool = state.merge(self.pool, experts)
        state.write_pool(self.folder, pool)
        self.store.pool = pool
        record.update(outcome="loaded", loaded=len(experts))
        return Reply(HTTPStatus.OK, {"loaded": len(experts), "experts": len(pool.experts)})

    def _reply(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        """The expert's own answer to the pool's call or SMS (a test control stands for it)."""
        fields = frozenset({"draw", "expert", "answer", "channel"})
        if not isinstance(request, dict) or set(request) != fields:
            raise Malformed(f"an answer is exactly {sorted(fields)}")
        if request["answer"] not in ANSWERS or request["channel"] not in CHANNELS:
            raise Malformed(f"answer is one of {', '.join(ANSWERS)}; channel one of {', '.join(CHANNELS)}")
        pool = self.pool.copy()
        drawn = pool.draws.get(request["draw"]) if isinstance(request["draw"], str) else None
        seat = next((s for s in (drawn or {}).get("seats", []) if s["expert"] == request["expert"]), None)
        if drawn is None or seat is None:
            record.update(outcome="refused", reason="not_found")
            return jsonservice.not_found("no such draw, or the expert is not on its list")
        record.update(draw=drawn["draw"], seat=seat["seat"])

        def refused(reason: str, message: str) -> Reply:
            record.update(outcome="refused", reason=reason)
            return Reply(HTTPStatus.CONFLICT, {"reason": reason, "message": message})

        if seat["answer"] == request["answer"]:
            record.update(outcome="repeated")
            return Reply(HTTPStatus.OK, self._answered(drawn, seat, repeated=True))
        if seat["answer"] is not None:
            return refused("answered", "the expert has answered already; an answer is not changed")
        if seat["replaced_by"] is not None or seat["excluded"] is not None:
            return refused("replaced", "the seat was replaced: the expert is no longer called")
        if now > records.instant(seat["answer_by"], "answer_by"):
            return refused("too_late", "the time to answer has passed")
        seat.update(answer=request["answer"], answered_at=records.stamp(now), channel=request["channel"])
        drawn["revision"] += 1
        state.write_pool(self.folder, pool)
        self.store.pool = pool
        record.update(outcome=request["answer"], revision=drawn["revision"])
        return Reply(HTTPStatus.OK, self._answered(drawn, seat, repeated=False))

    @staticmethod
    def _answered(drawn: Mapping[str, Any], seat: Mapping[str, Any], *, repeated: bool) -> dict[str, Any]:
        return {
            "draw": drawn["draw"],
            "seat": seat["seat"],
            "answer": seat["answer"],
            "revision": drawn["revision"],
            "repeated": repeated,
        }


class _Handler(simulator.SimulatorHandler):
    server_version = f"ggzy-expertpool/{__version__}"
    get_elsewhere = "GET /v1/draws/<draw> or GET /health"
    post_elsewhere = "POST /v1/draws or /v1/replacements"
    too_large = "a request is at most 1 MiB of JSON"


class ExpertPoolServer(simulator.SimulatorServer[ExpertPool]):
    """The HTTP service of an `ExpertPool` on (host, port) (port 0: a free one), by `ggzy_sm.simulator`.
    `clock` is the pool's own: the system's by default; tests inject theirs."""

    handler = _Handler
    default_port = DEFAULT_PORT
