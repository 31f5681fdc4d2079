"""Proofs, read through the embargoed read path: a proof exists only for an event the viewer may see."""

from __future__ import annotations

import uuid
from typing import Any

from ggzy.core.errors import CoreError, DomainError
from ggzy.events.models import Event
from ggzy.events.selectors import events_visible_to
from ggzy.witness.models import Leaf, TreeHead
from ggzy.witness.services import ALG, get_nodes, sth_payload
from ggzy_sm import merkle


def sth_out(head: TreeHead) -> dict[str, Any]:
    return {
        "sth": sth_payload(head.size, head.root, head.timestamp),
        "key_id": head.key_id,
        "signature": head.signature,
        "cosigner_key": head.cosigner_key,
        "cosignature": head.cosignature,
        "sandbox": head.sandbox,
    }


def sth_latest() -> TreeHead:
    head = TreeHead.objects.order_by("-size").first()
    if head is None:
        raise DomainError(CoreError.NOT_FOUND)
    return head


def visible_event(viewer: Any, event_uid: str) -> Event | None:
    """The event if `viewer` may see it (the embargoed read path), else None — a malformed id too."""
    try:
        uid = uuid.UUID(str(event_uid))
    except ValueError:
        return None
    return events_visible_to(viewer).filter(uid=uid).first()


def inclusion_proof_for(*, viewer: Any, event_uid: str) -> dict[str, Any]:
    event = visible_event(viewer, event_uid)
    leaf = Leaf.objects.filter(event_id=event.pk).first() if event else None
    head = TreeHead.objects.order_by("-size").first()
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


def promise_for(*, viewer: Any, event_uid: str) -> dict[str, Any]:
    from ggzy.witness.services import promise

    event = visible_event(viewer, event_uid)
    if event is None:
        raise DomainError(CoreError.NOT_FOUND)
    return promise(event)


def consistency_between(old: int, new: int) -> dict[str, Any]:
    heads = {h.size: h for h in TreeHead.objects.filter(size__in=[old, new])}
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
