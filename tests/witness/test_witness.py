"""The witness log: integration, signed tree heads, proofs through the embargoed read path, the
offline verifier, the audit, and bounded reads."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from ggzy.core import clock, keystore
from ggzy.core.roles import Role
from ggzy.events.embargo import Embargo
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.witness.audit import witness_audit
from ggzy.witness.models import Cosignature, Leaf, Node, TreeHead, WitnessState
from ggzy.witness.selectors import inclusion_proof_for
from ggzy.witness.services import head_payload, node_key, sth_sign, witness_integrate
from ggzy_sm import canonical, merkle, witness
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.verify import check_proof
from tests.testapp.models import SealedThing

pytestmark = pytest.mark.django_db


def record(n: int = 1, **kwargs: Any) -> list[Event]:
    with transaction.atomic():
        return [
            event_record(
                type="test.thing.done", event_class="domain", visibility="public", data={"n": i}, **kwargs
            )
            for i in range(n)
        ]


COSIGNERS = (Sm2PrivateKey.generate(), Sm2PrivateKey.generate())


def trust() -> witness.WitnessTrust:
    """What a verifier pins: the platform's key and these tests' two co-signers (2 of 2)."""
    head = TreeHead.objects.order_by("-size").first()
    assert head is not None
    return witness.WitnessTrust(
        operator_keys=(keystore.verification_key(head.key_id),),
        cosigners=tuple((f"co-signer {n}", key.public_key) for n, key in enumerate(COSIGNERS)),
        threshold=2,
    )


def cosign(head: TreeHead) -> None:
    """Both co-signers co-sign `head`, as their services would (tests/witness/test_cosigners.py runs them)."""
    for key in COSIGNERS:
        signed = witness.cosignature_make(key, head_payload(head), None, clock.authority_now())
        Cosignature.objects.create(
            head=head,
            cosigner_key=signed["cosigner_key"],
            body=canonical.dumps(signed["body"]).decode("utf-8"),
            signature=signed["signature"],
            received_at=clock.now(),
        )


@pytest.mark.clause("6.7.1")
@pytest.mark.clause("6.7.3")
def test_an_event_is_provable_offline_against_a_signed_tree_head(client_as: Callable[..., Client]) -> None:
    events = record(5)
    assert witness_integrate() >= 5
    head = sth_sign(force=True)
    assert head is not None
    cosign(head)
    client = client_as(Role.SUPERVISOR)
    bundle = client.get(f"/api/v1/witness/events/{events[2].uid}/proof").json()
    assert bundle["tree_size"] == head.size
    assert check_proof(bundle, trust()) == []
    tampered = bundle | {"document": bundle["document"].replace('"n":2', '"n":3')}
    assert "the document and salt do not hash to the proof's leaf hash" in check_proof(tampered, trust())
    public = Client().get("/api/v1/witness/sth").json()
    assert public["sth"]["tree_size"] == head.size


def test_integration_is_exactly_once_and_in_commit_order() -> None:
    first = record(3)
    assert witness_integrate() == Event.objects.count()
    assert witness_integrate() == 0
    later = record(2)
    witness_integrate()
    indices = dict(Leaf.objects.values_list("event_id", "index"))
    assert len(indices) == Event.objects.count() == WitnessState.objects.get().size
    assert indices[later[0].pk] > indices[first[-1].pk]


@pytest.mark.clause("10.2")
def test_no_proof_of_an_embargoed_event(client_as: Callable[..., Client]) -> None:
    SealedThing.objects.create(code="E9", opens_at=clock.now() + dt.timedelta(days=2))
    (event,) = record(1, embargo=Embargo("testapp.opening", "E9"))
    witness_integrate()
    sth_sign(force=True)
    response = client_as(Role.SUPERVISOR).get(f"/api/v1/witness/events/{event.uid}/proof")
    missing = client_as(Role.SUPERVISOR).get(
        "/api/v1/witness/events/00000000-0000-0000-0000-000000000000/proof"
    )
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()


def test_a_proof_at_a_million_leaves_reads_a_bounded_number_of_rows(
    django_assert_max_num_queries: Any, make_user: Callable[..., Any]
) -> None:
    (event,) = record(1)
    size, index = 1_000_000, 765_432
    needed = merkle.needed_nodes(merkle.inclusion_ranges(index, size))
    Node.objects.bulk_create([Node(key=node_key(lv, ix), hash=secrets.token_hex(32)) for lv, ix in needed])
    Leaf.objects.create(index=index, event_id=event.pk, leaf_hash="00" * 32, integrated_at=clock.now())
    TreeHead.objects.create(size=size, root="00" * 32, timestamp=clock.now(), key_id="x", signature="")
    viewer = make_user(Role.SUPERVISOR)
    with django_assert_max_num_queries(
        12
    ):  # ~log2(n)=20 nodes in one query; the head, its co-signatures, epochs
        bundle = inclusion_proof_for(viewer=viewer, event_uid=str(event.uid))
    assert len(bundle["audit_path"]) == len(merkle.inclusion_ranges(index, size)) == 20


def _tamper(sql: str, params: list[Any]) -> None:
    """Change rows behind the application's back (the triggers that forbid it are lifted for the test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush pending deferred checks first
            cursor.execute("ALTER TABLE events_event DISABLE TRIGGER events_event_append_only")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS events_event_no_update")
        cursor.execute(sql, params)


@pytest.fixture
def audited() -> list[Event]:
    events = record(6)
    witness_integrate()
    sth_sign(force=True)
    assert witness_audit() == []
    return events


@pytest.mark.clause("6.7.2")
def test_audit_names_an_edited_payload(audited: list[Event]) -> None:
    victim = audited[3]
    index = Leaf.objects.get(event_id=victim.pk).index
    _tamper(
        "UPDATE events_event SET document = REPLACE(document, '\"n\":3', '\"n\":9') WHERE id = %s",
        [victim.pk],
    )
    assert witness_audit() == [f"leaf {index}: event #{victim.pk} was changed (its hash differs)"]


@pytest.mark.clause("6.7.2")
def test_audit_names_a_deleted_row(audited: list[Event]) -> None:
    victim = audited[2]
    index = Leaf.objects.get(event_id=victim.pk).index
    _tamper("DELETE FROM events_event WHERE id = %s", [victim.pk])
    assert witness_audit() == [f"leaf {index}: event #{victim.pk} is missing (deleted)"]


@pytest.mark.clause("6.7.2")
def test_audit_names_two_swapped_rows(audited: list[Event]) -> None:
    a, b = audited[1], audited[4]
    first = min(Leaf.objects.get(event_id=a.pk).index, Leaf.objects.get(event_id=b.pk).index)
    first_event = Leaf.objects.get(index=first).event_id
    _tamper("UPDATE events_event SET document = %s, salt = %s WHERE id = %s", [b.document, b.salt, a.pk])
    _tamper("UPDATE events_event SET document = %s, salt = %s WHERE id = %s", [a.document, a.salt, b.pk])
    assert witness_audit() == [f"leaf {first}: event #{first_event} was changed (its hash differs)"]


def test_audit_names_a_forged_tree_head(audited: list[Event]) -> None:
    head = TreeHead.objects.get()
    TreeHead.objects.filter(pk=head.pk).update(root="00" * 32)
    assert witness_audit() == [f"tree head {head.size}: its root does not recompute from the leaves"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_out_of_order_commits_are_integrated_exactly_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers on PostgreSQL")
    t1_inserted, t2_committed, release = threading.Event(), threading.Event(), threading.Event()
    ids: dict[str, int] = {}

    def t1() -> None:
        with transaction.atomic():
            ids["t1"] = record(1)[0].pk
            t1_inserted.set()
            release.wait(10)
        connection.close()

    def t2() -> None:
        t1_inserted.wait(10)
        ids["t2"] = record(1)[0].pk
        t2_committed.set()
        connection.close()

    threads = [threading.Thread(target=t1), threading.Thread(target=t2)]
    for t in threads:
        t.start()
    t2_committed.wait(10)
    assert ids["t2"] > ids["t1"]
    witness_integrate()  # sees T2 only: T1 has not committed
    assert list(Leaf.objects.values_list("event_id", flat=True)) == [ids["t2"]]
    release.set()
    for t in threads:
        t.join(10)
    witness_integrate()
    leaves = dict(Leaf.objects.values_list("event_id", "index"))
    assert leaves == {ids["t2"]: 0, ids["t1"]: 1}
    assert witness_integrate() == 0


def test_a_signed_promise_is_kept_by_a_later_proof(client_as: Callable[..., Client]) -> None:
    from ggzy_sm.verify import check_promise

    (event,) = record(1)
    client = client_as(Role.SUPERVISOR)
    promise = client.get(f"/api/v1/witness/events/{event.uid}/promise").json()
    now = clock.now().timestamp()
    key = keystore.verification_key(promise["key_id"])
    assert check_promise(promise, key, None, now) == []  # not due yet
    assert check_promise(promise, key, None, now + 3600) == [
        "the promised event is still not integrated after the maximum merge delay"
    ]
    witness_integrate()
    head = sth_sign(force=True)
    assert head is not None
    cosign(head)
    proof = client.get(f"/api/v1/witness/events/{event.uid}/proof").json()
    assert check_promise(promise, key, proof, now + 3600, trust()) == []


def test_the_demo_database_passes_the_audit() -> None:
    from django.core.management import call_command

    call_command("demo_load", verbosity=0)
    witness_integrate()
    sth_sign(force=True)
    assert witness_audit() == []


@pytest.mark.clause("6.7.2")
def test_recordings_are_registered_by_hash_and_a_changed_file_is_named(
    settings: Any, tmp_path: Any, client_as: Callable[..., Client]
) -> None:
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "rooms").mkdir()
    video = tmp_path / "rooms" / "opening-room-1.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(1000))
    client = client_as(Role.CENTRE_STAFF)
    body = {
        "room": "开标室一",
        "camera": "CAM-01",
        "started_at": "2026-11-28T09:00:00+08:00",
        "ended_at": "2026-11-28T10:30:00+08:00",
        "location": "rooms/opening-room-1.mp4",
    }
    response = client.post("/api/v1/witness/media", data=body, content_type="application/json")
    assert response.status_code == 201
    from ggzy_sm.sm3 import sm3

    assert response.json()["sm3"] == sm3(video.read_bytes()).hex()
    witness_integrate()
    sth_sign(force=True)
    assert witness_audit() == []
    video.write_bytes(video.read_bytes() + b"edited")
    from ggzy.witness.models import MediaRecording

    recording = MediaRecording.objects.get()
    assert witness_audit() == [f"recording {recording.pk} (rooms/opening-room-1.mp4): the file was changed"]
    outside = client.post(
        "/api/v1/witness/media", data=body | {"location": "../../etc/passwd"}, content_type="application/json"
    )
    assert outside.json()["code"] == "media_outside_store"
