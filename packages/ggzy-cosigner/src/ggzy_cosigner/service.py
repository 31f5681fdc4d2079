"""The co-signer service: another party's HTTP service that co-signs the platform's witness-log tree
heads, each only if it extends the last head it co-signed (docs/witness-cosigner.md §3; the formats
are `ggzy_sm.witness`).

**Who runs it.** Not the platform: an independent party (another department, a notary office, an
auditor) on its own machine, with its own key (`ggzy-cosigner init`, escrowed nowhere) and its own
state folder (`ggzy_cosigner.state`). Verifiers pin several co-signers' keys and accept a head only
with k of their co-signatures, so the platform cannot show different histories to different people
without k co-signers signing both.

Protocol (JSON over HTTP; TLS is terminated in front of it by the co-signer's own reverse proxy):

    POST /cosign  {"head": {"sth", "signature", …}, "consistency_path": [hex…],
                   "previous": this co-signer's newest co-signature the caller holds, or null,
                   "epoch_statement": the supervising department's signed statement, or null}
                  200 -> the co-signature (`witness.cosignature_make`): {"cosigner_key", "body":
                         {"format", "sth", "previous": our last co-signed head's ref, "cosigned_at":
                         our clock}, "signature"}; the same head again gets the same co-signature
                  422 -> {"reason", "message"}: malformed, operator_signature, clock, time_backwards,
                         state_rollback, rollback, fork, epoch — checked in that order (below)
                  400 malformed when the body is not JSON (or repeats a key), 411 without
                  Content-Length, 413 over 1 MiB, 415 not application/json, 404 another path;
                  500 {"reason": "log" | "internal"} if something broke: nothing is signed then
    GET  /head    the latest co-signature given (404 before the first)
    GET  /health  {"ok": false while stopped by state_rollback, "key", "time": this co-signer's clock,
                   "tree_size", "epoch": of the last co-signed head (null before the first)}

The checks, in order: the head's form (`witness.sth_check`); the platform's signature with a pinned
operator key; its timestamp within the tolerance (120 s unless `init --tolerance`) of this co-signer's
clock (`clock`), and not earlier than the last co-signed head's (`time_backwards`); `state_rollback`
(below); then, in the same epoch: fewer leaves is a `rollback`, as many leaves needs the same root
(the very same head gets its co-signature again; the same tree with a later timestamp is co-signed
anew) else `fork`, more leaves needs a consistency proof from the last co-signed head (`fork`); a
later epoch needs the supervising department's statement naming our epoch, our last co-signed head
exactly and the offered head as its first (`epoch`); an earlier one is a `rollback`. A co-signer that
has co-signed nothing accepts any well-formed head of epoch 0 (trust on first use: its operator can
instead give it a known head with `init --start`).

**Whose clock.** `datetime.now(UTC)` of the machine it runs on, kept by NTP against time sources its
operator trusts — not the platform's: a head far from this clock (a replayed old head, a head dated
ahead) is refused, and `cosigned_at` is this clock's reading. `CosignerServer` takes the clock as a
parameter so that tests can inject one; the command line always uses the system clock.

**What it remembers.** heads.jsonl: every co-signature it gave, one line each, chained by SM3 and
appended, flushed and fsynced before the answer leaves — if the line cannot be written, nothing is
signed (500 "log"). The whole chain is re-checked at every start, and a break refuses to start,
naming the line. requests.jsonl: one line per POST (time, remote address, outcome, reason, tree_size,
epoch, status), fsynced.

**A rollback of its own state.** A chain check cannot see heads.jsonl restored whole from an older
backup: the co-signer would then co-sign again from an old head and, without knowing, sign two
histories. So every request carries the newest co-signature of ours the caller holds (`previous`; the
platform also records each co-signature in the log itself). If it verifies with our key and it, or
the head it names as its own previous, is newer than our last line, our state was rolled back: we
refuse with `state_rollback`, write rollback.json and co-sign nothing — across restarts — until our
operator runs `ggzy-cosigner resync --state DIR --cosignature FILE`, which checks our own signature
on the newer co-signature and adopts it as our last line. A caller that hides a newer co-signature
gains nothing: verifiers pin k of n co-signers, and two co-signatures of ours naming the same
`previous` convict us.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ggzy_cosigner import __version__, state
from ggzy_sm import canonical, jsonservice, witness
from ggzy_sm.jsonservice import Clock, Reply, StartupError, system_clock
from ggzy_sm.keys import SigningKey
from ggzy_sm.witness import WitnessError

DEFAULT_PORT = 18500
MAX_PATH = 128  # hashes in a consistency proof (a tree of 2^53 leaves needs fewer than 110)
REQUEST_KEYS = frozenset({"head", "consistency_path", "previous", "epoch_statement"})
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _refused(reason: str, message: str) -> WitnessError:
    return WitnessError(reason, message)


def _log_failure(message: str) -> Reply:
    return Reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"reason": "log", "message": message})


def parse_request(request: Any) -> tuple[dict[str, Any], list[bytes], Any, Any]:
    """(head, consistency path, previous, epoch statement) of a POST /cosign body, or
    WitnessError("malformed"): the head's form is checked here, everything else later."""
    if not isinstance(request, dict):
        raise _refused("malformed", "a co-signing request is a JSON object")
    if "head" not in request or set(request) - REQUEST_KEYS:
        raise _refused("malformed", f"a co-signing request has the fields {sorted(REQUEST_KEYS)}")
    head = request["head"]
    if not isinstance(head, dict) or not isinstance(head.get("signature"), str):
        raise _refused("malformed", "the head is a signed tree head {sth, signature, …}")
    witness.sth_check(head.get("sth"))
    path_hex = request.get("consistency_path", [])
    if (
        not isinstance(path_hex, list)
        or len(path_hex) > MAX_PATH
        or not all(isinstance(p, str) and _HEX64.fullmatch(p) for p in path_hex)
    ):
        raise _refused("malformed", "the consistency path is a list of hashes (64 lower-case hex digits)")
    previous, statement = request.get("previous"), request.get("epoch_statement")
    if previous is not None and not isinstance(previous, dict):
        raise _refused("malformed", "previous is a co-signature or null")
    if statement is not None and not isinstance(statement, dict):
        raise _refused("malformed", "epoch_statement is a signed statement or null")
    return head, [bytes.fromhex(p) for p in path_hex], previous, statement


class Cosigner:
    """A co-signer with its key and its checked chain: answers co-signing requests and keeps
    heads.jsonl and requests.jsonl in its state folder. Thread-safe: one lock around check and
    append."""

    def __init__(
        self,
        *,
        config: state.Config,
        key: SigningKey,
        chain: state.Chain,
        lock: state.Lock | None = None,
    ) -> None:
        if key.public_key != config.key:
            raise StartupError("the signing key is not the key state.json names")
        self.config = config
        self.folder = config.folder
        self.key = key
        self.chain = chain
        self.stopped = state.rollback_evidence(self.folder)  # state_rollback: co-sign nothing
        self.damaged = False  # heads.jsonl may end in half a line: co-sign nothing until a restart
        self._lock = threading.Lock()
        self._requests = jsonservice.RequestLog(
            self.folder / state.REQUESTS,
            Reply(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"reason": "log", "message": "the co-signer cannot write its request log"},
            ),
        )
        self._folder_lock = lock

    @classmethod
    def open(cls, folder: str | Path, passphrase: str | Callable[[], str]) -> Cosigner:
        """The co-signer of `folder`, if its chain checks out whole; StartupError otherwise (a broken
        line is named). Locks the folder until `close()`. The passphrase (or the function that asks
        for it) is used only after the chain has been checked."""
        try:
            config = state.load_config(folder)
            lock = state.Lock(config.folder)
        except state.StateError as exc:
            raise StartupError(str(exc)) from exc
        try:
            chain = state.load_chain(config)
            key = state.load_key(config, passphrase() if callable(passphrase) else passphrase)
            return cls(config=config, key=key, chain=chain, lock=lock)
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

    # --- answering ----------------------------------------------------------------------------------

    def cosign(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """The reply to a POST /cosign body at `now` (the co-signer's clock); logged."""
        record = self._record(now, remote)
        try:
            request = state.parse_json(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            record.update(outcome="refused", reason="malformed")
            reply = Reply(
                HTTPStatus.BAD_REQUEST, {"reason": "malformed", "message": f"the body is not JSON: {exc}"}
            )
            return self._logged(record, reply)
        try:
            with self._lock:
                reply = self._answer(request, now, remote, record)
        except WitnessError as exc:
            record.update(outcome="refused", reason=exc.reason)
            reply = Reply(HTTPStatus.UNPROCESSABLE_ENTITY, {"reason": exc.reason, "message": str(exc)})
        except Exception as exc:  # noqa: BLE001  (a failure nobody foresaw is logged, and nothing signed)
            record.update(outcome="error", reason="internal", error=type(exc).__name__)
            reply = Reply(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"reason": "internal", "message": f"the co-signer could not answer ({type(exc).__name__})"},
            )
        return self._logged(record, reply)

    def _answer(self, request: Any, now: dt.datetime, remote: str, record: dict[str, Any]) -> Reply:
        if self.damaged:
            record.update(outcome="error", reason="log")
            return _log_failure("heads.jsonl may end in half a line: restart the co-signer (it checks it)")
        head, path, previous, statement = parse_request(request)
        sth = head["sth"]
        record.update(tree_size=sth["tree_size"], epoch=sth["epoch"])
        witness.operator_signature_check(head, self.config.operator_keys)
        timestamp, last = witness.parse_instant(sth["timestamp"]), self.chain.last
        off = (timestamp - now).total_seconds()
        if abs(off) > self.config.tolerance:
            side = "ahead of" if off > 0 else "behind"
            raise _refused(
                "clock",
                f"the head is dated {sth['timestamp']}, {abs(off):.0f} s {side}"
                f" this co-signer's clock ({canonical.format_instant(now)}; tolerance"
                f" {self.config.tolerance} s)",
            )
        if last is not None and timestamp < witness.parse_instant(last.sth["timestamp"]):
            raise _refused(
                "time_backwards",
                f"the head is dated {sth['timestamp']}, before the last co-signed head"
                f" ({last.sth['timestamp']})",
            )
        self._rollback_check(previous, now, remote)
        if last is not None and sth == last.sth:  # the same head again: the same answer, no new line
            record.update(outcome="repeat", reason=None, seq=last.seq)
            return Reply(HTTPStatus.OK, last.cosignature)
        found = state.refusal(
            last, sth, statement=statement, path=path, supervisor_keys=self.config.supervisor_keys
        )
        if found is not None:
            raise _refused(*found)
        changes_epoch = last is not None and sth["epoch"] > last.sth["epoch"]
        cosignature = witness.cosignature_make(self.key, sth, None if last is None else last.ref, now)
        line = state.make_line(last, cosignature, statement if changes_epoch else None)
        problem = state.successor_problem(last, line, self.config)
        if problem is not None:  # never: the checks above are stricter; but never write a broken chain
            raise RuntimeError(f"the new line would break the chain: {problem}")
        try:
            state.append_line(self.folder, line)
        except OSError as exc:
            self.damaged = isinstance(exc, state.HeadsDamagedError)
            record.update(outcome="error", reason="log")
            return _log_failure("the co-signer cannot write heads.jsonl: nothing is signed")
        self.chain.last = line
        record.update(outcome="cosigned", reason=None, seq=line.seq)
        return Reply(HTTPStatus.OK, cosignature)

    def _rollback_check(self, previous: Any, now: dt.datetime, remote: str) -> None:
        """Refuse with state_rollback while stopped, or when `previous` is a co-signature of ours
        newer than our last line (it, or the head it names as its previous): our state was rolled
        back. A `previous` that is not ours or does not verify proves nothing and is ignored."""
        if self.stopped is not None:
            raise _refused(
                "state_rollback",
                "this co-signer's state was rolled back (a newer co-signature of its own was shown to it"
                f" {self.stopped.get('detected_at', '')}): it co-signs nothing until its operator runs"
                " `ggzy-cosigner resync`",
            )
        if previous is None:
            return
        try:
            body = witness.cosignature_check(previous, self.config.key)
        except WitnessError:
            return
        last = self.chain.last
        if not (state.newer(body["sth"], last) or (body["previous"] and state.newer(body["previous"], last))):
            return
        self.stopped = {
            "detected_at": canonical.format_instant(now),
            "remote": remote,
            "cosignature": previous,
            "last_line": None if last is None else last.seq,
        }
        with contextlib.suppress(OSError):  # stopped in memory all the same, and again when shown it
            state.rollback_remember(self.folder, self.stopped)
        raise _refused(
            "state_rollback",
            f"the caller holds a co-signature of ours (epoch {body['sth']['epoch']},"
            f" {body['sth']['tree_size']} leaves) newer than our last co-signed head: our state was rolled"
            " back. Nothing is co-signed until our operator runs `ggzy-cosigner resync`",
        )

    def refused(self, reply: Reply, *, now: dt.datetime, remote: str) -> Reply:
        """A POST refused before its body is read (path, length, media type): logged all the same."""
        record = {**self._record(now, remote), "outcome": "refused", "reason": reply.body["reason"]}
        return self._logged(record, reply)

    @staticmethod
    def _record(now: dt.datetime, remote: str) -> dict[str, Any]:
        return {
            "time": canonical.format_instant(now),
            "remote": remote,
            "outcome": None,
            "reason": None,
            "tree_size": None,
            "epoch": None,
            "seq": None,
        }

    def _logged(self, record: dict[str, Any], reply: Reply) -> Reply:
        """Append `record` to requests.jsonl (flushed, fsynced) and return `reply` — or, if the log
        cannot be written, a 500 instead (a co-signature already in heads.jsonl is given again to the
        same request: the same head gets the same answer)."""
        return self._requests.logged(record, reply)

    def head(self) -> dict[str, Any] | None:
        last = self.chain.last
        return None if last is None else last.cosignature

    def get_routes(self) -> dict[str, jsonservice.GetRoute]:
        return {"/health": lambda now: Reply(HTTPStatus.OK, self.health(now)), "/head": self._get_head}

    def post_routes(self) -> dict[str, jsonservice.PostRoute]:
        return {"/cosign": self.cosign}

    def _get_head(self, now: dt.datetime) -> Reply:
        head = self.head()
        if head is None:
            return jsonservice.not_found("this co-signer has co-signed nothing yet")
        return Reply(HTTPStatus.OK, head)

    def health(self, now: dt.datetime) -> dict[str, Any]:
        last = self.chain.last
        return {
            "ok": self.stopped is None,
            "key": self.config.key.hex(),
            "time": canonical.format_instant(now),
            "tree_size": None if last is None else last.sth["tree_size"],
            "epoch": None if last is None else last.sth["epoch"],
        }


class _Handler(jsonservice.JsonHandler):
    server_version = f"ggzy-cosigner/{__version__}"
    get_elsewhere = "GET /head, GET /health or POST /cosign"
    post_elsewhere = "POST /cosign, GET /head or GET /health"
    too_large = "a co-signing request is at most 1 MiB of JSON"


class CosignerServer(jsonservice.JsonServer):
    """The HTTP service of `cosigner` on (host, port) (port 0: a free one), by `ggzy_sm.jsonservice`.
    `clock` is the co-signer's own clock: the system's by default; tests inject theirs."""

    handler = _Handler
    name = "ggzy-cosigner"
    owner = "the co-signer"

    def __init__(
        self,
        cosigner: Cosigner,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self.cosigner = cosigner
        super().__init__(cosigner, host, port, clock=clock)
