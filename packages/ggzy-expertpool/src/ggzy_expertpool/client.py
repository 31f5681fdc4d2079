"""The platform's side of the expert-pool interface, without Django (docs/expert-pool-interface.md): signed
requests to the pool, its signed answers checked against the key the trust file pins, and the list in them
decrypted with the platform's encryption key.

    pool_pinned(trust, code, url) -> Pool      the pool of a ggzy-expertpool-trust-v1 document
    Client(pool, signer, decrypter)            the platform's keys: it signs requests with `signer` (the
                                               key the pool pins), reads lists with `decrypter` (the
                                               encryption key the pool pins)
      .draw(request=…, centre=…, …) -> Answer  POST /v1/draws
      .replace(request=…, draw=…, …) -> Answer POST /v1/replacements
      .state(draw) -> Answer                   GET /v1/draws/<draw>
    answer_check(pool, reply, …) -> Answer     the check alone, of an answer already received
    person_hash(id_number) -> str              the person hash of the avoidance list

The platform trusts only the pinned key: an answer signed by another key, for another purpose, naming
another pool, not answering this request (its action, nonce, request id, draw) or whose list does not
decrypt with the platform's key to the list of that draw and revision is a `PoolError` ("answer"), and
nothing in it may be used. A refusal the pool signs (too few experts, an order used up, a request id
reused) is an answer: `Answer.refused`. No answer, a 5xx or a 503 is `PoolError` ("unavailable": ask
again later with the same request id and a new nonce — the pool answers a request id once, so asking
again never draws twice); an unsigned 4xx (malformed, not trusted, replayed) is `PoolError` ("refused").

A state read (GET) carries no nonce: it is signed, and `revision` grows with every change of the draw,
so the platform keeps the highest revision it has seen and ignores an older one (`Client.state(draw,
newer_than=n)` refuses one that is not newer than n).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from ggzy_expertpool import records, sealed
from ggzy_sm import simulator
from ggzy_sm.errors import CryptoError
from ggzy_sm.keys import DecryptionKey, SigningKey
from ggzy_sm.sm2 import Sm2PublicKey

REQUEST = "ggzy-expertpool-request-v1"
ANSWER = "ggzy-expertpool-answer-v1"
TRUST_FORMAT = "ggzy-expertpool-trust-v1"
DRAWS_PATH = "/v1/draws"
REPLACEMENTS_PATH = "/v1/replacements"
MAX_BODY = 4 * 1024 * 1024
ANSWER_KEYS = {
    "draw": frozenset(
        {
            "format", "pool", "action", "nonce", "request", "outcome", "reason", "draw", "revision", "day",
            "specialties", "list", "decided_at", "repeated", "answered_at",
        }
    ),
    "replace": frozenset(
        {
            "format", "pool", "action", "nonce", "request", "outcome", "reason", "draw", "seat", "taker",
            "skipped", "revision", "list", "decided_at", "repeated", "answered_at",
        }
    ),
    "state": frozenset({"format", "pool", "action", "nonce", "draw", "revision", "list", "answered_at"}),
}  # fmt: skip
person_hash = records.person_hash

#: (method, url, body or None) -> (status, JSON answer or None); OSError/ValueError when there is none
Transport = Callable[[str, str, "dict[str, Any] | None"], tuple[int, Any]]


class PoolError(Exception):
    """The pool could not be asked, or its answer cannot be trusted: `kind` is "unavailable" (no answer, a
    5xx), "refused" (an unsigned 4xx: the request was not taken), "answer" (an answer that does not verify,
    or does not answer this request, or whose list does not open) or "config" (no such pool pinned)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class Pool:
    """A pool as the platform pins it: its code (the trust file's), name, URL and key."""

    code: str
    name: str
    url: str
    key: Sm2PublicKey


def pool_pinned(trust: Mapping[str, Any], code: str, url: str) -> Pool:
    """The pool `code` of a ggzy-expertpool-trust-v1 document {"format", "pools": {CODE: {"name", "key"}}},
    at `url`; PoolError "config" if the document does not pin it."""
    pools = trust.get("pools") if trust.get("format") == TRUST_FORMAT else None
    entry = pools.get(code) if isinstance(pools, dict) else None
    try:
        key = Sm2PublicKey.from_hex(str(entry["key"])) if isinstance(entry, dict) else None
    except (KeyError, ValueError, CryptoError):
        key = None
    if key is None or not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise PoolError("config", f"the trust file does not pin an expert pool {code}")
    return Pool(code, entry["name"], url.rstrip("/"), key)


@dataclass(frozen=True)
class Answer:
    """A verified answer: its body, the signed document as it came (what the platform keeps as evidence),
    and the list it carries, decrypted (None when it carries none: a refusal)."""

    body: dict[str, Any]
    signed: dict[str, Any]
    list: dict[str, Any] | None

    @property
    def refused(self) -> bool:
        return self.body.get("outcome") == "refused"


def _untrusted(message: str) -> PoolError:
    return PoolError("answer", message)


def answer_check(
    pool: Pool,
    reply: Any,
    decrypter: DecryptionKey,
    *,
    action: str,
    nonce: str | None,
    expect: Mapping[str, Any] | None = None,
) -> Answer:
    """The answer in `reply` if `pool`'s pinned key signed it for ANSWER, it has exactly the fields of an
    answer to `action`, names the pool, echoes `nonce` (None for a state read) and the values of `expect`
    ({"request": …} or {"draw": …}), and its list (if any) decrypts with `decrypter` to the list of its
    draw and revision; PoolError "answer" otherwise."""
    if not isinstance(reply, dict) or set(reply) != {"answer", "key", "signature"}:
        raise _untrusted('not a signed answer {"answer", "key", "signature"}')
    body = reply["answer"]
    if reply["key"] != pool.key.hex():
        raise _untrusted(f"signed by a key the expert pool {pool.code} does not have")
    if not isinstance(body, dict):
        raise _untrusted("the answer is not an object")
    try:
        pool.key.verify(ANSWER, body, bytes.fromhex(str(reply["signature"])))
    except (CryptoError, ValueError) as exc:
        raise _untrusted(f"the signature of the expert pool {pool.code} does not verify") from exc
    if set(body) != ANSWER_KEYS[action] or body["format"] != ANSWER:
        raise _untrusted(f"not an answer to {action}: its fields are not the interface's")
    if (body["pool"], body["action"], body["nonce"]) != (pool.name, action, nonce):
        raise _untrusted("the answer is not the answer to this request")
    for name, value in (expect or {}).items():
        if body[name] != value:
            raise _untrusted(f"the answer is for another {name}")
    if body["list"] is None and body.get("outcome") != "refused":
        raise _untrusted("an answer that is not a refusal carries the list")
    opened = None if body["list"] is None else _list_open(pool, body, decrypter)
    return Answer(dict(body), dict(reply), opened)


def _list_open(pool: Pool, body: Mapping[str, Any], decrypter: DecryptionKey) -> dict[str, Any]:
    """The list of an answer's body, decrypted and checked to be its draw's at its revision, by `pool`."""
    draw, revision = body["draw"], body["revision"]
    if not isinstance(draw, str) or isinstance(revision, bool) or not isinstance(revision, int):
        raise _untrusted("a list comes with its draw and revision")
    try:
        opened = sealed.open_sealed(body["list"], key=decrypter, pool=pool.key, draw=draw, revision=revision)
    except sealed.SealedError as exc:
        raise _untrusted(str(exc)) from exc
    if opened.get("pool") != pool.name:
        raise _untrusted("the list names another pool")
    return opened


def urllib_transport(timeout: float = 10.0, most: int = MAX_BODY) -> Transport:
    """A transport on urllib (no proxy): an error status is answered, not raised."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def exchange(method: str, url: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310  (a configured pool)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with opener.open(request, timeout=timeout) as response:
                return int(response.status), json.loads(response.read(most + 1))
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, json.loads(exc.read(most + 1))
            except ValueError:
                return exc.code, None

    return exchange


def request_make(signer: SigningKey, action: str, fields: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """(the signed request for `action` with `fields`, its fresh nonce)."""
    nonce = secrets.token_hex(16)
    return simulator.signed(signer, REQUEST, "request", {"action": action, "nonce": nonce, **fields}), nonce


def need(specialty: str, experts: int, reserves: int = 0) -> dict[str, Any]:
    """One specialty of a draw request."""
    return {"specialty": specialty, "experts": experts, "reserves": reserves}


class Client:
    """The platform's client of one pool: requests signed by `signer`, lists read with `decrypter`."""

    def __init__(
        self,
        pool: Pool,
        signer: SigningKey,
        decrypter: DecryptionKey,
        *,
        transport: Transport | None = None,
    ) -> None:
        self.pool = pool
        self.signer = signer
        self.decrypter = decrypter
        self.transport = transport or urllib_transport()

    def _exchange(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        try:
            status, reply = self.transport(method, self.pool.url + path, body)
        except (OSError, ValueError) as exc:
            raise PoolError("unavailable", f"{self.pool.code}: {type(exc).__name__}") from exc
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise PoolError("unavailable", f"{self.pool.code} answered {status}")
        if status != HTTPStatus.OK:
            reason = reply.get("reason") if isinstance(reply, dict) else None
            raise PoolError("refused", f"{self.pool.code} answered {status} {reason or ''}".strip())
        return reply

    def _ask(self, action: str, path: str, fields: dict[str, Any]) -> Answer:
        envelope, nonce = request_make(self.signer, action, fields)
        reply = self._exchange("POST", path, envelope)
        return answer_check(
            self.pool,
            reply,
            self.decrypter,
            action=action,
            nonce=nonce,
            expect={"request": fields["request"]},
        )

    def draw(
        self,
        *,
        request: str,
        centre: str,
        evaluation_at: dt.datetime,
        place: str,
        specialties: Sequence[Mapping[str, Any]],
        confirm_by: dt.datetime,
        procurement: bool = False,
        within: Sequence[str] = (),
        outside: Sequence[str] = (),
        organisations: Sequence[str] = (),
        persons: Sequence[str] = (),
    ) -> Answer:
        """Ask for a draw (`request` is the platform's id of it, opaque: it must not name the project)."""
        fields = {
            "request": request,
            "centre": centre,
            "evaluation": {"at": records.stamp(evaluation_at), "place": place},
            "procurement": procurement,
            "specialties": [dict(entry) for entry in specialties],
            "regions": {"within": sorted(within), "outside": sorted(outside)},
            "avoid": {"organisations": sorted(organisations), "persons": sorted(persons)},
            "confirm_by": records.stamp(confirm_by),
        }
        return self._ask("draw", DRAWS_PATH, fields)

    def replace(
        self,
        *,
        request: str,
        draw: str,
        seat: int,
        reason: str,
        organisations: Sequence[str] = (),
        persons: Sequence[str] = (),
    ) -> Answer:
        """Ask for the replacement of `seat` of `draw` for `reason` (declined, no_answer, absent, conflict),
        the avoidance list extended by `organisations` and `persons` from now on."""
        fields = {
            "request": request,
            "draw": draw,
            "seat": seat,
            "reason": reason,
            "avoid": {"organisations": sorted(organisations), "persons": sorted(persons)},
        }
        return self._ask("replace", REPLACEMENTS_PATH, fields)

    def state(self, draw: str, *, newer_than: int = 0) -> Answer:
        """The draw's current state; PoolError "answer" if its revision is not above `newer_than`."""
        reply = self._exchange("GET", f"{DRAWS_PATH}/{draw}", None)
        answer = answer_check(
            self.pool, reply, self.decrypter, action="state", nonce=None, expect={"draw": draw}
        )
        if answer.body["revision"] <= newer_than:
            raise _untrusted(
                f"the state is of revision {answer.body['revision']}, not newer than {newer_than}"
            )
        return answer
