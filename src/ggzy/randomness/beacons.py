"""The platform's client of the outside randomness services (`ggzy-beacon`, docs/randomness.md): each runs
as a process of its own with its own SM2 key, which the platform pins in a trust file; an answer counts only
when signed by the pinned key, for this draw and this question (a fresh nonce each time).

    GGZY_BEACONS          "CODE=URL,…" the beacons every draw asks (at least one must commit)
    GGZY_BEACON_TRUST     the ggzy-beacon-trust-v1 file: {"beacons": {CODE: {"name", "key"}}}
    GGZY_BEACON_TIMEOUT   seconds a request may take (5)
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ggzy.core import outside
from ggzy_sm import canonical, randomness
from ggzy_sm.errors import CryptoError
from ggzy_sm.sm2 import Sm2PublicKey

TRUST_FORMAT = "ggzy-beacon-trust-v1"
MOST = 64 * 1024  # bytes of an answer read at most


class BeaconError(Exception):
    """`kind`: config (not configured, trust file), unavailable (no answer, 5xx), refused (a 4xx with its
    reason) or invalid (an answer not signed by the pinned key, or not about this question)."""

    def __init__(self, kind: str, message: str, reason: str = "") -> None:
        self.kind, self.reason = kind, reason
        super().__init__(message)


@dataclass(frozen=True)
class Beacon:
    code: str
    url: str
    name: str
    key: str  # the pinned public key (hex): the party's name in the draw


def configured() -> dict[str, str]:
    """CODE -> URL from GGZY_BEACONS."""
    found: dict[str, str] = {}
    for item in str(getattr(settings, "GGZY_BEACONS", "") or "").split(","):
        code, _sep, url = item.strip().partition("=")
        if code and url:
            found[code.strip()] = url.strip().rstrip("/")
    return found


def beacons() -> list[Beacon]:
    """The configured beacons with their pinned keys; BeaconError `config` when none is configured or one
    is not pinned in the trust file."""
    urls = configured()
    if not urls:
        raise BeaconError("config", "GGZY_BEACONS names no beacon")
    try:
        document = outside.trust_document(
            str(getattr(settings, "GGZY_BEACON_TRUST", "") or ""), TRUST_FORMAT, "GGZY_BEACON_TRUST"
        )
    except outside.OutsideError as exc:
        raise BeaconError("config", str(exc)) from exc
    pinned = document.get("beacons")
    found = []
    for code, url in urls.items():
        entry = pinned.get(code) if isinstance(pinned, dict) else None
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise BeaconError("config", f"the beacon {code} is not pinned in GGZY_BEACON_TRUST")
        found.append(Beacon(code, url, str(entry.get("name") or code), entry["key"]))
    return found


def pinned_keys() -> dict[str, str]:
    """Every pinned beacon key (hex) -> its name, as `ggzy-verify random` takes them."""
    try:
        return {b.key: b.name for b in beacons()}
    except BeaconError:
        return {}


def _timeout() -> float:
    return float(getattr(settings, "GGZY_BEACON_TIMEOUT", 5) or 5)


def _signed(
    beacon: Beacon, answer: Any, wrapper: str, *, purpose: str, nonce: str, draw: str
) -> dict[str, Any]:
    """The body of a signed answer `{wrapper: body, "key", "signature"}`, checked: the pinned key, the
    signature for `purpose`, the draw and the nonce asked; BeaconError `invalid` otherwise."""
    if not isinstance(answer, dict) or not isinstance(answer.get(wrapper), dict):
        raise BeaconError("invalid", f"{beacon.code}: the answer is not a signed {wrapper}")
    body = answer[wrapper]
    if answer.get("key") != beacon.key:
        raise BeaconError("invalid", f"{beacon.code}: the answer is signed by a key that is not pinned")
    try:
        Sm2PublicKey.from_hex(beacon.key).verify(purpose, body, bytes.fromhex(str(answer.get("signature"))))
    except (CryptoError, ValueError) as exc:
        raise BeaconError("invalid", f"{beacon.code}: the signature does not verify") from exc
    if body.get("format") != purpose or body.get("draw") != draw or body.get("nonce") != nonce:
        raise BeaconError("invalid", f"{beacon.code}: the answer is not about this question")
    if body.get("party") != beacon.key:
        raise BeaconError("invalid", f"{beacon.code}: the answer names another party")
    return body


def _post(beacon: Beacon, path: str, request: dict[str, Any]) -> Any:
    try:
        status, answer = outside.post_json(beacon.url + path, request, timeout=_timeout(), most=MOST)
    except outside.OutsideError as exc:
        raise BeaconError("unavailable", f"{beacon.code}: {exc}") from exc
    if status >= 500:  # noqa: PLR2004
        raise BeaconError("unavailable", f"{beacon.code}: answered {status}")
    if status != 200:  # noqa: PLR2004
        reason = str(answer.get("reason", "")) if isinstance(answer, dict) else ""
        raise BeaconError("refused", f"{beacon.code}: refused ({status} {reason})", reason)
    return answer


def commit(beacon: Beacon, *, draw: str, subject: str, reveal_after: dt.datetime | None) -> dict[str, Any]:
    """The beacon's signed commitment to its secret for `draw` (the whole answer, checked)."""
    nonce = secrets.token_hex(16)
    after = canonical.format_instant(reveal_after) if reveal_after else None
    request = {"draw": draw, "subject": subject, "reveal_after": after, "nonce": nonce}
    answer = _post(beacon, "/v1/commit", request)
    body = _signed(beacon, answer, "commitment", purpose=randomness.BEACON_COMMITMENT, nonce=nonce, draw=draw)
    value = body.get("commitment")
    if not isinstance(value, str) or len(value) != 64 or body.get("subject") != subject:  # noqa: PLR2004
        raise BeaconError("invalid", f"{beacon.code}: the commitment is not for this draw")
    return dict(answer)


def reveal(beacon: Beacon, *, draw: str, commitment: str, commitments: list[str]) -> dict[str, Any]:
    """The beacon's signed reveal for `draw` over the set `commitments` (the whole answer), checked: its
    secret opens `commitment`, and it was revealed against this very set."""
    nonce = secrets.token_hex(16)
    request = {"draw": draw, "commitments": sorted(commitments), "nonce": nonce}
    answer = _post(beacon, "/v1/reveal", request)
    body = _signed(beacon, answer, "reveal", purpose=randomness.BEACON_REVEAL, nonce=nonce, draw=draw)
    secret = body.get("secret")
    try:
        opens = randomness.commitment(draw, beacon.key, str(secret)) == commitment
    except randomness.RandomnessError:
        opens = False
    if not opens or body.get("commitment") != commitment:
        raise BeaconError("invalid", f"{beacon.code}: the revealed secret does not open its commitment")
    if body.get("commitments_hash") != randomness.commitments_hash(commitments):
        raise BeaconError("invalid", f"{beacon.code}: the reveal is over another set of commitments")
    return dict(answer)
