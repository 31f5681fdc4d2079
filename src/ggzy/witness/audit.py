"""`ggzy witness audit`: recompute the log from the event rows and name the first bad entry.

Checks, in order: every leaf's event exists and hashes to the leaf (a changed payload or salt, a
deleted row, rows swapped between positions all show at their first leaf), and every padding leaf
hashes from its private salt and the padding document (a leaf passed off as padding, or a changed
one, shows); every stored node and
every signed tree head's root recomputes from the leaves; every head's signature verifies; every
co-signature verifies for its head; with the pinned trust (GGZY_WITNESS_TRUST), every head of the
current epoch but the newest carries the threshold of pinned co-signatures — the platform's audit,
like every verifier, does not accept a head on its own signature — and every epoch has its
supervisor's statement."""

from __future__ import annotations

from ggzy.core import keystore
from ggzy.events.models import Event
from ggzy.witness.models import EpochStatement, Leaf, Node, TreeHead
from ggzy.witness.services import (
    ALG,
    event_leaf_hash,
    head_out,
    head_payload,
    node_key,
    padding_leaf_hash,
    trust,
)
from ggzy_sm import merkle, witness
from ggzy_sm.errors import IntegrityError


def witness_audit(chunk: int = 2000) -> list[str]:  # noqa: PLR0912  (one pass, each check named)
    problems: list[str] = []
    tree = merkle.MemoryTree(ALG)
    last = Leaf.objects.order_by("-index").values_list("index", flat=True).first()
    size = 0 if last is None else last + 1
    for start in range(0, size, chunk):
        leaves = list(Leaf.objects.filter(index__gte=start, index__lt=start + chunk).order_by("index"))
        ids = [leaf.event_id for leaf in leaves if leaf.event_id is not None]
        events = {e.pk: e for e in Event.objects.filter(pk__in=ids)}
        for expected, leaf in enumerate(leaves, start):
            if leaf.index != expected:
                return [*problems, f"leaf {expected}: missing from the log"]
            event = events.get(leaf.event_id) if leaf.event_id is not None else None
            if leaf.event_id is None:
                if not leaf.padding_salt or padding_leaf_hash(leaf.padding_salt).hex() != leaf.leaf_hash:
                    problems.append(f"leaf {leaf.index}: a padding leaf was changed (its hash differs)")
            elif leaf.padding_salt:
                problems.append(f"leaf {leaf.index}: event #{leaf.event_id}'s leaf carries a padding salt")
            elif event is None:
                problems.append(f"leaf {leaf.index}: event #{leaf.event_id} is missing (deleted)")
            elif event_leaf_hash(event.salt, event.document).hex() != leaf.leaf_hash:
                problems.append(f"leaf {leaf.index}: event #{leaf.event_id} was changed (its hash differs)")
            if problems:
                return problems
            tree.append(bytes.fromhex(leaf.leaf_hash))
    for node in Node.objects.all().iterator():
        level, index = node.key >> 48, node.key & ((1 << 48) - 1)
        if (level, index) in tree.nodes and tree.nodes[(level, index)].hex() != node.hash:
            problems.append(f"node {level}/{index}: stored hash differs from the leaves")
            return problems
    for head in TreeHead.objects.order_by("epoch", "size"):
        if head.size > tree.size:
            problems.append(f"tree head {head.size}: larger than the log ({tree.size})")
            break
        if tree.root(head.size).hex() != head.root:
            problems.append(f"tree head {head.size}: its root does not recompute from the leaves")
            break
        try:
            keystore.verification_key(head.key_id).verify(
                witness.STH_PURPOSE, head_payload(head), bytes.fromhex(head.signature)
            )
        except IntegrityError:
            problems.append(f"tree head {head.size}: the signature does not verify")
            break
        problems.extend(_cosignature_problems(head))
        if problems:
            break
    if problems:
        return problems
    problems = _epoch_problems()
    if problems:
        return problems
    from ggzy.witness.media import media_audit

    return media_audit()


def _cosignature_problems(head: TreeHead) -> list[str]:
    out = head_out(head)
    problems = []
    for cosignature in out["cosignatures"]:
        try:
            body = witness.cosignature_check(cosignature)
        except witness.WitnessError as exc:
            problems.append(f"tree head {head.size}: a co-signature does not verify ({exc})")
            continue
        if body["sth"] != out["sth"]:
            problems.append(f"tree head {head.size}: a co-signature is for another head")
    pinned = trust()
    newest = TreeHead.objects.order_by("-epoch", "-size").first()
    # the current epoch's heads, but the newest (its co-signatures may be on their way): an earlier
    # epoch's heads that were never co-signed are the fork its epoch statement declared
    if pinned is not None and newest is not None and head.epoch == newest.epoch and head.pk != newest.pk:
        problems.extend(f"tree head {head.size}: {p}" for p in witness.verify_head(out, pinned))
    return problems


def _epoch_problems() -> list[str]:
    pinned = trust()
    if pinned is None:
        return []
    import json

    newest = TreeHead.objects.order_by("-epoch").values_list("epoch", flat=True).first() or 0
    statements = [json.loads(e.document) for e in EpochStatement.objects.order_by("epoch")]
    problems, _breaks = witness.verify_epochs(statements, newest, pinned)
    return problems


__all__ = ["node_key", "witness_audit"]
