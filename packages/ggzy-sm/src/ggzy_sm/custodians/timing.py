"""Time statements (docs/sealed-bid-format.md §6.4): custodians sign their clocks' time for a nonce; the
bidder's client takes the earliest of at least two, or its PC's clock when a single custodian agrees."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from typing import Any

from ggzy_sm import strict
from ggzy_sm.custodians.common import (
    CLOCK_AGREEMENT,
    SIGNED_FIELDS,
    TIME_FORMAT,
    TIME_PAYLOAD,
    CustodianError,
    _verifies,
    _when,
)
from ggzy_sm.custodians.sets import (
    SignedCustodianSet,
)
from ggzy_sm.keys import SigningKey


def time_nonce() -> str:
    """A fresh nonce for GET /time (16 random bytes, hex)."""
    return os.urandom(16).hex()


def time_statement(key: SigningKey, index: int, nonce: str, now: dt.datetime) -> dict[str, Any]:
    """Custodian `index`'s signed statement of its clock's time, for the client's `nonce`."""
    if not isinstance(nonce, str) or not strict.HEX32.fullmatch(nonce):
        raise CustodianError("malformed", "the nonce is 32 lower-case hex digits")
    if not strict.is_int(index):
        raise CustodianError("malformed", "a custodian's index is an integer")
    payload = {"format": TIME_FORMAT, "nonce": nonce, "time": _when(now, "now"), "custodian": index}
    return {"payload": payload, "signature": key.sign(TIME_FORMAT, payload).hex()}


def _time_of(
    statement: Any, cset: SignedCustodianSet, nonces: Mapping[int, str]
) -> tuple[int, dt.datetime] | None:
    if not strict.exact(statement, SIGNED_FIELDS) or not strict.exact(statement["payload"], TIME_PAYLOAD):
        return None
    payload = statement["payload"]
    index = payload["custodian"]
    if payload["format"] != TIME_FORMAT or not strict.is_int(index) or nonces.get(index) != payload["nonce"]:
        return None
    try:
        custodian = cset.custodian(index)
        at = strict.parse_instant(payload["time"])
    except (CustodianError, ValueError):
        return None
    if not _verifies(custodian.signing.public_key, TIME_FORMAT, payload, statement["signature"]):
        return None
    return index, at


def time_check(
    statements: Iterable[Any],
    cset: SignedCustodianSet,
    nonces: Mapping[int, str],
    *,
    pc_now: dt.datetime | None = None,
) -> tuple[dt.datetime | None, str]:
    """The bidder's client's "now" (§6.4), and why. `nonces` maps each custodian's index to the fresh
    nonce the client sent it; a statement counts only with its custodian's nonce and signature.

    With at least two custodians' valid statements: the earliest of their times (one fast clock never
    releases early). With one: the PC's clock (`pc_now`, the system's by default) if that custodian's
    time is within 60 s of it — and the explanation says so. Otherwise None: the time cannot be
    established, and the client does not release."""
    pc = dt.datetime.now(dt.UTC) if pc_now is None else pc_now
    _when(pc, "the PC's clock")
    times: dict[int, dt.datetime] = {}
    for statement in statements:
        read = _time_of(statement, cset, nonces)
        if read is not None:
            index, at = read
            times[index] = min(at, times.get(index, at))
    if len(times) >= 2:  # noqa: PLR2004
        index = min(times, key=lambda i: (times[i], i))
        return times[index], (
            f"the earliest of {len(times)} custodians' signed times (custodians "
            f"{', '.join(str(i) for i in sorted(times))}; earliest: custodian {index})"
        )
    if len(times) == 1:
        ((index, at),) = times.items()
        gap = abs(at - pc)
        if gap <= CLOCK_AGREEMENT:
            return pc, (
                f"only custodian {index} answered; its time agrees with this computer's clock within "
                f"{int(gap.total_seconds())} s, so this computer's clock is used"
            )
        return None, (
            f"cannot establish the time: only custodian {index} answered, and its time differs from this "
            f"computer's clock by {int(gap.total_seconds())} s (more than 60 s)"
        )
    return None, "cannot establish the time: no custodian of the set gave a valid signed time"
