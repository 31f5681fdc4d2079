"""The integrator (the only writer of the log) and signed tree heads.

`witness_integrate()` takes the events not yet in the log, in id order among those whose commits are
visible — database sequences leave gaps and commit out of order, so the leaf index is assigned here,
never taken from the business transaction — appends their leaves, and stores the complete subtrees
they finish. It holds a row lock on `WitnessState`, so two integrators never interleave. Business
writes never wait on it. `sth_sign()` signs a tree head (SM2, the key store's witness key) when the
log has grown and the last head is older than GGZY_WITNESS_STH_SECONDS: heads are batched, so one
embargoed action at night does not show as a +1 of its own. Maximum merge delay: one tick interval
(5 s) for integration, plus GGZY_WITNESS_STH_SECONDS for a head covering it — except the records of
co-signatures themselves, which never cause a head of their own and join the next one.

The co-signers (GGZY_COSIGNERS, services run by other parties, `ggzy-cosigner serve`) are asked over
HTTP after each head is signed (`cosign_collect`, a tick job); a head counts for a verifier only with
the co-signatures of the co-signers it pins (GGZY_WITNESS_TRUST; docs/witness-cosigner.md). After a
restore from backup the log continues in a new epoch that the supervising department declares
(`epoch_heads`, `epoch_begin`).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet

from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.witness.errors import WitnessError
from ggzy.witness.event_types import WitnessEvents
from ggzy.witness.models import (
    NODE_LEVEL_SHIFT,
    Cosignature,
    CosignerStatus,
    EpochStatement,
    Leaf,
    Node,
    TreeHead,
    WitnessState,
)
from ggzy_sm import canonical, merkle, witness
from ggzy_sm.canonical import format_instant
from ggzy_sm.errors import CryptoError
from ggzy_sm.sm2 import Sm2PublicKey

ALG: merkle.Alg = "sm3"
COSIGN_TIMEOUT = 10  # seconds for one co-signer's answer


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


def sth_payload(size: int, root_hex: str, timestamp: dt.datetime, epoch: int = 0) -> dict[str, Any]:
    return witness.sth_make(size, root_hex, timestamp, epoch=epoch, alg=ALG)


def head_payload(head: TreeHead) -> dict[str, Any]:
    return sth_payload(head.size, head.root, head.timestamp, head.epoch)


@transaction.atomic
def sth_sign(*, force: bool = False) -> TreeHead | None:
    """Sign a tree head for the current size, if the log grew and the last head is old enough. The
    co-signers are asked afterwards, outside this transaction (`cosign_collect`)."""
    state = WitnessState.objects.select_for_update().filter(pk=1).first()
    size, epoch = (state.size, state.epoch) if state else (0, 0)
    last = TreeHead.objects.filter(epoch=epoch).order_by("-size").first()
    if size == 0 or (last is not None and last.size >= size):
        return None
    interval = dt.timedelta(seconds=settings.GGZY_WITNESS_STH_SECONDS)
    if not force and last is not None:
        if clock.authority_now() - last.timestamp < interval:
            return None
        if not _grew_beyond_cosignatures(last.size):
            return None  # only the records of co-signatures since: they wait for the next real head
    return _sign(size, epoch)


def _grew_beyond_cosignatures(since: int) -> bool:
    """Whether the leaves after `since` hold anything but the records of co-signatures: a head for
    those alone would be co-signed, recorded, signed again… for ever on an idle log."""
    new_events = Leaf.objects.filter(index__gte=since).values("event_id")
    return Event.objects.filter(pk__in=new_events).exclude(type="witness.head.cosigned").exists()


def _sign(size: int, epoch: int) -> TreeHead:
    root_hex = merkle.root(size, get_nodes, ALG).hex()
    now = clock.authority_now()  # the co-signers compare it with their own clocks: never the sandbox's
    key_id, signer = keystore.signing_key()
    signature = signer.sign(witness.STH_PURPOSE, sth_payload(size, root_hex, now, epoch))
    return TreeHead.objects.create(
        epoch=epoch,
        size=size,
        root=root_hex,
        timestamp=now,
        key_id=key_id,
        signature=signature.hex(),
        sandbox=clock.sandbox_enabled(),
    )


# --- the co-signers -----------------------------------------------------------------------------------
def trust() -> witness.WitnessTrust | None:
    """What the platform pins (GGZY_WITNESS_TRUST): the same trust file verifiers use."""
    path = getattr(settings, "GGZY_WITNESS_TRUST", "")
    return witness.WitnessTrust.load(path) if path else None


def cosignature_out(row: Cosignature) -> dict[str, Any]:
    return {"cosigner_key": row.cosigner_key, "body": json.loads(row.body), "signature": row.signature}


def head_out(head: TreeHead) -> dict[str, Any]:
    """A signed head as verifiers take it: the platform's signature, every co-signature it got and the
    epoch statements a head of a later epoch needs."""
    return {
        "sth": head_payload(head),
        "key_id": head.key_id,
        "signature": head.signature,
        "cosignatures": [cosignature_out(c) for c in head.cosignatures.order_by("pk")],
        "epoch_statements": [
            json.loads(e.document) for e in EpochStatement.objects.filter(epoch__lte=head.epoch)
        ],
        "sandbox": head.sandbox,
    }


def threshold() -> int:
    pinned = trust()
    return pinned.threshold if pinned else 1


def cosigned_enough(heads: QuerySet[TreeHead]) -> QuerySet[TreeHead]:
    """The heads with as many co-signatures as the pinned threshold asks (one without a trust file)."""
    return heads.annotate(n=Count("cosignatures")).filter(n__gte=threshold())


def _status(name: str, ok: bool, reason: str = "") -> None:
    """Remember a co-signer's state; tell the supervisors once when it changes."""
    with transaction.atomic():
        status, _created = CosignerStatus.objects.select_for_update().get_or_create(name=name)
        if status.ok == ok and (ok or status.last_reason == reason[:200]):
            return
        status.ok, status.last_reason, status.changed_at = ok, reason[:200], clock.now()
        status.save()
        event_record(
            type=WitnessEvents.COSIGNER_RECOVERED if ok else WitnessEvents.COSIGNER_FAILING,
            data={"cosigner": name, "reason": reason[:200]},
        )


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310  (a configured co-signer's http(s) address)
        url, data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=COSIGN_TIMEOUT) as response:  # noqa: S310
            return int(response.status), dict(json.loads(response.read()))
    except urllib.error.HTTPError as error:
        try:
            return error.code, dict(json.loads(error.read()))
        except ValueError:
            return error.code, {"reason": "unreadable", "message": str(error)}


def _get(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=COSIGN_TIMEOUT) as response:  # noqa: S310
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as error:
        if error.code == 404:  # noqa: PLR2004  (it has co-signed nothing yet)
            return None
        raise


def configured_cosigners() -> list[tuple[str, str]]:
    """(name, base URL) of each co-signer in GGZY_COSIGNERS ("name=http://host:port,…")."""
    found = []
    for item in str(getattr(settings, "GGZY_COSIGNERS", "") or "").split(","):
        name, _sep, url = item.strip().partition("=")
        if name and url:
            found.append((name.strip(), url.strip().rstrip("/")))
    return found


def cosign_collect() -> int:
    """Ask every configured co-signer to co-sign the newest head (a tick job); returns how many new
    co-signatures were stored. Each request carries the consistency proof from the last head that
    co-signer co-signed, our newest co-signature of it (so it notices its own state rolled back), and
    the epoch statement when the head is of a later epoch. A refusal or silence is a security event
    for the supervisors (once per change of state), never an exception."""
    head = TreeHead.objects.order_by("-epoch", "-size").first()
    if head is None:
        return 0
    stored = 0
    for name, url in configured_cosigners():
        try:
            stored += _cosign_one(name, url, head)
        except (OSError, ValueError, KeyError, TypeError, CryptoError) as exc:
            _status(name, False, f"{type(exc).__name__}: {exc}")
    return stored


def _request(head: TreeHead, latest: dict[str, Any] | None) -> dict[str, Any]:
    """What POST /cosign gets: the head, the consistency path from the co-signer's last head (same
    epoch), our newest co-signature of it, and the statement for a later epoch."""
    last = witness.cosignature_check(latest)["sth"] if latest else None
    path: list[str] = []
    if last is not None and last["epoch"] == head.epoch and 0 < last["tree_size"] <= head.size:
        path = [p.hex() for p in merkle.consistency_proof(last["tree_size"], head.size, get_nodes, ALG)]
    key = latest["cosigner_key"] if latest else ""
    previous = Cosignature.objects.filter(cosigner_key=key).order_by("-pk").first() if key else None
    statement = None
    if head.epoch and (last is None or last["epoch"] < head.epoch):
        found = EpochStatement.objects.filter(epoch=head.epoch).first()
        statement = json.loads(found.document) if found else None
    return {
        "head": {"sth": head_payload(head), "signature": head.signature, "key_id": head.key_id},
        "consistency_path": path,
        "previous": cosignature_out(previous) if previous else None,
        "epoch_statement": statement,
    }


def _cosign_one(name: str, url: str, head: TreeHead) -> int:
    latest = _get(url + "/head")
    if latest and head.cosignatures.filter(cosigner_key=latest.get("cosigner_key")).exists():
        return 0
    status, answer = _post(url + "/cosign", _request(head, latest))
    if status != 200:  # noqa: PLR2004
        reason = str(answer.get("reason", status))
        with transaction.atomic():
            event_record(
                type=WitnessEvents.COSIGN_REFUSED,
                data={
                    "cosigner": name,
                    "tree_size": head.size,
                    "epoch": head.epoch,
                    "reason": reason,
                    "message": str(answer.get("message", ""))[:300],
                },
            )
        _status(name, False, reason)
        return 0
    return _store(name, head, answer)


def _store(name: str, head: TreeHead, answer: dict[str, Any]) -> int:
    """Keep a co-signature after checking it is for this head and (when pinned) by a pinned key."""
    pinned = trust()
    cosigner_key = Sm2PublicKey.from_hex(str(answer.get("cosigner_key")))
    if pinned is not None and pinned.cosigner_name(cosigner_key) is None:
        raise witness.WitnessError("cosignature", f"{name} answered with a key that is not pinned")
    body = witness.cosignature_check(answer, cosigner_key)
    if body["sth"] != head_payload(head):
        raise witness.WitnessError("cosignature", f"{name} co-signed another head")
    with transaction.atomic():
        _row, created = Cosignature.objects.get_or_create(
            head=head,
            cosigner_key=cosigner_key.hex(),
            defaults={
                "body": canonical.dumps(body).decode("utf-8"),
                "signature": str(answer["signature"]),
                "received_at": clock.now(),
            },
        )
        if created:  # the co-signature goes into the log it co-signs: a later head holds it
            event_record(
                type=WitnessEvents.HEAD_COSIGNED,
                data={
                    "cosigner": name,
                    "cosigner_key": cosigner_key.hex(),
                    "tree_size": head.size,
                    "root_hash": head.root,
                    "epoch": head.epoch,
                    "cosigned_at": body["cosigned_at"],
                    "signature": str(answer["signature"]),
                },
            )
    _status(name, True)
    return int(created)


# --- recovery: a new epoch -------------------------------------------------------------------------------
def epoch_heads() -> dict[str, Any]:
    """What the supervising department needs to sign an epoch statement after a restore: the restored
    log's head (first_head) and the newest head the configured co-signers say they co-signed."""
    state = WitnessState.objects.filter(pk=1).first()
    size, epoch = (state.size, state.epoch) if state else (0, 0)
    last = None
    for _name, url in configured_cosigners():
        try:
            latest = _get(url + "/head")
        except (OSError, ValueError):
            continue
        if latest:
            sth = witness.cosignature_check(latest)["sth"]
            if last is None or (sth["epoch"], sth["tree_size"]) > (last["epoch"], last["tree_size"]):
                last = sth
    return {
        "previous_epoch": epoch,
        "last_head": witness.head_ref(last) if last else None,
        "first_head": {"tree_size": size, "root_hash": merkle.root(size, get_nodes, ALG).hex()},
    }


@transaction.atomic
def epoch_begin(*, actor: Any, signed: dict[str, Any]) -> TreeHead:
    """Start the epoch the supervising department's statement declares, and sign its first head."""
    pinned = trust()
    if pinned is None:
        raise DomainError(WitnessError.TRUST_MISSING)
    try:
        statement = witness.epoch_statement_check(signed, pinned.supervisor_keys)
    except witness.WitnessError as exc:
        raise DomainError(WitnessError.STATEMENT_REFUSED, detail={"reason": str(exc)}) from exc
    state, _created = WitnessState.objects.select_for_update().get_or_create(pk=1)
    root = merkle.root(state.size, get_nodes, ALG).hex()
    here = {"tree_size": state.size, "root_hash": root}
    if statement["previous_epoch"] != state.epoch or statement["first_head"] != here:
        raise DomainError(
            WitnessError.STATEMENT_REFUSED,
            detail={
                "reason": "the statement does not name this log's epoch and head",
                "epoch": state.epoch,
                **here,
            },
        )
    state.epoch = statement["new_epoch"]
    state.save(update_fields=["epoch"])
    EpochStatement.objects.create(
        epoch=state.epoch, document=canonical.dumps(signed).decode("utf-8"), recorded_at=clock.now()
    )
    head = _sign(state.size, state.epoch)
    event_record(
        type=WitnessEvents.EPOCH_BEGUN,
        actor=actor,
        data={"statement": statement, "signer_key": signed["signer_key"], "signature": signed["signature"]},
    )
    return head


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
    cosign_collect()
    return integrated
