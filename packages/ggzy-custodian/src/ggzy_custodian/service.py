"""The custodian service: an independent party's HTTP service that releases its share of a sealed bid's
key only once the bid's deadline has passed, judged by its own clock (docs/sealed-bid-format.md, sealed
bids II; the protocol is `ggzy_sm.custodians`).

Protocol (JSON over HTTP; TLS is terminated in front of it by the custodian's own reverse proxy):

    POST /share   a ggzy-share-request-v1 (custodians.request_make): {format, header, index, nonce, notices}
                  200 -> the signed answer (custodians.answer): {"payload": {…, "share": SM2 to the
                         platform's opening key}, "signature"}
                  4xx -> {"reason", "message", …}: 425 too_early (with "release_at"), 400 malformed
                         (411 without Content-Length, 413 over 1 MiB, 415 not application/json;
                         an empty body is 400),
                         422 for every other refusal (signature, chain, set, not_custodian, binding),
                         404 for another path; 500 {"reason": "internal" | "log"} if something broke
                         (nothing is released then)
    POST /notice  a signed ggzy-deadline-v1 notice, from anyone: remembered (a postponement holds even
                  if the platform later leaves it out of its share requests)
    GET  /set     the signed custodian set this custodian serves, so anyone can compare
    GET  /health  {"ok": true, "index", "fingerprint": the set's SM3, "time": this custodian's clock}

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
deadline notice), never bring it forward. The clock is a constructor parameter of `CustodianServer`
so that tests can inject one; the command line always uses the system clock. A custodian keeps that
clock right the ordinary way: NTP (chrony or systemd-timesyncd) against time sources it trusts itself —
the National Time Service Centre's servers, say, or its own GNSS receiver — with the offset monitored
and an alarm when the machine is unsynchronised; several custodians on independent time sources mean
one wrong clock cannot open a bid early. A signed time-stamp from a time-stamp authority (RFC 3161 /
GM/T 0033) as the time source, logged beside each release, is a documented future option, not
implemented here.

**What it remembers.** Every POST is appended to the state folder's log.jsonl before the answer leaves
(one JSON object a line: time, remote address, index, section, bidder, ciphertext_sm3, nonce, outcome,
reason — never the share), flushed and fsynced; if the line cannot be written the share is not
released. Every valid deadline notice a request carries (signed by the platform's notice key; others
are ignored) is remembered in notices.json — the latest opening time per section — and joins every
later request for that section, so a request that leaves the notice out still cannot get the share
before the postponed opening. Every accepted tree head that is the newest of its epoch is remembered in
heads.json (replaced atomically; re-checked against the trust at start) and every POST /head is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ggzy_custodian import __version__, state
from ggzy_sm import canonical, custodians, jsonservice, witness
from ggzy_sm.custodians import CustodianError, CustodianSet, Trust
from ggzy_sm.errors import CryptoError
from ggzy_sm.files import write_atomic
from ggzy_sm.jsonservice import Clock, Reply, StartupError, system_clock
from ggzy_sm.keys import DecryptionKey, SigningKey
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.witness import WitnessTrust

DEFAULT_PORT = 18490
FIELD_LIMIT = 128  # characters of a logged field (a log line is a record, not a copy of the request)

#: What of a delivered tree head is remembered in heads.json.
HEAD_FIELDS = ("sth", "signature", "key_id", "cosignatures", "epoch_statements")


def status_of(reason: str) -> HTTPStatus:
    if reason == "too_early":
        return HTTPStatus.TOO_EARLY
    if reason == "malformed":
        return HTTPStatus.BAD_REQUEST
    if reason == "not_found":
        return HTTPStatus.NOT_FOUND
    return HTTPStatus.UNPROCESSABLE_ENTITY


def _plain(value: Any) -> Any:
    """A refusal's detail as JSON."""
    if isinstance(value, dt.datetime):
        return canonical.format_instant(value)
    return value if isinstance(value, str | int | bool) or value is None else str(value)


def _field(value: Any) -> str | int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    return str(value)[:FIELD_LIMIT] if isinstance(value, str) else None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a JSON object has the same key twice")
    return dict(pairs)


def parse_json(raw: bytes) -> Any:
    """A request body as JSON, or CustodianError("malformed"). Duplicate keys are refused: a signed
    header must not read one way here and another way elsewhere."""
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as exc:
        raise CustodianError("malformed", f"the body is not JSON: {exc}") from exc


def parse_request(raw: bytes) -> dict[str, Any]:
    """A share request's outer shape (custodians.answer checks the rest): an object whose notices, if
    any, are a list — the custodian adds the notices it remembers to them."""
    request = parse_json(raw)
    if not isinstance(request, dict):
        raise CustodianError("malformed", "a share request is a JSON object")
    if not isinstance(request.get("notices", []), list):
        raise CustodianError("malformed", "the request's notices are not a list")
    return request


class Custodian:
    """Custodian `index` of a verified set, with its own keys: answers share requests and keeps the log
    and the notices in its state folder. Thread-safe."""

    def __init__(
        self,
        *,
        identity: state.Identity,
        signed_set: dict[str, Any],
        cset: CustodianSet,
        index: int,
        signing_key: SigningKey,
        encryption_key: DecryptionKey,
        platform_key: Sm2PublicKey,
        notice_key: Sm2PublicKey | None,
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
        self.platform_key = platform_key
        self.notice_key = notice_key
        self.trust = trust
        self.witness_trust = witness_trust
        self._log = jsonservice.RequestLog(
            self.folder / state.LOG,
            Reply(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"reason": "log", "message": "the custodian cannot write its log: nothing is released"},
            ),
        )
        self._notice_lock = threading.Lock()
        self._head_lock = threading.Lock()
        self.notices = self._load_notices()
        self.heads = self._load_heads()

    @classmethod
    def open(
        cls,
        folder: str | Path,
        passphrase: str | Callable[[], str],
        signed_set: dict[str, Any],
        index: int,
        *,
        platform_key: Sm2PublicKey,
        notice_key: Sm2PublicKey | None,
        trust: Trust,
        demo: bool = False,
        witness_trust: WitnessTrust | None = None,
    ) -> Custodian:
        """The custodian, if the set verifies (every member and the supervising department signed it),
        its custodian `index` is this state folder's own certificates, and it is a demo set exactly
        when `demo` is asked for. StartupError otherwise. The passphrase (or the function that asks
        for it) is used only after every other check has passed."""
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
            platform_key=platform_key,
            notice_key=notice_key,
            trust=trust,
            witness_trust=witness_trust,
        )

    # --- deadline notices ---------------------------------------------------------------------------

    def notice_opening(self, notice: Any) -> tuple[str, dt.datetime] | None:
        """(section, opening time) of a notice the platform's notice key signed; None for any other."""
        if self.notice_key is None or not isinstance(notice, dict):
            return None
        payload = notice.get("payload")
        if not isinstance(payload, dict) or payload.get("format") != custodians.NOTICE_FORMAT:
            return None
        section = payload.get("section")
        try:
            self.notice_key.verify(
                custodians.NOTICE_FORMAT, payload, bytes.fromhex(str(notice.get("signature")))
            )
            opening = dt.datetime.fromisoformat(str(payload["opening_at"]))
        except (CryptoError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(section, str) or opening.tzinfo is None:
            return None
        return section, opening

    def _load_notices(self) -> dict[str, dict[str, Any]]:
        try:
            stored = json.loads((self.folder / state.NOTICES).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StartupError(f"{self.folder / state.NOTICES} cannot be read: {exc}") from exc
        kept = {}
        for section, notice in stored.items() if isinstance(stored, dict) else []:
            valid = self.notice_opening(notice)
            if valid is not None and valid[0] == section:
                kept[section] = notice  # re-checked: a notice key that changed drops its notices
        return kept

    def learn(self, notices: list[Any]) -> None:
        """Remember the valid notices among `notices`: per section, the one with the latest opening."""
        with self._notice_lock:
            changed = False
            for notice in notices:
                valid = self.notice_opening(notice)
                if valid is None:
                    continue
                section, opening = valid
                known = self.notice_opening(self.notices.get(section))
                if known is None or opening > known[1]:
                    self.notices[section] = notice
                    changed = True
            if changed:
                write_atomic(
                    self.folder / state.NOTICES, json.dumps(self.notices, ensure_ascii=False, indent=1)
                )

    # --- the witness log's tree heads ---------------------------------------------------------------

    def head_refusal(self, head: Any) -> tuple[str, list[str]] | None:
        """Why a signed tree head is refused under the pinned witness trust — (reason, problems) with
        reason "malformed", "cosignatures" or "epoch" — or None when it is accepted."""
        trust = self.witness_trust
        if trust is None:
            return "not_found", ["this custodian does not watch the witness log"]
        if not isinstance(head, dict) or not isinstance(head.get("cosignatures", []), list):
            return "malformed", ["a signed tree head is a JSON object whose co-signatures are a list"]
        problems = witness.verify_head(head, trust)
        if problems:
            return "cosignatures", problems
        epoch = int(head["sth"]["epoch"])
        if epoch > 0:
            statements = head.get("epoch_statements", [])
            if not isinstance(statements, list):
                return "malformed", ["the head's epoch statements are not a list"]
            problems, _breaks = witness.verify_epochs(statements, epoch, trust)
            if problems:
                return "epoch", problems
        return None

    def _load_heads(self) -> dict[str, dict[str, Any]]:
        if self.witness_trust is None:
            return {}
        try:
            stored = json.loads((self.folder / state.HEADS).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StartupError(f"{self.folder / state.HEADS} cannot be read: {exc}") from exc
        kept = {}
        for epoch, head in stored.items() if isinstance(stored, dict) else []:
            if self.head_refusal(head) is None and str(head["sth"]["epoch"]) == epoch:
                kept[epoch] = head  # re-checked: a trust that changed drops the heads it no longer accepts
        return kept

    def newest_head(self) -> dict[str, Any] | None:
        """The remembered head of the highest epoch, or None before the first."""
        with self._head_lock:
            return self.heads[max(self.heads, key=int)] if self.heads else None

    def head(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """POST /head: anyone may deliver a signed tree head. One accepted under the pinned witness trust
        is remembered when it is the newest of its epoch; one of the same epoch and size as the
        remembered head but with another root is a fork: refused, and logged as an alarm with both."""
        record = {**self._record(now, remote), "index": "head"}
        record.update(epoch=None, tree_size=None, root_hash=None)
        try:
            head = parse_json(raw)
            refusal = self.head_refusal(head)
        except CustodianError as exc:
            refusal = exc.reason, [str(exc)]
        except Exception as exc:  # noqa: BLE001  (a head nobody foresaw is logged and refused)
            record.update(outcome="error", reason="internal", error=type(exc).__name__)
            message = f"the custodian could not check the head ({type(exc).__name__})"
            return self._logged(
                record, Reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"reason": "internal", "message": message})
            )
        if refusal is not None:
            reason, problems = refusal
            record.update(outcome="refused", reason=reason)
            refused = {"reason": reason, "message": "; ".join(problems), "problems": problems}
            return self._logged(record, Reply(status_of(reason), refused))
        return self._logged(record, self._remember(head, record))

    def _remember(self, head: dict[str, Any], record: dict[str, Any]) -> Reply:
        """An accepted head against the one remembered for its epoch: a fork, or noted (and remembered
        when it is the newest of its epoch). `record` is the log line, completed here."""
        sth = head["sth"]
        kept = {key: head[key] for key in HEAD_FIELDS if key in head}
        record.update(epoch=sth["epoch"], tree_size=sth["tree_size"], root_hash=sth["root_hash"])
        epoch = str(sth["epoch"])
        with self._head_lock:
            known = self.heads.get(epoch)
            if (
                known is not None
                and known["sth"]["tree_size"] == sth["tree_size"]
                and known["sth"]["root_hash"] != sth["root_hash"]
            ):
                record.update(outcome="refused", reason="fork", alarm=True, evidence=[known, kept])
                message = (
                    f"two co-signed heads of epoch {sth['epoch']} with {sth['tree_size']} leaves and"
                    " different roots: the log forked or co-signers equivocated"
                )
                remembered = witness.head_ref(known["sth"])
                return Reply(
                    HTTPStatus.CONFLICT, {"reason": "fork", "message": message, "remembered": remembered}
                )
            if known is None or sth["tree_size"] > known["sth"]["tree_size"]:
                try:
                    write_atomic(
                        self.folder / state.HEADS,
                        json.dumps({**self.heads, epoch: kept}, ensure_ascii=False, indent=1),
                    )
                except OSError as exc:
                    record.update(outcome="error", reason="state", error=type(exc).__name__)
                    message = "the custodian cannot write heads.json: the head is not remembered"
                    return Reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"reason": "state", "message": message})
                self.heads[epoch] = kept
            newest = witness.head_ref(self.heads[epoch]["sth"]) == witness.head_ref(sth)
        record.update(outcome="noted", reason=None)
        return Reply(HTTPStatus.OK, {"ok": True, **witness.head_ref(sth), "newest": newest})

    # --- answering ----------------------------------------------------------------------------------

    def share(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """The reply to a POST /share body, judged at `now` (the custodian's clock); logged first."""
        record = self._record(now, remote)
        try:
            request = parse_request(raw)
            record.update(self._describe(request))
            notices = request.get("notices", [])
            self.learn(notices)
            header = request.get("header")
            section = header.get("section") if isinstance(header, dict) else None
            remembered = self.notices.get(section) if isinstance(section, str) else None
            merged = {**request, "notices": [*notices, *([remembered] if remembered else [])]}
            answer = custodians.answer(
                merged,
                cset=self.cset,
                index=self.index,
                encryption_key=self.encryption_key,
                signing_key=self.signing_key,
                platform_key=self.platform_key,
                notice_key=self.notice_key,
                trust=self.trust,
                now=now,
            )
        except CustodianError as exc:
            detail = {key: _plain(value) for key, value in exc.detail.items()}
            record.update(outcome="refused", reason=exc.reason)
            if "release_at" in detail:
                record["release_at"] = detail["release_at"]
            reply = Reply(status_of(exc.reason), {**detail, "reason": exc.reason, "message": str(exc)})
        except Exception as exc:  # noqa: BLE001  (a refusal nobody foresaw is logged, and nothing released)
            record.update(outcome="error", reason="internal", error=type(exc).__name__)
            reply = Reply(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"reason": "internal", "message": f"the custodian could not answer ({type(exc).__name__})"},
            )
        else:
            record.update(outcome="released", reason=None)
            reply = Reply(HTTPStatus.OK, answer)
        return self._logged(record, reply)

    def notice(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """POST /notice: anyone (the platform at once, the supervising department, a bidder) may deliver
        a signed deadline notice; a valid one is remembered, so an operator who withholds a postponement
        from its share requests still cannot collect shares before the postponed opening."""
        record = {**self._record(now, remote), "index": "notice"}
        try:
            notice = parse_json(raw)
        except CustodianError as exc:
            record.update(outcome="refused", reason=exc.reason)
            return self._logged(
                record, Reply(HTTPStatus.BAD_REQUEST, {"reason": exc.reason, "message": str(exc)})
            )
        valid = self.notice_opening(notice)
        if valid is None:
            record.update(outcome="refused", reason="signature")
            message = "not a ggzy-deadline-v1 notice signed by the platform's notice key"
            return self._logged(
                record, Reply(HTTPStatus.UNPROCESSABLE_ENTITY, {"reason": "signature", "message": message})
            )
        self.learn([notice])
        section, opening = valid
        known = self.notice_opening(self.notices.get(section))
        record.update(outcome="noted", reason=None, section=section)
        body = {
            "ok": True,
            "section": section,
            "opening_at": canonical.format_instant(known[1] if known else opening),
        }
        return self._logged(record, Reply(HTTPStatus.OK, body))

    def refused(self, reply: Reply, *, now: dt.datetime, remote: str) -> Reply:
        """A POST refused before its body is read (path, length, media type): logged all the same."""
        record = {**self._record(now, remote), "outcome": "refused", "reason": reply.body["reason"]}
        return self._logged(record, reply)

    def _record(self, now: dt.datetime, remote: str) -> dict[str, Any]:
        return {
            "time": canonical.format_instant(now),
            "remote": remote,
            "custodian": self.index,
            "index": None,
            "section": None,
            "bidder": None,
            "ciphertext_sm3": None,
            "nonce": None,
        }

    @staticmethod
    def _describe(request: dict[str, Any]) -> dict[str, Any]:
        header = request.get("header")
        header = header if isinstance(header, dict) else {}
        return {
            "index": _field(request.get("index")),
            "section": _field(header.get("section")),
            "bidder": _field(header.get("bidder")),
            "ciphertext_sm3": _field(header.get("ciphertext_sm3")),
            "nonce": _field(request.get("nonce")),
        }

    def _logged(self, record: dict[str, Any], reply: Reply) -> Reply:
        """Append `record` to log.jsonl (flushed, fsynced) and return `reply` — or, if the log cannot
        be written, a 500 instead: a share is never released unlogged."""
        return self._log.logged(record, reply)

    def health(self, now: dt.datetime) -> dict[str, Any]:
        return {
            "ok": True,
            "index": self.index,
            "fingerprint": self.cset.fingerprint,
            "time": canonical.format_instant(now),
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

    def post_routes(self) -> dict[str, jsonservice.PostRoute]:
        routes: dict[str, jsonservice.PostRoute] = {"/share": self.share, "/notice": self.notice}
        if self.witness_trust is not None:
            routes["/head"] = self.head
        return routes

    def _get_head(self, now: dt.datetime) -> Reply:
        head = self.newest_head()
        return jsonservice.not_found("no co-signed head yet") if head is None else Reply(HTTPStatus.OK, head)


class _Handler(jsonservice.JsonHandler):
    server_version = f"ggzy-custodian/{__version__}"
    get_elsewhere = "GET /health, GET /set or POST /share"
    post_elsewhere = "POST /share, POST /notice, GET /health or GET /set"
    too_large = "a share request is a JSON body of at most 1 MiB"


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
