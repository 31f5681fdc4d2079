"""Proofs, read through the embargoed read path: a proof exists only for an event the viewer may see."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from ggzy.core.errors import CoreError, DomainError
from ggzy.core.types import JSONDict, Viewer
from ggzy.events.models import Event
from ggzy.events.selectors import events_visible_to
from ggzy.witness.models import EpochStatement, Leaf, TreeHead, WitnessState
from ggzy.witness.services import ALG, cosigned_enough, get_nodes, head_out
from ggzy_sm import merkle

sth_out = head_out  # a head as the API and verifiers take it (with its co-signatures and epochs)


def current_heads() -> QuerySet[TreeHead]:
    """The heads of the log's current epoch (older epochs' heads stay, for the proofs given then)."""
    state = WitnessState.objects.filter(pk=1).first()
    return TreeHead.objects.filter(epoch=state.epoch if state else 0)


def sth_latest() -> TreeHead:
    """The newest head of the current epoch that carries the co-signatures verifiers need (else the
    newest head, which they will refuse until it is co-signed)."""
    heads = current_heads().order_by("-size")
    head = cosigned_enough(heads).order_by("-size").first() or heads.first()
    if head is None:
        raise DomainError(CoreError.NOT_FOUND)
    return head


def epochs_out() -> list[JSONDict]:
    import json

    return [json.loads(e.document) for e in EpochStatement.objects.order_by("epoch")]


def leaf_indexes(event_uids: list[str]) -> dict[str, int]:
    """The log position (leaf index) of each of these events that is in the log, by event uid (two
    queries, whatever their number)."""
    ids = dict(Event.objects.filter(uid__in=event_uids).values_list("pk", "uid"))
    leaves = Leaf.objects.filter(event_id__in=ids).values_list("event_id", "index")
    return {str(ids[e]): i for e, i in leaves if e is not None}


def visible_event(viewer: Viewer | None, event_uid: str) -> Event | None:
    """The event if `viewer` may see it (the embargoed read path), else None — a malformed id too."""
    try:
        uid = uuid.UUID(str(event_uid))
    except ValueError:
        return None
    return events_visible_to(viewer).filter(uid=uid).first()


def inclusion_proof_for(*, viewer: Viewer | None, event_uid: str) -> JSONDict:
    event = visible_event(viewer, event_uid)
    leaf = Leaf.objects.filter(event_id=event.pk).first() if event else None
    heads = current_heads()
    head = cosigned_enough(heads).order_by("-size").first() or heads.order_by("-size").first()
    if event is None or leaf is None or head is None or leaf.index >= head.size:
        raise DomainError(
            CoreError.NOT_FOUND
        )  # missing, not yours, embargoed or not yet integrated: the same 404
    path = merkle.inclusion_proof(leaf.index, head.size, get_nodes, ALG)
    return {
        "format": "ggzy-inclusion-v1",
        "hash": ALG,
        "leaf_index": leaf.index,
        "tree_size": head.size,
        "leaf_hash": leaf.leaf_hash,
        "audit_path": [p.hex() for p in path],
        "salt": event.salt,
        "document": event.document,
        "tree_head": sth_out(head),
    }


def promise_for(*, viewer: Viewer | None, event_uid: str) -> JSONDict:
    from ggzy.witness.services import promise

    event = visible_event(viewer, event_uid)
    if event is None:
        raise DomainError(CoreError.NOT_FOUND)
    return promise(event)


def consistency_between(old: int, new: int) -> JSONDict:
    """Between two heads of the current epoch (across epochs the statements join them, not a proof)."""
    heads = {h.size: h for h in current_heads().filter(size__in=[old, new])}
    if old not in heads or new not in heads or old > new:
        raise DomainError(CoreError.NOT_FOUND)
    path = merkle.consistency_proof(old, new, get_nodes, ALG)
    return {
        "format": "ggzy-consistency-v1",
        "hash": ALG,
        "old": sth_out(heads[old]),
        "new": sth_out(heads[new]),
        "path": [p.hex() for p in path],
    }


def trust_out() -> JSONDict:
    from ggzy.witness.services import trust

    pinned = trust()
    if pinned is None:
        raise DomainError(CoreError.NOT_FOUND)
    return {
        **pinned.to_json(),
        "note": "A copy for convenience: pin the trust file you got from the supervising department "
        "or with your client, not this answer.",
    }
