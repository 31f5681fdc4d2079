"""The integrator (the only writer of the log) and signed tree heads.

`witness_integrate()` takes the events not yet in the log, in id order among those whose commits are
visible — database sequences leave gaps and commit out of order, so the leaf index is assigned here,
never taken from the business transaction — appends their leaves, and stores the complete subtrees
they finish. It holds a row lock on `WitnessState`, so two integrators never interleave. Business
writes never wait on it. `sth_sign()` signs a tree head (SM2, the key store's witness key) when the
log has grown and the last head is older than GGZY_WITNESS_STH_SECONDS: heads are batched, so one
embargoed action at night does not show as a +1 of its own. Maximum merge delay: one tick interval
(5 s) for integration, plus GGZY_WITNESS_STH_SECONDS for a head covering it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction

from ggzy.core import clock, keystore
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.witness.models import NODE_LEVEL_SHIFT, Leaf, Node, TreeHead, WitnessState
from ggzy_sm import merkle
from ggzy_sm.canonical import format_instant

ALG: merkle.Alg = "sm3"


def event_leaf_hash(salt_hex: str, document: str) -> bytes:
    """Leaf = SM3(0x00 ‖ salt ‖ canonical payload)."""
    return merkle.leaf_hash(bytes.fromhex(salt_hex) + document.encode("utf-8"), ALG)


def node_key(level: int, index: int) -> int:
    return (level << NODE_LEVEL_SHIFT) | index


def get_nodes(keys: set[merkle.Key]) -> dict[merkle.Key, bytes]:
    """One query for any number of nodes."""
    wanted = {node_key(level, index): (level, index) for level, index in keys}
    return {wanted[n.key]: bytes.fromhex(n.hash) for n in Node.objects.filter(key__in=wanted)}


@transaction.atomic
def witness_integrate(batch: int = 5000) -> int:
    state, _created = WitnessState.objects.select_for_update().get_or_create(pk=1)
    events = list(
        Event.objects.exclude(pk__in=Leaf.objects.values("event_id"))
        .order_by("id")
        .values_list("id", "salt", "document")[:batch]
    )
    if not events:
        return 0
    pending: dict[merkle.Key, bytes] = {}

    def get(keys: set[merkle.Key]) -> dict[merkle.Key, bytes]:
        found = {k: pending[k] for k in keys if k in pending}
        missing = keys - set(found)
        return found | (get_nodes(missing) if missing else {})

    now = clock.now()
    leaves = []
    for event_id, salt, document in events:
        leaf = event_leaf_hash(salt, document)
        pending.update(merkle.completed_nodes(state.size, leaf, get, ALG))
        leaves.append(Leaf(index=state.size, event_id=event_id, leaf_hash=leaf.hex(), integrated_at=now))
        state.size += 1
    Leaf.objects.bulk_create(leaves)
    Node.objects.bulk_create([Node(key=node_key(*k), hash=h.hex()) for k, h in pending.items()])
    state.save(update_fields=["size"])
    return len(events)


def sth_payload(size: int, root_hex: str, timestamp: dt.datetime) -> dict[str, Any]:
    return {
        "log": "ggzy-witness-v1",
        "hash": ALG,
        "tree_size": size,
        "root_hash": root_hex,
        "timestamp": format_instant(timestamp),
    }


@transaction.atomic
def sth_sign(*, force: bool = False) -> TreeHead | None:
    """Sign a tree head for the current size, if the log grew and the last head is old enough."""
    state = WitnessState.objects.select_for_update().filter(pk=1).first()
    size = state.size if state else 0
    last = TreeHead.objects.order_by("-size").first()
    if size == 0 or (last is not None and last.size >= size):
        return None
    interval = dt.timedelta(seconds=settings.GGZY_WITNESS_STH_SECONDS)
    if not force and last is not None and clock.now() - last.timestamp < interval:
        return None
    root_hex = merkle.root(size, get_nodes, ALG).hex()
    now = clock.now()
    key_id, signer = keystore.signing_key()
    signature = signer.sign("ggzy-sth-v1", sth_payload(size, root_hex, now))
    head = TreeHead.objects.create(
        size=size,
        root=root_hex,
        timestamp=now,
        key_id=key_id,
        signature=signature.hex(),
        sandbox=clock.sandbox_enabled(),
    )
    _cosign(head)
    return head


def cosigner() -> Any:
    """The configured co-signer (GGZY_COSIGNER_DIR), or None. In production it is another party's
    service reached over the network; here a local one for demonstrations."""
    folder = getattr(settings, "GGZY_COSIGNER_DIR", "")
    if not folder:
        return None
    from ggzy_sm.cosigner import Cosigner

    return Cosigner(folder, settings.GGZY_COSIGNER_PASSPHRASE)


def _cosign(head: TreeHead) -> None:
    signer = cosigner()
    if signer is None:
        return
    from ggzy_sm.cosigner import CosignRefused

    last = int(signer.state["size"])
    path = [p.hex() for p in merkle.consistency_proof(last, head.size, get_nodes, ALG)] if last else []
    try:
        head.cosignature = signer.cosign(
            sth_payload(head.size, head.root, head.timestamp), head.signature, path
        )
    except CosignRefused as exc:
        event_record(
            type="witness.cosign.refused",
            event_class=EventClass.SECURITY,
            visibility=Visibility.AUDIT,
            data={"tree_size": head.size, "reason": str(exc)},
        )
        return
    head.cosigner_key = signer.public_key.hex()
    head.save(update_fields=["cosignature", "cosigner_key"])


def max_merge_delay_seconds() -> int:
    return int(settings.GGZY_WITNESS_STH_SECONDS) + 10


def promise(event: Event) -> dict[str, Any]:
    """A signed promise that `event` (its leaf hash) will be in the log within the maximum merge delay."""
    body = {
        "log": "ggzy-witness-v1",
        "event": str(event.uid),
        "leaf_hash": event_leaf_hash(event.salt, event.document).hex(),
        "timestamp": format_instant(clock.now()),
        "max_merge_delay_seconds": max_merge_delay_seconds(),
    }
    key_id, signer = keystore.signing_key()
    return {"promise": body, "key_id": key_id, "signature": signer.sign("ggzy-promise-v1", body).hex()}


def tick_job() -> int:
    integrated = witness_integrate()
    sth_sign()
    return integrated
