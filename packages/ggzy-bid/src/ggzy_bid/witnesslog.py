"""The bidder's checks against the co-signed witness log (docs/witness-cosigner.md).

The platform records every event as a leaf of an append-only Merkle log whose tree heads count only
when k pinned co-signers — other parties, on their own machines — have co-signed them. A bidder pins
those co-signers in a ggzy-witness-trust-v1 file obtained from a source the operator does not control
alone, and then:

* `proof_problems` checks any inclusion proof (a receipt's, a notice's) with
  `ggzy_sm.witness_proof.check_inclusion_bundle`: the head's k pinned co-signatures, the epoch
  statements, the leaf and its audit path;
* `publication_problems` checks in addition that the proof's event is the publication of *this*
  custodian set: a `sealing.custodians.published` event (the platform's
  `ggzy.sealing.services.custodian_set_publish`) whose canonical document's data names the set's
  fingerprint. A set the platform showed only to this bidder has no such co-signed event, so sealing to
  it is refused.

What one proof cannot show: that no later set replaced this one (the publication event of a newer set
names this one in its `replaces`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ggzy_sm import canonical
from ggzy_sm.witness import WitnessError, WitnessTrust
from ggzy_sm.witness_proof import verify_inclusion_bundle

#: The event type under which the platform publishes a centre's custodian set.
SET_PUBLISHED = "sealing.custodians.published"


class ProofFileError(Exception):
    """A proof or trust file cannot be read; the message says which and why."""


def load_trust(path: str | Path) -> WitnessTrust:
    """The pinned operator, co-signer and supervisor keys and the threshold (ggzy-witness-trust-v1)."""
    try:
        return WitnessTrust.load(path)
    except WitnessError as exc:
        raise ProofFileError(f"the witness trust file {path} is refused: {exc}") from exc


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a JSON object has the same key twice")
    return dict(pairs)


def load_proof(path: str | Path) -> dict[str, Any]:
    """A proof bundle as JSON (an object; duplicate keys refused)."""
    try:
        bundle = json.loads(Path(path).read_text(encoding="utf-8"), object_pairs_hook=_no_duplicates)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProofFileError(f"the proof {path} cannot be read as JSON ({exc})") from exc
    if not isinstance(bundle, dict):
        raise ProofFileError(f"the proof {path} is not a JSON object")
    return bundle


def proof_problems(bundle: Any, trust: WitnessTrust) -> tuple[list[str], list[str]]:
    """(problems, epoch breaks to show) of an inclusion proof under the pinned trust; no problems:
    the event is in the co-signed log."""
    return verify_inclusion_bundle(bundle, trust)


def event_document(bundle: Any) -> dict[str, Any] | None:
    """The proof's event document, if it is a JSON object in canonical form (ggzy-canonical-v1);
    None otherwise."""
    text = bundle.get("document") if isinstance(bundle, dict) else None
    if not isinstance(text, str):
        return None
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates)
        if canonical.dumps(document) != text.encode("utf-8"):
            return None
    except (ValueError, RecursionError):  # CanonicalError and UnicodeEncodeError are ValueErrors
        return None
    return document if isinstance(document, dict) else None


def publication_problems(bundle: Any, trust: WitnessTrust, fingerprint: str, *, demo: bool) -> list[str]:
    """What keeps `bundle` from proving that the custodian set `fingerprint` was published in the
    co-signed log ([] when it proves it): the inclusion proof under `trust`, then its event — a
    canonical `sealing.custodians.published` document whose data's fingerprint is the set's. A
    document the platform made on its demo clock ("sandbox") proves a demo set only."""
    problems, _breaks = proof_problems(bundle, trust)
    document = event_document(bundle)
    if document is None:
        return [*problems, "the proof's document is not an event in canonical JSON"]
    if document.get("type") != SET_PUBLISHED:
        problems.append(
            f"the proof is for a {document.get('type')!r} event, not the publication of a custodian set"
            f" ({SET_PUBLISHED})"
        )
    data = document.get("data")
    published = data.get("fingerprint") if isinstance(data, dict) else None
    if published != fingerprint:
        problems.append(
            f"the event publishes custodian set {published}, not this set {fingerprint}"
            if isinstance(published, str)
            else "the event names no custodian set fingerprint"
        )
    if document.get("sandbox") is True and not demo:
        problems.append("the event was recorded on the sandbox's demo clock: no evidence for a real set")
    return problems
