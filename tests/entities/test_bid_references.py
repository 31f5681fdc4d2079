"""A bid's library references travel inside the sealed bid and are resolved at the opening to the
revisions valid at the deadline: what the bidder changes after the deadline is not what evaluation
reads (docs/entities.md §3)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ggzy.core.errors import DomainError
from ggzy.entities import selectors, services
from ggzy.entities.models import BidReference, Outcome
from ggzy.events.models import Event
from ggzy.sealing import services as sealing
from tests.entities.library_world import professional, qualification, track_record
from tests.sealing.conftest import Stage
from tests.sealing.test_sealing import at_opening

pytestmark = pytest.mark.django_db


def snapshot_file(stage: Stage, user: Any, items: list[Any], name: str = "library.json") -> Path:
    document = selectors.snapshot(viewer=user, items=[i.uid for i in items])
    path = stage.folder / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_evaluation_reads_the_revisions_valid_at_the_deadline(stage: Stage, freeze: Any) -> None:
    bidder = stage.bidders[0]
    user, org = bidder.user, bidder.organisation
    quali = services.item_add(actor=user, organisation=org, kind="qualification", fields=qualification())
    engineer = services.item_add(actor=user, organisation=org, kind="professional", fields=professional(3))
    record = services.item_add(actor=user, organisation=org, kind="track_record", fields=track_record())
    library = snapshot_file(stage, user, [quali, engineer, record])
    stage.seal(bidder, "bid-lib")  # writes the bid's documents
    # the same documents again, plus the references as documents/library.json
    path = stage.seal(
        bidder,
        "bid-lib",
        documents=[
            *sorted((stage.folder / "bid-lib-docs").iterdir()),
            ("library.json", library),
        ],
    )
    bid = sealing.bid_receive(
        actor=user, section=stage.section, path=path, acknowledgements=stage.register(path)
    )
    # before the deadline: the engineer's specialty is corrected (the deadline's revision counts)
    freeze(stage.deadline - dt.timedelta(hours=1))
    engineer = services.item_edit(
        actor=user, item=engineer, fields={**professional(3), "id_number": "", "specialty": "建筑工程"}
    )
    # after the deadline, before the opening: the qualification is "upgraded" (must not count)
    freeze(stage.deadline + dt.timedelta(seconds=30))
    services.item_edit(actor=user, item=quali, fields=qualification(level="特级"))
    at_opening(stage, freeze)
    sealing.bid_open(actor=user, bid=bid, release=stage.release(bid, bidder))

    references = {r.item_uid: r for r in BidReference.objects.filter(bid=bid.uid)}
    assert set(references) == {quali.uid, engineer.uid, record.uid}
    assert references[quali.uid].outcome == Outcome.RESOLVED
    assert references[quali.uid].revision.body["fields"]["level"] == "一级"  # not the later 特级
    assert references[engineer.uid].outcome == Outcome.CHANGED
    assert references[engineer.uid].revision.body["fields"]["specialty"] == "建筑工程"
    assert references[record.uid].outcome == Outcome.RESOLVED
    # evaluation's read: the same, for the bidder itself; nobody else outside the centre and supervisors
    read = selectors.bid_library(viewer=user, bid=bid.uid)
    assert {r.revision.number for r in read} == {1, 2}
    assert selectors.bid_library(viewer=stage.bidders[1].user, bid=bid.uid) == []
    assert Event.objects.filter(type="entities.references.resolved").count() == 1


def test_a_bid_without_references_opens_the_same(stage: Stage, freeze: Any) -> None:
    bid = stage.receive()
    at_opening(stage, freeze)
    opened = sealing.bid_open(actor=stage.bidders[0].user, bid=bid, release=stage.release(bid))
    assert opened.state == "opened"
    assert not BidReference.objects.exists()


def test_a_reference_to_someone_elses_entry_is_not_followed(stage: Stage, freeze: Any) -> None:
    first, second = stage.bidders
    theirs = services.item_add(
        actor=second.user, organisation=second.organisation, kind="qualification", fields=qualification()
    )
    with pytest.raises(DomainError):  # the platform gives nobody a snapshot of another's entry
        selectors.snapshot(viewer=first.user, items=[theirs.uid])
    # a forged snapshot naming it is sealed all the same: at the opening it is "not found"
    forged = selectors.snapshot(viewer=second.user, items=[theirs.uid])
    path = stage.folder / "forged.json"
    path.write_text(json.dumps(forged), encoding="utf-8")
    sealed = stage.seal(first, "forged", documents=[("library.json", path)])
    bid = sealing.bid_receive(
        actor=first.user, section=stage.section, path=sealed, acknowledgements=stage.register(sealed)
    )
    at_opening(stage, freeze)
    sealing.bid_open(actor=first.user, bid=bid, release=stage.release(bid, first))
    reference = BidReference.objects.get(bid=bid.uid)
    assert reference.outcome == Outcome.NOT_FOUND
    assert reference.revision is None
