"""The witness log's tree heads, for a custodian that watches it (`serve --witness-trust`): POST /head
checks a co-signed head under the pinned witness trust, remembers the newest of each epoch (heads.json)
and refuses a fork as an alarm; GET /head serves the newest remembered."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http import HTTPStatus
from typing import Any

from ggzy_custodian import state
from ggzy_custodian.base import CustodianBase
from ggzy_custodian.replies import parse_json, status_of
from ggzy_sm import jsonservice, witness
from ggzy_sm.custodians import CustodianError
from ggzy_sm.jsonservice import Reply, StartupError

#: What of a delivered tree head is remembered in heads.json.
HEAD_FIELDS = ("sth", "signature", "key_id", "cosignatures", "epoch_statements")


class HeadsMixin(CustodianBase):
    """The tree-heads part of `ggzy_custodian.service.Custodian`."""

    heads: dict[str, dict[str, Any]]
    _head_lock: threading.Lock

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

    def _get_head(self, now: dt.datetime) -> Reply:
        head = self.newest_head()
        return jsonservice.not_found("no co-signed head yet") if head is None else Reply(HTTPStatus.OK, head)
