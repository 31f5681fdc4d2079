"""The witness log's co-signers as they run: separate `ggzy-cosigner serve` processes with their own
keys, state folders and clocks, asked over HTTP by the platform (issue 18, docs/witness-cosigner.md).

Each test starts three real co-signer processes (2 of 3 pinned) and checks what the platform, the
offline verifier and the bidder's client make of their answers: co-signed heads verify; a rollback
and a fork of the platform's log, and a rollback of a co-signer's own state, are refused; a head
without the pinned co-signatures is refused everywhere; after a simulated disaster the log continues
only in an epoch the supervising department declared, and the break shows."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from ggzy.core import clock, keystore
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.witness import services
from ggzy.witness.audit import witness_audit
from ggzy.witness.models import Cosignature, Leaf, Node, TreeHead, WitnessState
from ggzy_sm import witness
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.witness_proof import check_inclusion_bundle, verify_inclusion_bundle
from tests.outside import SUPERVISOR, Cosigners, start_cosigners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
BIN = Path(sys.executable).parent


@pytest.fixture
def cosigners(tmp_path: Path, settings: Any) -> Iterator[Cosigners]:
    world = start_cosigners(tmp_path, settings)
    yield world
    world.stop_all()


def record(n: int = 1, tag: str = "") -> list[Event]:
    with transaction.atomic():
        return [
            event_record(
                type="test.thing.done", event_class="domain", visibility="public", data={"n": i, "tag": tag}
            )
            for i in range(n)
        ]


def signed_head(n: int = 3, tag: str = "") -> TreeHead:
    record(n, tag)
    services.witness_integrate()
    head = services.sth_sign(force=True)
    assert head is not None
    return head


def proof_of(event: Event) -> dict[str, Any]:
    from tests.factories import signed_in

    client = Client()
    signed_in(client, _supervisor())
    return dict(client.get(f"/api/v1/witness/events/{event.uid}/proof").json())


def _supervisor() -> Any:
    from django.contrib.auth import get_user_model

    from tests.factories import grant_role

    user, created = get_user_model().objects.get_or_create(username="proof-reader")
    if created:
        grant_role(user, Role.SUPERVISOR)
    return user


def verify_cli(bundle: dict[str, Any], path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return subprocess.run(
        [str(BIN / "ggzy-verify"), str(path), *args], capture_output=True, text=True, check=False
    )


# --- co-signed heads verify -------------------------------------------------------------------------
@pytest.mark.clause("6.7.1")
@pytest.mark.clause("6.7.3")
def test_real_cosigners_cosign_each_head_and_the_proof_verifies_offline(
    cosigners: Cosigners, tmp_path: Path
) -> None:
    events = record(4)
    services.witness_integrate()
    first = services.sth_sign(force=True)
    assert services.cosign_collect() == 3
    second = signed_head(3)  # grows: each co-signer checks the consistency from the head it co-signed
    assert services.cosign_collect() == 3
    assert first is not None
    assert Cosignature.objects.filter(head=second).count() == 3
    cosigned = Event.objects.filter(type="witness.head.cosigned")
    assert cosigned.count() == 6  # every co-signature goes into the log it co-signs
    bundle = proof_of(events[1])
    assert bundle["tree_head"]["sth"]["tree_size"] == second.size
    assert check_inclusion_bundle(bundle, cosigners.trust) == []
    ok = verify_cli(bundle, tmp_path / "proof.json", "--trust", str(cosigners.trust_file))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    alone = verify_cli(
        bundle, tmp_path / "proof.json", "--operator-key", cosigners.trust.operator_keys[0].hex()
    )
    assert alone.returncode != 0  # never on the platform's signature alone
    assert witness_audit() == []


@pytest.mark.clause("6.7.3")
def test_real_cosigners_refuse_a_rollback_and_a_fork(cosigners: Cosigners) -> None:
    signed_head(5)
    services.cosign_collect()
    newest = TreeHead.objects.order_by("-size").first()
    assert newest is not None
    # a rollback: a head of fewer leaves, signed now
    smaller = services._sign(newest.size - 2, 0)
    name, url = services.configured_cosigners()[0]
    assert services._cosign_one(name, url, smaller) == 0
    refused = Event.objects.filter(type="witness.cosign.refused").order_by("-pk").first()
    assert refused is not None
    assert refused.data["reason"] == "rollback"
    # a fork: a larger head that no consistency proof joins to the co-signed one
    record(3)
    services.witness_integrate()
    _id, signer = keystore.signing_key()
    now = clock.authority_now()
    bogus = TreeHead.objects.create(
        size=newest.size + 3,
        root="ab" * 32,
        timestamp=now,
        key_id=_id,
        signature=signer.sign(
            witness.STH_PURPOSE, services.sth_payload(newest.size + 3, "ab" * 32, now)
        ).hex(),
    )
    for name, url in services.configured_cosigners():
        services._cosign_one(name, url, bogus)
    reasons = {e.data["reason"] for e in Event.objects.filter(type="witness.cosign.refused")}
    assert reasons == {"rollback", "fork"}
    assert not Cosignature.objects.filter(head__in=[smaller, bogus]).exists()


@pytest.mark.clause("6.7.3")
def test_a_cosigner_notices_its_own_state_rolled_back(cosigners: Cosigners) -> None:
    signed_head(3)
    services.cosign_collect()
    state = cosigners.folder / "a"
    saved = state / "heads.saved"
    shutil.copy(state / "heads.jsonl", saved)
    signed_head(3)
    services.cosign_collect()
    cosigners.stop("a")
    shutil.copy(saved, state / "heads.jsonl")  # the co-signer's machine restored from an old copy
    cosigners.start("a")
    cosigners_setting = ",".join(f"{n}={u}" for n, u in cosigners.urls.items())
    from django.conf import settings

    settings.GGZY_COSIGNERS = cosigners_setting
    head = signed_head(2)
    services.cosign_collect()
    refused = [e.data for e in Event.objects.filter(type="witness.cosign.refused")]
    assert any(r["reason"] == "state_rollback" for r in refused), refused
    assert Cosignature.objects.filter(head=head).count() == 2  # b and c: still 2 of 3


@pytest.mark.clause("6.7.3")
def test_a_head_without_the_pinned_cosignatures_is_refused_everywhere(
    cosigners: Cosigners, tmp_path: Path, settings: Any
) -> None:
    events = record(3)
    settings.GGZY_COSIGNERS = f"a={cosigners.urls['a']}"  # only one answers: 1 of the 2 needed
    services.witness_integrate()
    services.sth_sign(force=True)
    services.cosign_collect()
    bundle = proof_of(events[0])
    assert len(bundle["tree_head"]["cosignatures"]) == 1
    problems = check_inclusion_bundle(bundle, cosigners.trust)
    assert any("only 1 of the 2" in p for p in problems)
    refused = verify_cli(bundle, tmp_path / "p.json", "--trust", str(cosigners.trust_file))
    assert refused.returncode != 0
    assert "only 1 of the 2" in refused.stdout
    bid = subprocess.run(
        [
            str(BIN / "ggzy-bid"),
            "verify-proof",
            str(tmp_path / "p.json"),
            "--witness-trust",
            str(cosigners.trust_file),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bid.returncode != 0
    signed_head(2)  # the head that lacks co-signatures is no longer the newest: the audit names it
    assert any("pinned co-signatures" in p for p in witness_audit())


# --- recovery ---------------------------------------------------------------------------------------
def _restore_from_backup(at: int) -> None:
    """What a restore from a backup taken at leaf `at` leaves: the events, leaves, subtree nodes and
    heads after it are gone (the database refuses deleting events, so the test lifts that for the
    moment it plays the disaster)."""
    lost = list(Leaf.objects.filter(index__gte=at, event_id__isnull=False).values_list("event_id", flat=True))
    beyond = [
        n.key
        for n in Node.objects.all()
        if ((n.key & ((1 << 48) - 1)) + 1) << (n.key >> 48) > at  # the subtree reaches past `at`
    ]
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:  # the append-only trigger, lifted for this session only
            cursor.execute("SET session_replication_role = replica")
        with transaction.atomic():
            Cosignature.objects.filter(head__size__gt=at).delete()
            TreeHead.objects.filter(size__gt=at).delete()
            Leaf.objects.filter(index__gte=at).delete()
            Node.objects.filter(key__in=beyond).delete()
            if lost:  # the leaves past `at` may all be padding
                cursor.execute(f"DELETE FROM events_event WHERE id IN ({','.join(str(i) for i in lost)})")  # noqa: S608
            WitnessState.objects.filter(pk=1).update(size=at)
        if postgres:
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.clause("6.7.3")
def test_an_epoch_after_a_disaster_needs_the_supervisors_statement(
    cosigners: Cosigners, tmp_path: Path
) -> None:
    signed_head(6, "before")
    services.cosign_collect()
    last = TreeHead.objects.order_by("-size").first()
    assert last is not None
    _restore_from_backup(at=last.size - 3)
    fork = signed_head(4, "after the restore")  # other events where the lost ones were: a fork
    services.cosign_collect()
    assert not Cosignature.objects.filter(head=fork).exists()
    assert {e.data["reason"] for e in Event.objects.filter(type="witness.cosign.refused")} == {"fork"}

    heads = services.epoch_heads()
    assert heads["last_head"] == witness.head_ref(services.head_payload(last))
    impostor = Sm2PrivateKey.generate()
    for key, refused in ((impostor, True), (SUPERVISOR, False)):
        signed = witness.epoch_statement_make(
            key,
            previous_epoch=0,
            last_head=heads["last_head"],
            first_head=heads["first_head"],
            reason="数据库故障，自备份恢复（测试）",
            declared_at=clock.authority_now(),
        )
        if refused:
            from ggzy.core.errors import DomainError

            with pytest.raises(DomainError):
                services.epoch_begin(actor=None, signed=signed)
            continue
        first = services.epoch_begin(actor=None, signed=signed)
    assert first.epoch == 1
    assert services.cosign_collect() == 3
    newer = record(1, "in epoch 1")[0]
    services.witness_integrate()
    services.sth_sign(force=True)
    assert services.cosign_collect() == 3
    bundle = proof_of(newer)
    problems, breaks = verify_inclusion_bundle(bundle, cosigners.trust)
    assert problems == []
    assert breaks[0].startswith(
        f"epoch 1 began {signed['statement']['declared_at']} after co-signed head {last.size}"
    )
    shown = verify_cli(bundle, tmp_path / "e.json", "--trust", str(cosigners.trust_file))
    assert shown.returncode == 0, shown.stdout
    assert "epoch 1 began" in shown.stdout
    without = bundle | {"tree_head": bundle["tree_head"] | {"epoch_statements": []}}
    assert any(
        "epoch 1 has no valid statement" in p for p in check_inclusion_bundle(without, cosigners.trust)
    )
    assert witness_audit() == []


@pytest.mark.usefixtures("sandbox")
def test_the_platform_signs_heads_by_the_authority_clock_not_the_sandbox(cosigners: Cosigners) -> None:
    clock.sandbox_start(clock.authority_now() - dt.timedelta(days=30))  # the demo's history clock
    head = signed_head(2)
    assert abs((head.timestamp - clock.authority_now()).total_seconds()) < 60
    assert services.cosign_collect() == 3  # within the co-signers' tolerance of their own clocks


def test_cosignature_records_bring_no_head_sooner_and_join_the_next_slots(
    cosigners: Cosigners, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each co-signature is recorded in the log; the records wait for the next slot's head like any
    event — never a head of their own, so an idle log grows by one bucket a slot and no faster."""
    now = [services.slot_start(clock.authority_now()) + dt.timedelta(seconds=1)]  # within 60 s of real time
    monkeypatch.setattr(clock, "authority_now", lambda: now[0])
    record(2)
    head = services.sth_sign()
    assert head is not None
    assert services.cosign_collect() == 3  # three co-signature records join the log…
    assert services.sth_sign() is None  # …but make no head of their own: this slot has its head
    assert services.cosign_collect() == 0
    now[0] += dt.timedelta(seconds=settings.GGZY_WITNESS_STH_SECONDS)  # the next slot
    later = services.sth_sign()
    assert later is not None
    assert later.size == head.size + settings.GGZY_WITNESS_BUCKET  # they join the next slot's, padded
    records = Event.objects.filter(type="witness.head.cosigned").values("pk")
    indexes = list(Leaf.objects.filter(event_id__in=records).values_list("index", flat=True))
    assert len(indexes) == 3
    assert all(head.size <= i < later.size for i in indexes)
    assert services.cosign_collect() == 3  # the co-signers accept the slot-stamped head


@pytest.mark.clause("6.7.3")
def test_a_head_whose_time_disagrees_with_the_cosigners_clocks_is_refused(cosigners: Cosigners) -> None:
    signed_head(2)
    services.cosign_collect()
    record(2)
    services.witness_integrate()
    size = WitnessState.objects.get(pk=1).size
    root = services.merkle.root(size, services.get_nodes, services.ALG).hex()
    key_id, signer = keystore.signing_key()
    skewed = clock.authority_now() + dt.timedelta(minutes=10)  # the operator's clock set ahead
    head = TreeHead.objects.create(
        size=size,
        root=root,
        timestamp=skewed,
        key_id=key_id,
        signature=signer.sign(witness.STH_PURPOSE, services.sth_payload(size, root, skewed)).hex(),
    )
    assert services.cosign_collect() == 0
    assert {e.data["reason"] for e in Event.objects.filter(type="witness.cosign.refused")} == {"clock"}
    assert not Cosignature.objects.filter(head=head).exists()
