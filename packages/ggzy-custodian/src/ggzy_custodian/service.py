"""The custodian service: an independent party's HTTP service that acknowledges sealed bids before
their deadline and releases its share of a bid's key only once the bid's release time has passed,
judged by its own clock (docs/sealed-bid-format.md, format 2 and the custodian protocol v2, §6–§9; the
protocol is `ggzy_sm.custodians`, whose functions make and check every message here).

Everything it needs to know of the platform comes from the signed custodian set v2 it serves: the
platform's **notice keys** (with their validity), its **opening key** (shares are re-encrypted to it)
and the supervising department, whose key may sign notices and co-signs notice-key transitions. The
command-line options of v1 that gave them (`--platform-key`, `--notice-key`) are gone: a key that is
not in the set every custodian and the supervising department signed is not the platform's.

Protocol (JSON over HTTP; TLS is terminated in front of it by the custodian's own reverse proxy). Every
refusal is {"reason", "message", …}; 411 without Content-Length, 413 over 1 MiB, 415 not
application/json (reason "malformed") and 404 for another path, for every POST; 500 {"reason":
"internal" | "log" | "state"} when something broke (nothing is released or acknowledged then):

    POST /share   a ggzy-share-request-v2 (custodians.request_make): {format, header, index, nonce, notices}
                  200 -> the signed answer (custodians.answer): {"payload": {…, "share": SM2 to the
                         set's opening key}, "signature"}
                  425 too_early (with "release_at"); 400 malformed (also a body that is empty or not
                  JSON); 409 not_acknowledged (check 10: the ciphertext is not in this custodian's
                  closure for the section); 422 for every other refusal (signature, chain, set,
                  not_custodian, binding)
    POST /notice  a signed ggzy-deadline-v2 notice, from anyone (the platform, the supervising
                  department, a bidder). Valid for the set (custodians.notice_read: a notice key of the
                  set within its interval, the supervising department, or a key reached by transitions
                  the old key and the supervisor signed) -> remembered per section; 200 {"ok": true,
                  "section", "opening_at": the latest opening time now held for the section}.
                  Not valid -> ignored: 202 {"ok": false, "reason": "unverified"} (400 malformed when
                  not even JSON); never changes a release or closing time. Each is counted (GET /health)
                  and logged — at most 60 a minute from one remote address; beyond that they are only
                  counted, and one line says how many from that address were not logged.
    GET  /notice?section=S
                  200 the latest valid notice held for S (latest opening time); 404 not_found; 400
                  malformed section
    GET  /time?nonce=N
                  200 {"payload": {"format": "ggzy-time-v1", "nonce": N, "time": this custodian's clock,
                  "custodian": its index}, "signature"}; 400 malformed nonce (32 lower-case hex digits)
    POST /ack     a ggzy-ack-request-v1 {format, set, section, ciphertext_sm3, deadline, notices}
                  200 the signed acknowledgement (custodians.ack_answer, with the notices it holds and
                  the ones sent): the hash is appended and fsynced to the section's acknowledgement log
                  before the answer leaves; 409 late (from the section's closing time by its own clock,
                  with "closing_at"; a deadline no valid notice announced; after its closure is made);
                  422 set, malformed (also a body that is not JSON)
    GET  /closure?section=S
                  from the section's closing time on (the latest deadline of the valid notices held, by
                  its own clock): 200 the signed closure (custodians.closure_make over its
                  acknowledgement log), made once, stored durably and served unchanged ever after;
                  425 too_early before (with "closing_at", or without one while it holds no valid
                  notice for S); 400 malformed section
    GET  /set     the signed custodian set this custodian serves, so anyone can compare
    GET  /health  {"ok": true, "index", "fingerprint": the set's SM3, "time": this custodian's clock,
                  "unverified_notices": notices refused as not valid since the service started,
                  "last_unverified_at": the last one's time or null}

A share is given only from the release time on (custodians.release_at with the notices sent and held)
and only for a ciphertext in this custodian's own closure of the section: a share request from the
section's closing time on makes the closure if no GET /closure has yet.

With a witness trust (`serve --witness-trust TRUST.json`, ggzy-witness-trust-v1: the pinned platform,
co-signer and supervisor keys and the threshold k; docs/witness-cosigner.md) the custodian also
watches the witness log; without one these two answer 404 like any unknown path:

    POST /head    a signed tree head {"sth", "signature", "key_id", "cosignatures", "epoch_statements"},
                  from anyone (like /notice)
                  200 {"ok", "epoch", "tree_size", "root_hash", "newest"} when `witness.verify_head`
                      accepts it (k valid co-signatures from pinned co-signers — never the platform's
                      signature alone) and, for an epoch > 0, its epoch statements verify
                      (`witness.verify_epochs`); "newest": it is now the head remembered for its epoch
                  422 reason "cosignatures" (the head is not accepted) or "epoch" (an epoch without
                      the supervising department's statement); 400 malformed
                  409 reason "fork": a co-signed head of the same epoch and size as the remembered one
                      but another root — two co-signed heads that disagree prove that the log forked or
                      co-signers equivocated. Logged with "alarm": true and both heads as evidence.
    GET  /head    the newest head remembered (the highest epoch's), 404 before the first

**Whose clock.** The service judges "is it time?" by `datetime.now(UTC)` of the machine it runs on —
the custodian's clock, not the platform's; the platform's word can only *postpone* a release (a signed
deadline notice), never bring it forward, and the operator's clock no longer decides which bids were
late (acknowledgements and closures are by this clock). The clock is a constructor parameter of
`CustodianServer` so that tests can inject one; the command line always uses the system clock. A
custodian keeps that clock right the ordinary way: NTP (chrony or systemd-timesyncd) against time
sources it trusts itself — the National Time Service Centre's servers, say, or its own GNSS receiver —
with the offset monitored and an alarm when the machine is unsynchronised; several custodians on
independent time sources mean one wrong clock cannot open a bid early. A signed time-stamp from a
time-stamp authority (RFC 3161 / GM/T 0033) as the time source, logged beside each release, is a
documented future option, not implemented here.

**What it remembers** (the files: `ggzy_custodian.state`). Every POST is appended to log.jsonl before
the answer leaves (one JSON object a line: time, remote address, index, section, bidder, ciphertext_sm3,
nonce, outcome, reason — never the share), flushed and fsynced; if the line cannot be written nothing is
released — except the notices that are not valid beyond 60 a minute from one address, which are only
counted. Every valid notice a request carries or POST /notice delivers is remembered in notices.json
and joins every later request for its section, so a request that leaves a postponement out still cannot
get the share before the postponed opening. Acknowledged hashes go to acks/<set>/<section>.jsonl,
closures to closures/<set>/<section>.json (made once, never rewritten, re-read and served as made after
a restart). Every accepted tree head that is the newest of its epoch is remembered in heads.json
(re-checked against the trust at start) and every POST /head is logged.

**Where it is.** `Custodian` is put together from the parts of the package: `ggzy_custodian.base` (its
identity, keys and request log), `ggzy_custodian.notices` (deadline notices, POST and GET /notice),
`ggzy_custodian.acks` (acknowledgements and closures, POST /ack and GET /closure) and
`ggzy_custodian.heads` (the witness log's tree heads, POST and GET /head), with the replies and the
parsing of requests in `ggzy_custodian.replies`; this module answers shares, time and health and is the
HTTP service.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ggzy_custodian import __version__, state
from ggzy_custodian.acks import AcksMixin
from ggzy_custodian.heads import HEAD_FIELDS, HeadsMixin
from ggzy_custodian.notices import UNVERIFIED_LOGGED, UNVERIFIED_WINDOW, UnverifiedNotices
from ggzy_custodian.replies import (
    FIELD_LIMIT,
    QueryRoute,
    internal_reply,
    log_field,
    parse_json,
    parse_request,
    plain,
    query_value,
    refusal_reply,
    state_failure,
    status_of,
)
from ggzy_sm import canonical, custodians, jsonservice, strict
from ggzy_sm.custodians import CustodianError, SignedCustodianSet, Trust
from ggzy_sm.jsonservice import Clock, Reply, StartupError, system_clock
from ggzy_sm.keys import DecryptionKey, SigningKey
from ggzy_sm.witness import WitnessTrust

__all__ = [
    "DEFAULT_PORT",
    "FIELD_LIMIT",
    "HEAD_FIELDS",
    "UNVERIFIED_LOGGED",
    "UNVERIFIED_WINDOW",
    "Custodian",
    "CustodianServer",
    "QueryRoute",
    "StartupError",
    "UnverifiedNotices",
    "parse_json",
    "parse_request",
    "query_value",
    "status_of",
]

DEFAULT_PORT = 18490


class Custodian(AcksMixin, HeadsMixin):
    """Custodian `index` of a verified set v2, with its own keys: acknowledges bids, closes sections,
    answers share requests and time requests, and keeps its log, notices, acknowledgements and closures
    in its state folder. Thread-safe."""

    def __init__(
        self,
        *,
        identity: state.Identity,
        signed_set: dict[str, Any],
        cset: SignedCustodianSet,
        index: int,
        signing_key: SigningKey,
        encryption_key: DecryptionKey,
        trust: Trust,
        witness_trust: WitnessTrust | None = None,
    ) -> None:
        self.identity = identity
        self.folder = identity.folder
        self.signed_set = signed_set
        self.cset = cset
        self.index = index
        self.signing_key = signing_key
        self.encryption_key = encryption_key
        self.trust = trust
        self.witness_trust = witness_trust
        self._log = jsonservice.RequestLog(
            self.folder / state.LOG,
            Reply(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"reason": "log", "message": "the custodian cannot write its log: nothing is released"},
            ),
        )
        self.unverified = UnverifiedNotices()
        self._notice_lock = threading.Lock()
        self._ack_lock = threading.Lock()  # acknowledgements and closures: never one inside the other
        self._head_lock = threading.Lock()
        self.notices = self._load_notices()
        self.closures = self._load_closures()
        self._acked: dict[str, set[str]] = {}  # section -> the distinct hashes acknowledged (read lazily)
        self.heads = self._load_heads()

    @classmethod
    def open(
        cls,
        folder: str | Path,
        passphrase: str | Callable[[], str],
        signed_set: dict[str, Any],
        index: int,
        *,
        trust: Trust,
        demo: bool = False,
        witness_trust: WitnessTrust | None = None,
    ) -> Custodian:
        """The custodian, if the set verifies (a ggzy-custodian-set-v2 every member and the supervising
        department signed), its custodian `index` is this state folder's own certificates, and it is a
        demo set exactly when `demo` is asked for. StartupError otherwise. The passphrase (or the
        function that asks for it) is used only after every other check has passed."""
        try:
            identity = state.load_identity(folder)
        except state.StateError as exc:
            raise StartupError(str(exc)) from exc
        try:
            cset = custodians.set_verify(signed_set)
        except CustodianError as exc:
            raise StartupError(f"the custodian set is refused ({exc.reason}): {exc}") from exc
        if cset.demo and not demo:
            raise StartupError("this is a demo custodian set (sandbox only): pass --demo to serve it")
        if demo and not cset.demo:
            raise StartupError("--demo was given, but this custodian set is not a demo set")
        try:
            me = cset.custodian(index)
        except CustodianError as exc:
            raise StartupError(f"the set has custodians 1 … {cset.n}: {exc}") from exc
        if (
            me.signing.der != identity.signing_certificate
            or me.encryption.der != identity.encryption_certificate
        ):
            raise StartupError(
                f"custodian {index} of the set ({me.name}) is not this state's own certificates"
                f" ({identity.name}, encryption certificate SM3 {identity.encryption_fingerprint})"
            )
        if not trust.roots:
            raise StartupError("give at least one CA root (--root) to check the bidders' certificates")
        try:
            signing, encryption = state.load_keys(
                identity, passphrase() if callable(passphrase) else passphrase
            )
        except state.StateError as exc:
            raise StartupError(str(exc)) from exc
        return cls(
            identity=identity,
            signed_set=signed_set,
            cset=cset,
            index=index,
            signing_key=signing,
            encryption_key=encryption,
            trust=trust,
            witness_trust=witness_trust,
        )

    # --- answering ----------------------------------------------------------------------------------

    def share(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """The reply to a POST /share body, judged at `now` (the custodian's clock); logged first."""
        record = self._record(now, remote)
        try:
            request = parse_request(raw)
            record.update(self._describe(request))
            header = request.get("header")
            section = header.get("section") if isinstance(header, dict) else None
            self.close_first(section, now, remote)
            self.learn(request.get("notices", []))
            closure = None
            if isinstance(section, str) and strict.SECTION.fullmatch(section):
                closure = self.closure_for(section, now, remote)  # made here if the section is closed
            answer = custodians.answer(
                request,
                cset=self.cset,
                index=self.index,
                encryption_key=self.encryption_key,
                signing_key=self.signing_key,
                trust=self.trust,
                now=now,
                closure=closure,
                notices_held=self.held(section),
            )
        except CustodianError as exc:
            record.update(outcome="refused", reason=exc.reason)
            if "release_at" in exc.detail:
                record["release_at"] = plain(exc.detail["release_at"])
            reply = refusal_reply(exc)
        except OSError as exc:  # notices.json or a closure could not be written: nothing is released
            record.update(outcome="error", reason="state", error=type(exc).__name__)
            reply = state_failure("nothing is released")
        except Exception as exc:  # noqa: BLE001  (a refusal nobody foresaw is logged, and nothing released)
            record.update(outcome="error", reason="internal", error=type(exc).__name__)
            reply = internal_reply("answer", exc)
        else:
            record.update(outcome="released", reason=None)
            reply = Reply(HTTPStatus.OK, answer)
        return self._logged(record, reply)

    # --- time (§6.4) ----------------------------------------------------------------------------------

    def time(self, query: str, *, now: dt.datetime, remote: str) -> Reply:
        """GET /time?nonce=N: this custodian's signed statement of its clock's time, for N."""
        try:
            return Reply(
                HTTPStatus.OK,
                custodians.time_statement(self.signing_key, self.index, query_value(query, "nonce"), now),
            )
        except CustodianError as exc:
            return refusal_reply(exc)

    # --- the service's own lines, and its health ------------------------------------------------------

    def close(self) -> None:
        """The service stops: say how many notices were not logged, whatever their windows."""
        self._report_dropped(None)

    def refused(self, reply: Reply, *, now: dt.datetime, remote: str) -> Reply:
        """A POST refused before its body is read (path, length, media type): logged all the same."""
        record = {**self._record(now, remote), "outcome": "refused", "reason": reply.body["reason"]}
        return self._logged(record, reply)

    @staticmethod
    def _describe(request: dict[str, Any]) -> dict[str, Any]:
        header = request.get("header")
        header = header if isinstance(header, dict) else {}
        return {
            "index": log_field(request.get("index")),
            "section": log_field(header.get("section")),
            "bidder": log_field(header.get("bidder")),
            "ciphertext_sm3": log_field(header.get("ciphertext_sm3")),
            "nonce": log_field(request.get("nonce")),
        }

    def health(self, now: dt.datetime) -> dict[str, Any]:
        self._report_dropped(now)
        last = self.unverified.last_at
        return {
            "ok": True,
            "index": self.index,
            "fingerprint": self.cset.fingerprint,
            "time": canonical.format_instant(now),
            "unverified_notices": self.unverified.count,
            "last_unverified_at": None if last is None else canonical.format_instant(last),
        }

    # --- the HTTP face (ggzy_sm.jsonservice); /head only for a custodian that watches the witness log --

    def get_routes(self) -> dict[str, jsonservice.GetRoute]:
        routes: dict[str, jsonservice.GetRoute] = {
            "/health": lambda now: Reply(HTTPStatus.OK, self.health(now)),
            "/set": lambda now: Reply(HTTPStatus.OK, self.signed_set),
        }
        if self.witness_trust is not None:
            routes["/head"] = self._get_head
        return routes

    def query_routes(self) -> dict[str, QueryRoute]:
        """The GET routes that read their query (the handler gives them the query and the address)."""
        return {"/notice": self.get_notice, "/time": self.time, "/closure": self.get_closure}

    def post_routes(self) -> dict[str, jsonservice.PostRoute]:
        routes: dict[str, jsonservice.PostRoute] = {
            "/share": self.share,
            "/notice": self.notice,
            "/ack": self.ack,
        }
        if self.witness_trust is not None:
            routes["/head"] = self.head
        return routes


class _Handler(jsonservice.JsonHandler):
    server_version = f"ggzy-custodian/{__version__}"
    get_elsewhere = "GET /health, /set, /notice, /time or /closure"
    post_elsewhere = "POST /share, /ack or /notice"
    too_large = "a request is a JSON body of at most 1 MiB"

    def do_GET(self) -> None:  # noqa: N802  (the base class names it)
        """The routes that read their query string; every other GET as `JsonHandler` answers it."""
        path, _, query = self.path.partition("?")
        app = self.server.app
        route = app.query_routes().get(path) if isinstance(app, Custodian) else None
        if route is None:
            super().do_GET()
            return
        self.send_reply(route(query, now=self.server.now(), remote=self.client_address[0]))


class CustodianServer(jsonservice.JsonServer):
    """The HTTP service of `custodian` on (host, port) (port 0: a free one), by `ggzy_sm.jsonservice`.
    `clock` is the custodian's own clock: the system's by default; tests inject theirs."""

    handler = _Handler
    name = "ggzy-custodian"
    owner = "the custodian"

    def __init__(
        self, custodian: Custodian, host: str = "127.0.0.1", port: int = 0, *, clock: Clock = system_clock
    ) -> None:
        self.custodian = custodian
        super().__init__(custodian, host, port, clock=clock)
