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
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs

from ggzy_custodian import __version__, state
from ggzy_sm import canonical, custodians, jsonservice, strict, witness
from ggzy_sm.custodians import CustodianError, SignedCustodianSet, Trust
from ggzy_sm.jsonservice import Clock, Reply, StartupError, system_clock
from ggzy_sm.keys import DecryptionKey, SigningKey
from ggzy_sm.witness import WitnessTrust

DEFAULT_PORT = 18490
FIELD_LIMIT = 128  # characters of a logged field (a log line is a record, not a copy of the request)
UNVERIFIED_LOGGED = 60  # notices that are not valid, logged one by one, from one address in a window
UNVERIFIED_WINDOW = dt.timedelta(minutes=1)

#: What of a delivered tree head is remembered in heads.json.
HEAD_FIELDS = ("sth", "signature", "key_id", "cosignatures", "epoch_statements")

_STATUS = {
    "too_early": HTTPStatus.TOO_EARLY,
    "malformed": HTTPStatus.BAD_REQUEST,
    "not_found": HTTPStatus.NOT_FOUND,
    "late": HTTPStatus.CONFLICT,
    "not_acknowledged": HTTPStatus.CONFLICT,
    "full": HTTPStatus.CONFLICT,
}


def status_of(reason: str) -> HTTPStatus:
    """The status of a refusal: 425 too_early, 400 malformed, 404 not_found, 409 late and
    not_acknowledged, 422 every other (POST /ack answers malformed with 422: its own rule, §9)."""
    return _STATUS.get(reason, HTTPStatus.UNPROCESSABLE_ENTITY)


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


def _refusal(exc: CustodianError, status: HTTPStatus | None = None) -> Reply:
    detail = {key: _plain(value) for key, value in exc.detail.items()}
    return Reply(status or status_of(exc.reason), {**detail, "reason": exc.reason, "message": str(exc)})


def _internal(what: str, exc: BaseException) -> Reply:
    return Reply(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        {"reason": "internal", "message": f"the custodian could not {what} ({type(exc).__name__})"},
    )


def _state_failure(what: str) -> Reply:
    return Reply(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        {"reason": "state", "message": f"the custodian cannot write its state: {what}"},
    )


def parse_json(raw: bytes) -> Any:
    """A request body as JSON, or CustodianError("malformed"). As the format reads JSON (ggzy_sm.strict):
    UTF-8, no key twice (a signed header must not read one way here and another way elsewhere), no
    float, no NaN or Infinity."""
    try:
        return strict.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise CustodianError("malformed", f"the body is not JSON as the format allows it: {exc}") from exc


def parse_request(raw: bytes) -> dict[str, Any]:
    """A share request's outer shape (custodians.answer checks the rest): an object whose notices, if
    any, are a list — the custodian learns the valid ones."""
    request = parse_json(raw)
    if not isinstance(request, dict):
        raise CustodianError("malformed", "a share request is a JSON object")
    if not isinstance(request.get("notices", []), list):
        raise CustodianError("malformed", "the request's notices are not a list")
    return request


def query_value(query: str, name: str) -> str:
    """The one value of `name` in a query string; CustodianError("malformed") when it is missing, given
    twice, or the query is not one."""
    try:
        values = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query), max_num_fields=8)
    except ValueError as exc:
        raise CustodianError("malformed", f"the query is not one: {exc}") from exc
    found = values.get(name, [])
    if len(found) != 1:
        raise CustodianError("malformed", f"give ?{name}= once")
    return found[0]


def _section(query: str) -> str:
    section = query_value(query, "section")
    if not strict.SECTION.fullmatch(section):
        raise CustodianError("malformed", "a section code is a capital letter and 22 digits")
    return section


class UnverifiedNotices:
    """The notices delivered to POST /notice that are not valid for the set: counted (all of them, since
    the service started) and rate-limited in the log — from one remote address, the first
    `per_window` in a window of `window` are logged one by one, the rest only counted, and when the
    window has ended one line says how many were not logged. Thread-safe."""

    def __init__(self, per_window: int = UNVERIFIED_LOGGED, window: dt.timedelta = UNVERIFIED_WINDOW) -> None:
        self.per_window = per_window
        self.window = window
        self.count = 0
        self.last_at: dt.datetime | None = None
        self._windows: dict[str, list[Any]] = {}  # remote -> [start, logged, not logged]
        self._ended: list[tuple[str, dt.datetime, int]] = []
        self._lock = threading.Lock()

    def note(self, remote: str, now: dt.datetime) -> bool:
        """Count one from `remote` at `now`: True when it is to be logged one by one. Call `ended`
        first, so that a window that has ended is reported before a new one begins."""
        with self._lock:
            self.count += 1
            self.last_at = now if self.last_at is None else max(self.last_at, now)
            current = self._windows.get(remote)
            if current is None or now - current[0] >= self.window:
                if current is not None and current[2]:  # ended unreported (another thread's clock)
                    self._ended.append((remote, current[0], current[2]))
                current = self._windows[remote] = [now, 0, 0]
            if current[1] < self.per_window:
                current[1] += 1
                return True
            current[2] += 1
            return False

    def ended(self, now: dt.datetime | None = None) -> list[tuple[str, dt.datetime, int]]:
        """The windows that have ended by `now` (all of them when None: the service stops), forgotten:
        (remote, start, how many were not logged) for those where some were not."""
        with self._lock:
            out, self._ended = self._ended, []
            for remote, (start, _logged, dropped) in list(self._windows.items()):
                if now is None or now - start >= self.window:
                    del self._windows[remote]
                    if dropped:
                        out.append((remote, start, dropped))
        return out


class QueryRoute(Protocol):
    def __call__(self, query: str, *, now: dt.datetime, remote: str) -> Reply: ...


class Custodian:
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

    # --- deadline notices (§6.1, §6.2) -----------------------------------------------------------------

    def _kept(self, candidates: Iterable[Any], section: str) -> list[dict[str, Any]]:
        """Of `candidates`, the valid notices for `section` worth keeping: the one with the latest
        opening time (custodians.latest_notice: what GET /notice serves, what postpones a release) and,
        if another announced a later deadline, the one with the latest deadline (the closing time).
        The earlier candidate wins a tie, so what is held is not replaced by an equal one."""
        listed = list(candidates)
        latest = custodians.latest_notice(listed, self.cset, section)
        if latest is None:
            return []
        by_deadline: tuple[Any, Any] | None = None
        for notice in listed:
            read = custodians.notice_read(notice, self.cset)
            if read is None or read.section != section:
                continue
            rank = (read.deadline, read.issued_at)
            if by_deadline is None or rank > by_deadline[0]:
                by_deadline = (rank, notice)
        kept = [latest]
        if by_deadline is not None and by_deadline[1] is not latest:
            mine = custodians.notice_read(latest, self.cset)
            if mine is not None and by_deadline[0][0] > mine.deadline:
                kept.append(by_deadline[1])
        return kept

    def _load_notices(self) -> dict[str, list[dict[str, Any]]]:
        try:
            stored = json.loads((self.folder / state.NOTICES).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StartupError(f"{self.folder / state.NOTICES} cannot be read: {exc}") from exc
        kept = {}
        for section, held in stored.items() if isinstance(stored, dict) else []:
            listed = held if isinstance(held, list) else [held]  # v1 kept one notice a section
            mine = self._kept(listed, section)  # re-checked: another set drops its notices
            if mine:
                kept[section] = mine
        return kept

    def held(self, section: Any) -> list[dict[str, Any]]:
        """The valid notices held for `section` (at most two)."""
        with self._notice_lock:
            return list(self.notices.get(section, [])) if isinstance(section, str) else []

    def learn(self, notices: Iterable[Any]) -> None:
        """Remember the notices among `notices` that are valid for the set (the others are ignored),
        written durably when what is held changes. OSError if notices.json cannot be written: then
        nothing new is held."""
        unique: dict[bytes, Any] = {}
        for notice in notices:  # a notice sent many times is judged once, not many times
            try:
                unique.setdefault(canonical.dumps(notice), notice)
            except (ValueError, RecursionError):  # off the canonical profile: not a valid notice
                continue
        valid = [n for n in unique.values() if custodians.notice_valid(n, self.cset)]
        if not valid:
            return
        with self._notice_lock:
            changed = dict(self.notices)
            for section in {n["payload"]["section"] for n in valid}:
                held = self.notices.get(section, [])
                mine = self._kept([*held, *(n for n in valid if n["payload"]["section"] == section)], section)
                if canonical.dumps(mine) != canonical.dumps(held):
                    changed[section] = mine
            if changed != self.notices:
                state.write_durable(
                    self.folder / state.NOTICES, json.dumps(changed, ensure_ascii=False, indent=1)
                )
                self.notices = changed

    def latest(self, section: str) -> dict[str, Any] | None:
        return custodians.latest_notice(self.held(section), self.cset, section)

    def closing_time(self, section: str) -> dt.datetime | None:
        """The section's closing time (§6.2): the latest deadline of the valid notices held; None while
        none is held (nothing can have been acknowledged then)."""
        held = self.held(section)
        deadlines = [r.deadline for n in held if (r := custodians.notice_read(n, self.cset)) is not None]
        return custodians.closing_at(deadlines[0], section, held, self.cset) if deadlines else None

    # --- acknowledgements and closures (§8) ------------------------------------------------------------

    def _load_closures(self) -> dict[str, dict[str, Any]]:
        """The closures this custodian made for its set, as made (each checked: its own, for this set
        and the section its file names); StartupError for one that is not — a closure is never made
        twice, so one that cannot be served stops the service rather than be replaced."""
        folder = self.folder / state.CLOSURES / self.cset.fingerprint
        if not folder.is_dir():
            return {}
        out = {}
        for path in sorted(folder.glob("*.json")):
            try:
                closure = json.loads(path.read_text(encoding="utf-8"))
                payload = custodians.closure_verify(closure, self.cset)
            except (OSError, ValueError, CustodianError) as exc:
                raise StartupError(f"{path}: the closure cannot be served as made ({exc})") from exc
            if payload["custodian"] != self.index or f"{payload['section']}.json" != path.name:
                raise StartupError(f"{path} is not this custodian's closure of {path.stem}")
            out[payload["section"]] = closure
        return out

    def closure_for(self, section: str, now: dt.datetime, remote: str) -> dict[str, Any] | None:
        """This custodian's closure of `section`: the one made, or — from the section's closing time on
        by `now`, its own clock — made now, once, from its acknowledgement log, stored durably before it
        is used and logged; None before the closing time. OSError if it cannot be stored (then none is
        made)."""
        with self._ack_lock:
            made = self.closures.get(section)
            if made is not None:
                return made
            closing = self.closing_time(section)
            if closing is None or now < closing:
                return None
            fingerprint = self.cset.fingerprint
            closure = custodians.closure_make(
                key=self.signing_key,
                set_fingerprint=fingerprint,
                section=section,
                closing_at=closing,
                ciphertexts=state.read_acks(state.acks_path(self.folder, fingerprint, section)),
                index=self.index,
                now=now,
            )
            state.write_durable(
                state.closure_path(self.folder, fingerprint, section),
                json.dumps(closure, ensure_ascii=False, indent=1),
            )
            self.closures[section] = closure
        record = {**self._record(now, remote), "index": "closure", "section": section}
        record.update(
            outcome="closed",
            reason=None,
            closing_at=closure["payload"]["closing_at"],
            ciphertexts=len(closure["payload"]["ciphertexts"]),
        )
        self._logged(record, Reply(HTTPStatus.OK, {}))
        return closure

    def _acked_in(self, section: str) -> set[str]:
        """The distinct ciphertext hashes acknowledged for `section` (under the acknowledgement lock)."""
        if section not in self._acked:
            path = state.acks_path(self.folder, self.cset.fingerprint, section)
            self._acked[section] = set(state.read_acks(path))
        return self._acked[section]

    def close_first(self, section: Any, now: dt.datetime, remote: str) -> None:
        """Before a notice sent with a request (or alone) is learnt: if the section's closing time by the
        notices already held has passed on this custodian's clock, its closure is made now — so a
        postponement signed or delivered after the deadline cannot reopen the section for a late
        acknowledgement. OSError if the closure cannot be stored (then nothing is learnt either)."""
        if isinstance(section, str) and strict.SECTION.fullmatch(section):
            self.closure_for(section, now, remote)

    def ack(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """POST /ack: the acknowledgement of a ciphertext before the section's closing time, by this
        custodian's clock (custodians.ack_answer, with the notices it holds — past the closing time they
        set, the section is closed first; then the valid ones sent are learnt). The hash is appended and
        fsynced to the section's acknowledgement log before the answer leaves; nothing is acknowledged
        once the section's closure is made."""
        record = {**self._record(now, remote), "index": "ack"}
        try:
            request = parse_json(raw)
            if isinstance(request, dict):
                record.update(
                    section=_field(request.get("section")),
                    ciphertext_sm3=_field(request.get("ciphertext_sm3")),
                )
            section = request.get("section") if isinstance(request, dict) else None
            if isinstance(request, dict):
                self.close_first(section, now, remote)  # by the notices held before any sent now
                sent = request.get("notices")
                self.learn(sent if isinstance(sent, list) else [])
            with self._ack_lock:
                acknowledged = custodians.ack_answer(
                    request,
                    self.cset,
                    self.index,
                    self.signing_key,
                    self.held(section),
                    now,
                    closed=isinstance(section, str) and section in self.closures,
                )
                payload = acknowledged["payload"]
                try:
                    acked = self._acked_in(payload["section"])
                    if payload["ciphertext_sm3"] not in acked and len(acked) >= custodians.MAX_CIPHERTEXTS:
                        raise CustodianError(
                            "full",
                            f"this custodian has acknowledged {custodians.MAX_CIPHERTEXTS} ciphertexts for "
                            "the section, as many as a closure lists: it acknowledges no more",
                        )
                    state.append_line(
                        state.acks_path(self.folder, self.cset.fingerprint, payload["section"]),
                        {
                            "ciphertext_sm3": payload["ciphertext_sm3"],
                            "acknowledged_at": payload["acknowledged_at"],
                        },
                    )
                    acked.add(payload["ciphertext_sm3"])
                except OSError as exc:
                    record.update(outcome="error", reason="log", error=type(exc).__name__)
                    message = "the custodian cannot write its acknowledgement log: nothing is acknowledged"
                    return self._logged(
                        record, Reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"reason": "log", "message": message})
                    )
        except CustodianError as exc:
            record.update(outcome="refused", reason=exc.reason)
            if "closing_at" in exc.detail:
                record["closing_at"] = _plain(exc.detail["closing_at"])
            status = HTTPStatus.UNPROCESSABLE_ENTITY if exc.reason == "malformed" else None
            return self._logged(record, _refusal(exc, status))
        except OSError as exc:  # notices.json: a notice sent could not be remembered
            record.update(outcome="error", reason="state", error=type(exc).__name__)
            return self._logged(record, _state_failure("the notices sent are not remembered"))
        except Exception as exc:  # noqa: BLE001  (a refusal nobody foresaw is logged, nothing acknowledged)
            record.update(outcome="error", reason="internal", error=type(exc).__name__)
            return self._logged(record, _internal("acknowledge", exc))
        record.update(outcome="acknowledged", reason=None)
        return self._logged(record, Reply(HTTPStatus.OK, acknowledged))

    def get_closure(self, query: str, *, now: dt.datetime, remote: str) -> Reply:
        """GET /closure?section=S: the closure, made on the first request from the closing time on."""
        try:
            section = _section(query)
            closure = self.closure_for(section, now, remote)
        except CustodianError as exc:
            return _refusal(exc)
        except OSError:
            return _state_failure("the closure is not made (it could not be stored)")
        except Exception as exc:  # noqa: BLE001
            return _internal("make the closure", exc)
        if closure is not None:
            return Reply(HTTPStatus.OK, closure)
        closing = self.closing_time(section)
        if closing is None:
            message = (
                "no valid notice of this section has reached this custodian: its closing time is unknown"
            )
            return Reply(HTTPStatus.TOO_EARLY, {"reason": "too_early", "message": message})
        at = canonical.format_instant(closing)
        return Reply(
            HTTPStatus.TOO_EARLY,
            {"reason": "too_early", "message": f"the section closes at {at}", "closing_at": at},
        )

    # --- time (§6.4) ----------------------------------------------------------------------------------

    def time(self, query: str, *, now: dt.datetime, remote: str) -> Reply:
        """GET /time?nonce=N: this custodian's signed statement of its clock's time, for N."""
        try:
            return Reply(
                HTTPStatus.OK,
                custodians.time_statement(self.signing_key, self.index, query_value(query, "nonce"), now),
            )
        except CustodianError as exc:
            return _refusal(exc)

    def get_notice(self, query: str, *, now: dt.datetime, remote: str) -> Reply:
        """GET /notice?section=S: the latest valid notice held for S."""
        try:
            section = _section(query)
        except CustodianError as exc:
            return _refusal(exc)
        latest = self.latest(section)
        if latest is None:
            return jsonservice.not_found("no valid notice of this section has reached this custodian")
        return Reply(HTTPStatus.OK, latest)

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
                    state.write_durable(
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
                record["release_at"] = _plain(exc.detail["release_at"])
            reply = _refusal(exc)
        except OSError as exc:  # notices.json or a closure could not be written: nothing is released
            record.update(outcome="error", reason="state", error=type(exc).__name__)
            reply = _state_failure("nothing is released")
        except Exception as exc:  # noqa: BLE001  (a refusal nobody foresaw is logged, and nothing released)
            record.update(outcome="error", reason="internal", error=type(exc).__name__)
            reply = _internal("answer", exc)
        else:
            record.update(outcome="released", reason=None)
            reply = Reply(HTTPStatus.OK, answer)
        return self._logged(record, reply)

    def notice(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """POST /notice: anyone (the platform at once, the supervising department, a bidder) may deliver
        a signed deadline notice. A valid one is remembered, so an operator who withholds a postponement
        from its share requests still cannot collect shares before the postponed opening. One that is
        not valid (or not JSON) is ignored — it never changes a release or closing time — counted, and
        logged within the rate limit."""
        self._report_dropped(now)
        record = {**self._record(now, remote), "index": "notice"}
        try:
            notice = parse_json(raw)
        except CustodianError as exc:
            return self._unverified(record, remote, now, _refusal(exc))
        read = custodians.notice_read(notice, self.cset)
        if read is None:
            payload = notice.get("payload") if isinstance(notice, dict) else None
            if isinstance(payload, dict):
                record["section"] = _field(payload.get("section"))
            ignored = Reply(HTTPStatus.ACCEPTED, {"ok": False, "reason": "unverified"})
            return self._unverified(record, remote, now, ignored)
        record["section"] = read.section
        try:
            self.close_first(read.section, now, remote)
            self.learn([notice])
        except OSError as exc:
            record.update(outcome="error", reason="state", error=type(exc).__name__)
            return self._logged(record, _state_failure("the notice is not remembered"))
        latest = custodians.notice_read(self.latest(read.section), self.cset)
        record.update(outcome="noted", reason=None)
        body = {
            "ok": True,
            "section": read.section,
            "opening_at": canonical.format_instant(latest.opening_at if latest else read.opening_at),
        }
        return self._logged(record, Reply(HTTPStatus.OK, body))

    def _unverified(self, record: dict[str, Any], remote: str, now: dt.datetime, reply: Reply) -> Reply:
        """A notice that is not valid: counted; logged unless its address is over the rate limit."""
        if not self.unverified.note(remote, now):
            return reply
        record.update(outcome="ignored", reason=str(reply.body["reason"]))
        return self._logged(record, reply)

    def _report_dropped(self, now: dt.datetime | None) -> None:
        """One log line for each address whose window has ended with notices that were not logged."""
        for remote, since, dropped in self.unverified.ended(now):
            record = {**self._record(now or since + self.unverified.window, remote), "index": "notice"}
            record.update(
                outcome="not_logged",
                reason="unverified",
                count=dropped,
                since=canonical.format_instant(since),
                message=(
                    f"{dropped} more notices that are not valid came from {remote} within a minute of"
                    f" {canonical.format_instant(since)}: counted, not logged one by one"
                ),
            )
            self._logged(record, Reply(HTTPStatus.ACCEPTED, {}))

    def close(self) -> None:
        """The service stops: say how many notices were not logged, whatever their windows."""
        self._report_dropped(None)

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

    def _get_head(self, now: dt.datetime) -> Reply:
        head = self.newest_head()
        return jsonservice.not_found("no co-signed head yet") if head is None else Reply(HTTPStatus.OK, head)


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
