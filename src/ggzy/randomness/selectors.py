"""Reads of draws. A draw is public (its commitments, reveals and value say nothing of who bid or who was
drawn); `draw_record` is what `ggzy-verify random` checks offline (`ggzy_sm.randomness`)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from ggzy.core.errors import DomainError
from ggzy.core.types import JSONDict, Viewer
from ggzy.randomness.errors import RandomnessError
from ggzy.randomness.models import Draw, Party
from ggzy.randomness.states import DrawState, PartyKind
from ggzy.witness.models import TreeHead
from ggzy.witness.selectors import inclusion_proof_for, leaf_indexes, sth_out
from ggzy_sm import randomness


def access_draw(*, viewer: Viewer | None, uid: uuid.UUID | str) -> Draw:
    """The draw (every draw is public); RandomnessError.NOT_FOUND when there is none."""
    try:
        return Draw.objects.get(uid=uuid.UUID(str(uid)))
    except (ValueError, Draw.DoesNotExist) as exc:
        raise DomainError(RandomnessError.NOT_FOUND) from exc


def draws_recent(limit: int = 50) -> QuerySet[Draw]:
    return Draw.objects.order_by("-opened_at")[:limit]


def _proof(event_uid: str) -> JSONDict | None:
    try:
        return inclusion_proof_for(viewer=None, event_uid=event_uid)
    except DomainError:
        return None  # not yet in a co-signed head


def party_out(party: Party, leaves: dict[str, int]) -> JSONDict:
    shown = party.secret if party.kind != PartyKind.FALLBACK or party.secret else ""
    return {
        "party": party.party,
        "kind": party.kind,
        "code": party.code,
        "name": party.name,
        "commitment": party.commitment,
        "event": str(party.commit_event),
        "leaf_index": leaves.get(str(party.commit_event)),
        "statement": party.statement,
        "reveal": party.reveal,
        "secret": shown or None,
    }


def draw_record(draw: Draw, *, proofs: bool = True) -> JSONDict:
    """The published draw (`ggzy-random-draw-v1`): the parties with their commitments, signed statements
    and reveals, the moment, the co-signed head that holds every commitment and not the moment, the
    inclusion proofs of every commitment and of the moment, and the seed and result once drawn."""
    parties = list(draw.parties.order_by("position"))
    moment = str(draw.moment_event) if draw.moment_event else None
    uids = [str(p.commit_event) for p in parties] + ([moment] if moment else [])
    leaves = leaf_indexes(uids)
    head = None
    if draw.sealing_size is not None:
        row = TreeHead.objects.filter(size=draw.sealing_size, epoch=draw.sealing_epoch or 0).first()
        head = sth_out(row) if row else None
    found = {u: _proof(u) for u in uids} if proofs else {}
    return {
        "format": randomness.FORMAT,
        "draw": str(draw.uid),
        "purpose": draw.purpose,
        "subject": draw.subject,
        "derive": draw.derive,
        "parties": [party_out(p, leaves) for p in parties],
        "moment": {
            "event": moment,
            "leaf_index": leaves.get(moment) if moment else None,
            "label": draw.moment_label,
        },
        "sealing_head": head,
        "proofs": {u: b for u, b in found.items() if b is not None},
        "state": "open" if draw.state == DrawState.REVEALING else draw.state,
        "aborted": [p.party for p in parties if p.aborted],
        "seed": draw.seed or None,
        "result": draw.result if draw.state == DrawState.DRAWN else None,
    }
