"""The witness log: integration, signed tree heads on a fixed cadence over padded batches, proofs
through the embargoed read path, the offline verifier, the audit, bounded reads, and media evidence
kept within each centre's recordings area."""

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
from ggzy.witness.services import (
    LATE_LIMIT,
    head_payload,
    node_key,
    slot_start,
    sth_sign,
    tick_job,
    witness_integrate,
)
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
def test_an_event_is_provable_offline_against_a_signed_tree_head(
    client_as: Callable[..., Client], settings: Any
) -> None:
    events = record(5)
    assert witness_integrate() >= 5
    head = sth_sign(force=True)
    assert head is not None
    assert head.size % settings.GGZY_WITNESS_BUCKET == 0  # padded: the events are among dummy leaves
    assert Leaf.objects.filter(event_id__isnull=True, index__lt=head.size).exists()
    cosign(head)
    client = client_as(Role.SUPERVISOR)
    bundle = client.get(f"/api/v1/witness/events/{events[2].uid}/proof").json()
    assert bundle["tree_size"] == head.size
    assert check_proof(bundle, trust()) == []
    tampered = bundle | {"document": bundle["document"].replace('"n":2', '"n":3')}
    assert "the document and salt do not hash to the proof's leaf hash" in check_proof(tampered, trust())
    public = Client().get("/api/v1/witness/sth").json()
    assert public["sth"]["tree_size"] == head.size


def test_integration_is_exactly_once_and_in_commit_order(settings: Any) -> None:
    bucket = settings.GGZY_WITNESS_BUCKET
    first = record(3)
    assert witness_integrate() == Event.objects.count()
    assert witness_integrate() == 0
    later = record(2)
    witness_integrate()
    indices = dict(Leaf.objects.filter(event_id__isnull=False).values_list("event_id", "index"))
    assert len(indices) == Event.objects.count() == 5
    # each batch padded to a bucket; a later batch's leaves come after an earlier one's
    assert WitnessState.objects.get().size == Leaf.objects.count() == 2 * bucket
    assert max(indices[e.pk] for e in first) < bucket <= min(indices[e.pk] for e in later) < 2 * bucket
    # inside a batch the order is random: the events are not simply the batch's first leaves
    assert sorted(indices.values()) != [0, 1, 2, bucket, bucket + 1]


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


# --- no counts through the tree size: a fixed cadence, padded batches ----------------------------------
class Clock:
    """The time authority, moved by hand (no co-signer here compares it with its own clock)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
        self.interval = dt.timedelta(seconds=settings.GGZY_WITNESS_STH_SECONDS)
        self.slot = slot_start(clock.authority_now()) + self.interval  # the next slot's start
        self.at = self.slot + dt.timedelta(seconds=1)
        monkeypatch.setattr(clock, "authority_now", lambda: self.at)

    def next_slot(self, seconds: int = 1) -> None:
        self.slot += self.interval
        self.at = self.slot + dt.timedelta(seconds=seconds)

    def later(self, seconds: int) -> None:
        self.at += dt.timedelta(seconds=seconds)


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Clock:
    return Clock(monkeypatch, settings)


def published() -> tuple[int, str]:
    """What an outsider reads of the log: the public latest head's size and time."""
    sth = Client().get("/api/v1/witness/sth").json()["sth"]
    return sth["tree_size"], sth["timestamp"]


def test_an_outsider_sees_the_same_heads_with_or_without_a_few_hidden_events(moved: Clock) -> None:
    """Two worlds, the same but for three embargoed events (bids, say) in the second slot: the heads
    an outsider reads — sizes and times, at every tick — are the same in both."""
    start = (moved.slot, moved.at)

    def world(hidden: int) -> list[tuple[int, str]]:
        moved.slot, moved.at = start
        SealedThing.objects.create(code="E9", opens_at=moved.at + dt.timedelta(days=2))
        seen = []
        record(5)  # a public history in the first slot
        for _slot in range(3):
            for _tick in range(3):  # the tick runs every few seconds
                tick_job()
                seen.append(published())
                moved.later(5)
                if _slot == 1 and _tick == 0:
                    record(hidden, embargo=Embargo("testapp.opening", "E9"))  # the hidden events
            moved.next_slot()  # the third slot: nothing happens at all
        return seen

    point = transaction.savepoint()
    without = world(0)
    transaction.savepoint_rollback(point)
    assert not Event.objects.exists()
    with_hidden = world(3)
    assert Event.objects.filter(embargo_kind="testapp.opening").count() == 3
    assert with_hidden == without
    bucket = settings_bucket()
    assert [size for size, _time in without[::3]] == [bucket, 2 * bucket, 3 * bucket]  # one bucket a slot
    assert witness_audit() == []


def test_a_slot_whose_tick_comes_too_late_has_no_head(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.GGZY_WITNESS_STH_SECONDS = 600  # longer than the co-signers' tolerance of 120 s
    moved = Clock(monkeypatch, settings)
    moved.at = moved.slot + LATE_LIMIT + dt.timedelta(seconds=1)
    assert sth_sign() is None  # the co-signers would refuse its time: the next slot has its head
    moved.next_slot(seconds=30)
    head = sth_sign()
    assert head is not None
    assert head.timestamp == moved.slot


def settings_bucket() -> int:
    from django.conf import settings

    return int(settings.GGZY_WITNESS_BUCKET)


def test_a_head_is_not_signed_sooner_because_an_event_happened(moved: Clock) -> None:
    first = sth_sign()
    assert first is not None
    assert first.timestamp == moved.slot  # stamped with its slot's start, not when the tick ran
    (event,) = record(1)
    moved.later(2)
    assert sth_sign() is None  # this slot has its head: the event waits for the next slot's
    assert not Leaf.objects.filter(event_id=event.pk).exists()
    moved.later(40)
    assert sth_sign() is None
    moved.next_slot(seconds=3)
    second = sth_sign()
    assert second is not None
    assert second.timestamp == moved.slot
    assert second.size == first.size + settings_bucket()
    assert Leaf.objects.get(event_id=event.pk).index in range(first.size, second.size)
    # a forced head (operators, the demo) is signed now, and the slot's own head is not added to it
    moved.later(5)
    forced = sth_sign(force=True)
    assert forced is not None
    assert forced.timestamp == moved.at
    assert sth_sign() is None
    assert forced.size % settings_bucket() == 0


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


@pytest.mark.clause("6.7.2")
def test_audit_names_a_tampered_padding_leaf(audited: list[Event]) -> None:
    padding = Leaf.objects.filter(event_id__isnull=True).order_by("?").first()
    assert padding is not None
    kept = padding.padding_salt
    Leaf.objects.filter(pk=padding.pk).update(padding_salt=secrets.token_hex(16))
    assert witness_audit() == [f"leaf {padding.index}: a padding leaf was changed (its hash differs)"]
    Leaf.objects.filter(pk=padding.pk).update(padding_salt=kept, leaf_hash=secrets.token_hex(32))
    assert witness_audit() == [f"leaf {padding.index}: a padding leaf was changed (its hash differs)"]
    # an event's leaf passed off as padding (its row gone from the log)
    victim = Leaf.objects.get(event_id=audited[0].pk)
    Leaf.objects.filter(pk=padding.pk).update(padding_salt=kept, leaf_hash=padding.leaf_hash)
    Leaf.objects.filter(pk=victim.pk).update(event_id=None, padding_salt=secrets.token_hex(16))
    assert witness_audit() == [f"leaf {victim.index}: a padding leaf was changed (its hash differs)"]


def test_audit_names_a_forged_tree_head(audited: list[Event]) -> None:
    head = TreeHead.objects.get()
    TreeHead.objects.filter(pk=head.pk).update(root="00" * 32)
    assert witness_audit() == [f"tree head {head.size}: its root does not recompute from the leaves"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_out_of_order_commits_are_integrated_exactly_once(settings: Any) -> None:
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
    assert list(Leaf.objects.filter(event_id__isnull=False).values_list("event_id", flat=True)) == [ids["t2"]]
    release.set()
    for t in threads:
        t.join(10)
    witness_integrate()
    leaves = dict(Leaf.objects.filter(event_id__isnull=False).values_list("event_id", "index"))
    bucket = settings.GGZY_WITNESS_BUCKET
    assert set(leaves) == {ids["t2"], ids["t1"]}
    assert leaves[ids["t2"]] < bucket <= leaves[ids["t1"]] < 2 * bucket  # T1 in the next batch
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


RECORDING = {
    "room": "开标室一",
    "camera": "CAM-01",
    "started_at": "2026-11-28T09:00:00+08:00",
    "ended_at": "2026-11-28T10:30:00+08:00",
}


def _video(path: Any, extra: bytes = b"") -> Any:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(1000) + extra)
    return path


@pytest.mark.clause("6.7.2")
def test_recordings_are_registered_by_hash_and_a_changed_file_is_named(
    settings: Any, tmp_path: Any, client_as: Callable[..., Client]
) -> None:
    settings.MEDIA_ROOT = tmp_path
    video = _video(tmp_path / "recordings" / "ln" / "opening-room-1.mp4")  # the staff's centre: ln
    client = client_as(Role.CENTRE_STAFF)
    body = RECORDING | {"location": "recordings/ln/opening-room-1.mp4"}
    response = client.post("/api/v1/witness/media", data=body, content_type="application/json")
    assert response.status_code == 201
    from ggzy_sm.sm3 import sm3

    assert response.json()["sm3"] == sm3(video.read_bytes()).hex()
    assert set(response.json()) == {"uid", "sm3", "size", "event_uid"}  # no sequential key
    witness_integrate()
    sth_sign(force=True)
    assert witness_audit() == []
    video.write_bytes(video.read_bytes() + b"edited")
    from ggzy.witness.models import MediaRecording

    recording = MediaRecording.objects.get()
    assert recording.centre == "ln"
    assert witness_audit() == [
        f"recording {recording.uid} (recordings/ln/opening-room-1.mp4): the file was changed"
    ]


@pytest.mark.clause("6.7.2")
def test_a_recording_outside_the_centres_own_area_is_refused_like_a_missing_file(
    settings: Any, tmp_path: Any, client_as: Callable[..., Client]
) -> None:
    from ggzy.accounts.models import Centre
    from ggzy.witness.models import MediaRecording

    settings.MEDIA_ROOT = tmp_path
    Centre.objects.create(code="sy", name="沈阳市公共资源交易中心", region="210100")
    theirs = _video(tmp_path / "recordings" / "sy" / "room.mp4")  # another centre's recording
    _video(tmp_path / "rooms" / "room.mp4")  # in the media store, outside any recordings area
    _video(tmp_path / "uploads" / "bid.sm2")  # another app's file
    (tmp_path / "recordings" / "ln").mkdir(parents=True)
    (tmp_path / "recordings" / "ln" / "link.mp4").symlink_to(theirs)  # a link out of the area
    client = client_as(Role.CENTRE_STAFF)  # staff of ln only

    def post(**fields: str) -> Any:
        return client.post("/api/v1/witness/media", data=RECORDING | fields, content_type="application/json")

    missing = post(location="recordings/ln/missing.mp4")
    assert missing.status_code == 422
    assert missing.json()["code"] == "media_outside_store"
    for location in (
        "recordings/sy/room.mp4",
        "recordings/ln/../sy/room.mp4",
        "recordings/ln/link.mp4",
        "rooms/room.mp4",
        "uploads/bid.sm2",
        "recordings/ln",
        "../../etc/passwd",
        str(theirs),
    ):
        refused = post(location=location)
        assert refused.status_code == missing.status_code, location
        expected = missing.json() | {"detail": {"location": location}}
        assert refused.json() == expected, location
    # a centre the caller is not staff of answers like one that does not exist
    other = post(location="recordings/sy/room.mp4", centre="sy")
    nowhere = post(location="recordings/sy/room.mp4", centre="no-such-centre")
    assert other.status_code == nowhere.status_code == 404
    assert other.json() == nowhere.json()
    assert not MediaRecording.objects.exists()
    # named explicitly, the caller's own centre
    _video(tmp_path / "recordings" / "ln" / "room.mp4")
    assert post(location="recordings/ln/room.mp4", centre="ln").status_code == 201


def test_staff_of_several_centres_name_the_centre_of_a_recording(
    settings: Any, tmp_path: Any, make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    from ggzy.accounts.models import Centre, RoleGrant

    settings.MEDIA_ROOT = tmp_path
    user = make_user(Role.CENTRE_STAFF)  # staff of ln…
    sy = Centre.objects.create(code="sy", name="沈阳市公共资源交易中心", region="210100")
    RoleGrant.objects.create(user=user, role=Role.CENTRE_STAFF, centre=sy, granted_at=clock.now())  # …and sy
    _video(tmp_path / "recordings" / "sy" / "room.mp4")
    client = client_for(user)
    body = RECORDING | {"location": "recordings/sy/room.mp4"}
    unnamed = client.post("/api/v1/witness/media", data=body, content_type="application/json")
    assert unnamed.status_code == 422
    assert unnamed.json()["code"] == "validation_failed"
    named = client.post(
        "/api/v1/witness/media", data=body | {"centre": "sy"}, content_type="application/json"
    )
    assert named.status_code == 201
    wrong = client.post(
        "/api/v1/witness/media", data=body | {"centre": "ln"}, content_type="application/json"
    )
    assert wrong.json()["code"] == "media_outside_store"  # sy's file is not in ln's area
