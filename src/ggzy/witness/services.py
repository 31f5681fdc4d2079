"""The integrator (the only writer of the log) and signed tree heads.

**No counts through the tree size** (docs/security.md §8). `sth_sign()` signs a tree head on a fixed
cadence: one head per slot of GGZY_WITNESS_STH_SECONDS, aligned to multiples of that many seconds
since the Unix epoch, stamped with the slot's start — whether or not anything happened, never sooner
because something did. Just before it, the integrator (`witness_integrate`) brings the events not yet
in the log into it as **one batch**, in id order among those whose commits are visible — database
sequences leave gaps and commit out of order, so the leaf index is assigned here, never taken from
the business transaction — adds salted **padding leaves** (the same leaf hash over a random salt and
a fixed padding document, indistinguishable from an event's leaf without the salt, which stays in
the database for the audit) up to the next multiple of GGZY_WITNESS_BUCKET, at least one bucket more
than the last head, and appends the whole batch **in a random order**, so neither the head's size
nor the gap between two leaf indexes a viewer may see counts the events between them. It holds a row
lock on `WitnessState`, so two integrators never interleave. Business writes never wait on it. An
idle log grows by one bucket per slot (the heartbeat that makes a quiet period look like a busy
one); a period with more than a bucket of events shows as more buckets. Maximum merge delay: one
slot, plus one tick interval (5 s).

The co-signers (GGZY_COSIGNERS, services run by other parties, `ggzy-cosigner serve`) are asked over
HTTP after each head is signed (`cosign_collect`, a tick job); a head counts for a verifier only with
the co-signatures of the co-signers it pins (GGZY_WITNESS_TRUST; docs/witness-cosigner.md). Their
records in the log join the next slot's head like any event. After a restore from backup the log
continues in a new epoch that the supervising department declares (`epoch_heads`, `epoch_begin`).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet

from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.core.types import Actor, JSONDict
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
#: What a padding leaf hashes after its salt (never published: without the salt a padding leaf is just
#: another leaf).
PADDING_DOCUMENT = '{"format":"ggzy-padding-v1"}'
#: The most events one head's batch brings in (the rest wait for the next slot).
HEAD_BATCH = 100_000
#: A slot's head is signed within this long after the slot starts, or not at all (the co-signers refuse a
#: head whose time is more than 120 s from their clocks; the next slot has its own head).
LATE_LIMIT = dt.timedelta(seconds=60)


def event_leaf_hash(salt_hex: str, document: str) -> bytes:
    """Leaf = SM3(0x00 ‖ salt ‖ canonical payload)."""
    return merkle.leaf_hash(bytes.fromhex(salt_hex) + document.encode("utf-8"), ALG)


def node_key(level: int, index: int) -> int:
    return (level << NODE_LEVEL_SHIFT) | index


def get_nodes(keys: set[merkle.Key]) -> dict[merkle.Key, bytes]:
    """One query for any number of nodes."""
    wanted = {node_key(level, index): (level, index) for level, index in keys}
    return {wanted[n.key]: bytes.fromhex(n.hash) for n in Node.objects.filter(key__in=wanted)}


def bucket_size() -> int:
    return max(1, int(getattr(settings, "GGZY_WITNESS_BUCKET", 32)))


def padding_leaf_hash(salt_hex: str) -> bytes:
    return event_leaf_hash(salt_hex, PADDING_DOCUMENT)


@transaction.atomic
def witness_integrate(batch: int = 5000, *, at_least: int = 0) -> int:
    """Bring the events not yet in the log (at most `batch`) into it as one batch, padded to the next
    multiple of the bucket (and to `at_least` leaves in all) and appended in a random order. Returns how
    many events it brought in (0 when there were none and no padding was due)."""
    state, _created = WitnessState.objects.select_for_update().get_or_create(pk=1)
    logged = Leaf.objects.filter(event_id__isnull=False).values("event_id")  # NOT IN (… NULL) is empty
    events: list[tuple[int | None, str, str]] = list(
        Event.objects.exclude(pk__in=logged).order_by("id").values_list("id", "salt", "document")[:batch]
    )
    bucket = bucket_size()
    if not events and state.size >= at_least and state.size % bucket == 0:
        return 0
    target = -(-max(state.size + len(events), at_least) // bucket) * bucket
    padding = [
        (None, secrets.token_hex(16), PADDING_DOCUMENT) for _ in range(target - state.size - len(events))
    ]
    items = events + padding
    secrets.SystemRandom().shuffle(items)  # positions inside a batch say nothing of what is where
    pending: dict[merkle.Key, bytes] = {}

    def get(keys: set[merkle.Key]) -> dict[merkle.Key, bytes]:
        found = {k: pending[k] for k in keys if k in pending}
        missing = keys - set(found)
        return found | (get_nodes(missing) if missing else {})

    now = clock.now()
    leaves = []
    for event_id, salt, document in items:
        leaf = event_leaf_hash(salt, document)
        pending.update(merkle.completed_nodes(state.size, leaf, get, ALG))
        leaves.append(
            Leaf(
                index=state.size,
                event_id=event_id,
                padding_salt="" if event_id is not None else salt,
                leaf_hash=leaf.hex(),
                integrated_at=now,
            )
        )
        state.size += 1
    Leaf.objects.bulk_create(leaves)
    Node.objects.bulk_create([Node(key=node_key(*k), hash=h.hex()) for k, h in pending.items()])
    state.save(update_fields=["size"])
    return len(events)


def sth_payload(size: int, root_hex: str, timestamp: dt.datetime, epoch: int = 0) -> JSONDict:
    return witness.sth_make(size, root_hex, timestamp, epoch=epoch, alg=ALG)


def head_payload(head: TreeHead) -> JSONDict:
    return sth_payload(head.size, head.root, head.timestamp, head.epoch)


def slot_start(instant: dt.datetime) -> dt.datetime:
    """The start of the cadence slot holding `instant`: a multiple of GGZY_WITNESS_STH_SECONDS since the
    Unix epoch."""
    interval = max(1, int(settings.GGZY_WITNESS_STH_SECONDS))
    return dt.datetime.fromtimestamp(int(instant.timestamp()) // interval * interval, dt.UTC)


@transaction.atomic
def sth_sign(*, force: bool = False) -> TreeHead | None:
    """Sign the head of the current slot, once, stamped with the slot's start: bring in the events not
    yet in the log as one padded batch first (at least one bucket more than the last head, so an idle
    slot and a slot of a few hidden events look the same). Nothing an event does makes it sooner.
    `force` (operators, the demo, tests) signs now, stamped now. The co-signers are asked afterwards,
    outside this transaction (`cosign_collect`)."""
    state, _created = WitnessState.objects.select_for_update().get_or_create(pk=1)
    last = TreeHead.objects.filter(epoch=state.epoch).order_by("-size").first()
    now = clock.authority_now()  # the co-signers compare it with their own clocks: never the sandbox's
    stamp = now
    if not force:
        stamp = slot_start(now)
        if now - stamp > LATE_LIMIT or (last is not None and last.timestamp >= stamp):
            return None  # this slot has its head (or it is too late for it): the next slot's comes
    witness_integrate(HEAD_BATCH, at_least=last.size + 1 if last is not None else 1)
    state.refresh_from_db(fields=["size"])
    return _sign(state.size, state.epoch, stamp)


def _sign(size: int, epoch: int, stamp: dt.datetime | None = None) -> TreeHead:
    root_hex = merkle.root(size, get_nodes, ALG).hex()
    now = stamp or clock.authority_now()  # the co-signers compare it with their own clocks
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


def cosignature_out(row: Cosignature) -> JSONDict:
    return {"cosigner_key": row.cosigner_key, "body": json.loads(row.body), "signature": row.signature}


def head_out(head: TreeHead) -> JSONDict:
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


def _post(url: str, body: JSONDict) -> tuple[int, JSONDict]:
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


def _get(url: str) -> JSONDict | None:
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


def _request(head: TreeHead, latest: JSONDict | None) -> JSONDict:
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


def _store(name: str, head: TreeHead, answer: JSONDict) -> int:
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
def epoch_heads() -> JSONDict:
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
def epoch_begin(*, actor: Actor | None, signed: JSONDict) -> TreeHead:
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
    """An event waits at most one slot for the next slot's batch and head, plus the tick interval (5 s)."""
    return int(settings.GGZY_WITNESS_STH_SECONDS) + 10


def promise(event: Event) -> JSONDict:
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
    """Every tick: the slot's head when a slot has begun (with its batch), then the co-signers."""
    head = sth_sign()
    cosign_collect()
    return 0 if head is None else 1
