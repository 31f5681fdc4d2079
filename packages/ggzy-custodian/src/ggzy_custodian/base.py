"""What every part of the custodian service shares: the custodian's identity, set, keys and trust,
and its request log (log.jsonl) — a record of each request, appended, flushed and fsynced before the
answer leaves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ggzy_custodian import state
from ggzy_sm import canonical, jsonservice
from ggzy_sm.custodians import SignedCustodianSet, Trust
from ggzy_sm.jsonservice import Reply
from ggzy_sm.keys import DecryptionKey, SigningKey
from ggzy_sm.witness import WitnessTrust


class CustodianBase:
    """The state of a custodian that every part of `ggzy_custodian.service.Custodian` reads (set by its
    constructor), and the log of its requests."""

    identity: state.Identity
    folder: Path
    signed_set: dict[str, Any]
    cset: SignedCustodianSet
    index: int
    signing_key: SigningKey
    encryption_key: DecryptionKey
    trust: Trust
    witness_trust: WitnessTrust | None
    _log: jsonservice.RequestLog

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

    def _logged(self, record: dict[str, Any], reply: Reply) -> Reply:
        """Append `record` to log.jsonl (flushed, fsynced) and return `reply` — or, if the log cannot
        be written, a 500 instead: a share is never released unlogged."""
        return self._log.logged(record, reply)
