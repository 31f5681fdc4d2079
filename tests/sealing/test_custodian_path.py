"""Sealed bids on the platform with the key custodians (format 2): the centre's custodian set published
as its members signed it (naming the platform's notice, opening and log keys), bids whose key is split
among the custodians and acknowledged by k of them before the deadline by their own clocks, the
closures that decide which bids may open, and the opener through the custodians — after the opening by
the platform's clock *and* the custodians' own, with a bad share named and a wrongly sealed bid recorded
as the bidder's fault. (The custodians here answer in-process; tests/sealing/test_early_opening.py runs
them as separate processes against an active operator.)"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.sealing import services
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import BidState, BidWindow, CustodianSet, SealedBid, SectionClosure
from ggzy_sm import canonical, custodians, sealedbid
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.sealing.conftest import CUSTODIAN_NAMES, DAY, Member, Stage, member, signed_set, witness_pins
from tests.sealing.test_sealing import at_opening, receive_refused, rewrite_header

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def after_closing(stage: Stage, freeze: Any) -> None:
    """The platform's clock and the custodians' past the opening."""
    at_opening(stage, freeze)
    stage.held.fixed = None  # they follow the platform's clock, which is right here


# --- the set -------------------------------------------------------------------------------------------


def test_a_custodian_set_is_published_only_when_every_member_signed_it_for_this_platform(
    stage: Stage,
    settings: Any,
) -> None:
    members = [member(name) for name in CUSTODIAN_NAMES]
    supervisor = member("监督部门")
    signed = signed_set(stage.world.centre.code, members, supervisor, version=2)
    centre = stage.world.centre
    for change, reason in (
        (lambda s: s["signatures"].pop("supervisor"), "unsigned"),
        (lambda s: s["signatures"].pop("2"), "unsigned"),
        (lambda s: s["body"].update(k=3), "signature"),
    ):
        spoiled = json.loads(json.dumps(signed))
        change(spoiled)
        with pytest.raises(DomainError) as exc:
            services.custodian_set_publish(actor=None, centre=centre, signed=spoiled)
        assert exc.value.detail["reason"] == reason
    stranger = Sm2PrivateKey.generate().public_key
    for other, reason in (
        (signed_set("dl", members, supervisor), "centre"),
        (signed_set(centre.code, members, supervisor, opening_key=stranger), "opening_key"),
        (
            signed_set(
                centre.code, members, supervisor,
                witness_trust=witness_pins().__class__(
                    operator_keys=(stranger,),
                    cosigners=(("x", Sm2PrivateKey.generate().public_key),),
                    threshold=1,
                ),
            ),
            "witness",
        ),
        (
            signed_set(centre.code, members, supervisor, notice_keys=[(stranger, clock.now() - DAY, None)]),
            "notice_keys",
        ),
    ):  # fmt: skip
        with pytest.raises(DomainError) as exc:
            services.custodian_set_publish(actor=None, centre=centre, signed=other)
        assert exc.value.detail["reason"] == reason
    settings.GGZY_SANDBOX = True
    with pytest.raises(DomainError) as exc:
        services.custodian_set_publish(actor=None, centre=centre, signed=signed)
    assert exc.value.code is SealingError.REAL_CUSTODIANS_IN_SANDBOX
    settings.GGZY_SANDBOX, settings.GGZY_PRODUCTION = False, True
    demo = signed_set(centre.code, members, supervisor, demo=True)
    with pytest.raises(DomainError) as exc:
        services.custodian_set_publish(actor=None, centre=centre, signed=demo)
    assert exc.value.code is SealingError.DEMO_CUSTODIANS_IN_PRODUCTION
    assert CustodianSet.objects.count() == 1  # the stage's
    published = services.custodian_set_publish(actor=None, centre=centre, signed=signed)
    event = Event.objects.filter(type="sealing.custodians.published").latest("pk")
    assert event.visibility == "public"
    data = json.loads(event.document)["data"]
    assert data["fingerprint"] == published.fingerprint
    assert data["notice_keys"] == [keystore.notice_keys()[0][1].public_key.hex()]


def test_a_bid_must_split_its_key_among_the_centres_current_set(stage: Stage) -> None:
    others = signed_set(stage.world.centre.code, [member(n) for n in CUSTODIAN_NAMES], member("x"))
    path = stage.seal(name="other", custodians=custodians.set_verify(others))
    assert receive_refused(stage, path, acks=[]) == "custodians"
    CustodianSet.objects.all().delete()
    assert receive_refused(stage, stage.seal(name="none"), acks=[]) == "no_custodian_set"


# --- acknowledgements: the receipt the operator cannot back-date --------------------------------------


def test_a_bid_is_received_only_with_k_custodians_acknowledgements_of_its_ciphertext(stage: Stage) -> None:
    path = stage.seal()
    acks = stage.register(path)
    assert len(acks) == 3
    assert receive_refused(stage, path, acks=[]) == "acknowledgements"
    assert receive_refused(stage, path, acks=acks[:1]) == "acknowledgements"  # 1 of 2 needed
    other = stage.register(stage.seal(name="other"))
    assert receive_refused(stage, path, acks=other) == "acknowledgements"  # another ciphertext's
    forged = dict(acks[0], signature=Sm2PrivateKey.generate().sign("ggzy-ack-v1", acks[0]["payload"]).hex())
    twice = [acks[0], dict(acks[0])]
    assert receive_refused(stage, path, acks=[forged, acks[1]]) == "acknowledgements"
    assert receive_refused(stage, path, acks=twice) == "acknowledgements"  # one custodian counts once
    bid = services.bid_receive(
        actor=stage.bidders[0].user, section=stage.section, path=path, acknowledgements=acks[1:]
    )
    data = json.loads(Event.objects.get(type="sealing.bid.received").document)["data"]
    assert data["acknowledged_by"] == [2, 3]
    assert bid.acknowledgements == acks[1:]


def test_an_acknowledgement_names_no_bidder(stage: Stage) -> None:
    path = stage.seal()
    header = sealedbid.read(path).header
    request = custodians.ack_request_make(header, list(BidWindow.objects.get(section=stage.section).notices))
    assert stage.bidders[0].organisation.uscc not in json.dumps(request)
    assert header["signing_certificate"] not in json.dumps(request)
    ack = stage.register(path)[0]
    assert set(ack["payload"]) == {
        "format",
        "set",
        "section",
        "ciphertext_sm3",
        "custodian",
        "acknowledged_at",
    }


def test_after_the_deadline_by_their_own_clocks_the_custodians_acknowledge_nothing(stage: Stage) -> None:
    """The platform's clock set back (it still says before the deadline): the custodians' do not."""
    path = stage.seal()
    stage.held.fixed = stage.deadline + MINUTE
    with pytest.raises(custodians.CustodianError) as exc:
        stage.register(path)
    assert exc.value.reason == "late"
    assert receive_refused(stage, path, acks=[]) == "acknowledgements"
    assert not SealedBid.objects.exists()


@pytest.mark.clause("9.2.3")
def test_a_postponement_signed_after_the_deadline_reopens_nothing(
    stage: Stage, django_capture_on_commit_callbacks: Any
) -> None:
    """The operator's database clock says the deadline has not come (here: it is the real time, 20
    days before it); the custodians' clocks say it has passed. It signs a postponement to let a favoured
    bid in: each custodian closes the section by the notices it held before taking the new one."""
    on_time = stage.receive()
    stage.held.fixed = stage.deadline + MINUTE
    with django_capture_on_commit_callbacks(execute=True):
        services.window_set(actor=None, section=stage.section, deadline=stage.deadline + 2 * DAY)
    late = stage.seal(stage.bidders[1], name="late", deadline=stage.deadline + 2 * DAY)
    with pytest.raises(custodians.CustodianError) as exc:
        stage.register(late)
    assert exc.value.reason == "late"
    assert receive_refused(stage, late, user=stage.bidders[1].user, acks=[]) == "acknowledgements"
    for custodian in stage.cset.custodians:
        closure = stage.held.closure(custodian, stage.section.code)["payload"]
        assert closure["ciphertexts"] == [on_time.ciphertext_sm3]
        assert closure["closing_at"] == canonical.format_instant(stage.deadline)


def test_a_bid_no_closure_lists_is_not_opened_by_release_or_by_the_custodians(
    stage: Stage, freeze: Any
) -> None:
    """Acknowledged by one custodian only, and the platform forced to keep it (an operator writing the
    row itself): the closures of the other two do not list it, and it never opens."""
    path = stage.seal()
    acks = stage.register(path, custodians_=[1])
    header = sealedbid.read(path).header
    bid = SealedBid.objects.create(
        section=stage.section,
        organisation=stage.bidders[0].organisation,
        submitted_by=stage.bidders[0].user,
        signing_certificate=stage.bidders[0].user.certificates.get(usage="signing"),
        file=f"sealing/bids/{stage.section.code}/x.bid",
        ciphertext_sm3=header["ciphertext_sm3"],
        ciphertext_size=header["ciphertext_size"],
        bound_deadline=stage.deadline,
        header=header,
        received_at=clock.now(),
        acknowledgements=acks,
    )
    target = Path(settings.MEDIA_ROOT) / bid.file
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    after_closing(stage, freeze)
    with pytest.raises(DomainError) as exc:
        services.bid_open(actor=stage.bidders[0].user, bid=bid, release=stage.release(bid))
    assert exc.value.detail["reason"] == "not_acknowledged"
    with pytest.raises(DomainError) as exc:
        services.bid_open_by_custodians(actor=None, bid=bid)
    assert exc.value.detail["reason"] == "not_acknowledged"
    bid.refresh_from_db()
    assert bid.state == BidState.RECEIVED
    assert SectionClosure.objects.filter(section_code=stage.section.code).count() == 3  # kept once fetched


# --- opening through the custodians --------------------------------------------------------------------


def test_the_custodians_open_a_bid_after_the_opening_by_their_own_clock(stage: Stage, freeze: Any) -> None:
    bid = stage.receive()
    at_opening(stage, freeze)
    # the platform's clock says the opening has come; the custodians' clocks do not: nothing opens
    stage.held.fixed = stage.deadline - MINUTE
    for opener in (
        lambda: services.bid_open_by_custodians(actor=None, bid=bid),
        lambda: services.bid_open(actor=stage.bidders[0].user, bid=bid, release=stage.release(bid)),
    ):
        with pytest.raises(DomainError) as exc:
            opener()
        assert exc.value.detail["reason"] == "too_early"
    bid.refresh_from_db()
    assert bid.state == BidState.RECEIVED
    assert not SectionClosure.objects.exists()

    stage.held.fixed = stage.deadline + 2 * MINUTE
    opened = services.bid_open_by_custodians(actor=None, bid=bid)
    assert opened.state == BidState.OPENED
    data = json.loads(Event.objects.get(type="sealing.bid.opened").document)["data"]
    assert data["path"] == "custodians"
    assert data["bad_custodians"] == []
    assert Event.objects.filter(type="sealing.share.received").count() == 3


def test_a_postponed_opening_holds_for_the_custodians_too(stage: Stage, freeze: Any) -> None:
    bid = stage.receive()
    later = stage.deadline + 3 * DAY
    services.window_set(actor=None, section=stage.section, deadline=later)
    freeze(later + MINUTE)
    # after the bound deadline, before the postponed one: no closure yet, no share
    stage.held.fixed = stage.deadline + DAY
    with pytest.raises(DomainError) as exc:
        services.bid_open_by_custodians(actor=None, bid=bid)
    assert exc.value.detail["reason"] == "too_early"
    stage.held.fixed = later + MINUTE
    assert services.bid_open_by_custodians(actor=None, bid=bid).state == "opened"


def test_one_bad_share_among_k_plus_one_is_named_and_the_bid_opens(stage: Stage, freeze: Any) -> None:
    bid = stage.receive()
    after_closing(stage, freeze)

    def wrong_share(answer: dict[str, Any], own: Member) -> dict[str, Any]:
        payload = {
            **answer["payload"],
            "share": keystore.opening_keys()[0].public_key.encrypt(b"\x07" * 16).hex(),
        }
        return {"payload": payload, "signature": own.sign.sign("ggzy-share-v2", payload).hex()}

    stage.held.spoil[1] = wrong_share
    opened = services.bid_open_by_custodians(actor=None, bid=bid)
    assert opened.state == BidState.OPENED
    data = json.loads(Event.objects.get(type="sealing.bid.opened").document)["data"]
    assert data["bad_custodians"] == [{"index": 1, "name": CUSTODIAN_NAMES[0]}]


def test_a_replayed_or_forged_answer_is_refused_and_the_others_still_open(stage: Stage, freeze: Any) -> None:
    bid = stage.receive()
    after_closing(stage, freeze)
    stranger = Sm2PrivateKey.generate()
    replayed: dict[str, Any] = {}

    def replay(answer: dict[str, Any], own: Member) -> dict[str, Any]:
        return replayed["first"]

    def forge(answer: dict[str, Any], own: Member) -> dict[str, Any]:
        return {
            "payload": answer["payload"],
            "signature": stranger.sign("ggzy-share-v2", answer["payload"]).hex(),
        }

    stored = sealedbid.read(Path(settings.MEDIA_ROOT) / bid.file)
    request = custodians.request_make(stored.header, 1, [])
    replayed["first"] = stage.held.share(stage.cset.custodian(1), request)  # an answer to an earlier request
    stage.held.spoil = {1: replay, 2: forge}
    with pytest.raises(DomainError) as exc:
        services.bid_open_by_custodians(actor=None, bid=bid)
    assert exc.value.detail["failures"] == {"1": "replay", "2": "signature"}
    stage.held.spoil = {2: forge}
    assert services.bid_open_by_custodians(actor=None, bid=bid).state == "opened"


def test_shares_that_make_no_committed_key_are_the_bidders_fault(stage: Stage, freeze: Any) -> None:
    bidder = stage.bidders[0]

    def wrong_key(header: dict[str, Any]) -> None:  # the bidder's tool split another key than the bid's
        header["custodians"] = custodians.split(b"\x01" * 16, stage.cset, custodians.binding_of(header))

    path = rewrite_header(stage.seal(name="wrong"), wrong_key, bidder.sign)
    bid = services.bid_receive(
        actor=bidder.user, section=stage.section, path=path, acknowledgements=stage.register(path)
    )
    after_closing(stage, freeze)
    with pytest.raises(DomainError) as exc:
        services.bid_open_by_custodians(actor=None, bid=bid)
    assert exc.value.detail["reason"] == "shares_wrong"
    fault = Event.objects.get(type="sealing.bid.sealed_wrongly")
    assert json.loads(fault.document)["data"]["fault"] == "bidder"
    bid.refresh_from_db()
    assert bid.state == BidState.RECEIVED


def test_unreachable_custodians_leave_the_bid_sealed_and_say_why(stage: Stage, freeze: Any) -> None:
    bid = stage.receive()
    after_closing(stage, freeze)
    stage.held.down = {1, 2}
    with pytest.raises(DomainError) as exc:
        services.bid_open_by_custodians(actor=None, bid=bid)
    assert exc.value.detail["reason"] == "closures_missing"
    stage.held.down = {1}
    assert services.bid_open_by_custodians(actor=None, bid=bid).state == "opened"


def test_the_start_up_checks_refuse_demo_custodians_in_production_and_real_ones_in_the_sandbox(
    stage: Stage,
    settings: Any,
) -> None:
    from ggzy.sealing.checks import custodian_mode

    assert custodian_mode() == []
    settings.GGZY_SANDBOX = True
    assert [e.id for e in custodian_mode()] == ["ggzy.E212"]
    settings.GGZY_SANDBOX, settings.GGZY_PRODUCTION = False, True
    CustodianSet.objects.update(demo=True)
    assert [e.id for e in custodian_mode()] == ["ggzy.E211"]


# --- notices ----------------------------------------------------------------------------------------


def test_a_postponement_is_delivered_to_the_custodians_at_once_and_published_for_anyone(
    stage: Stage, django_capture_on_commit_callbacks: Any
) -> None:
    later = stage.deadline + 2 * DAY
    stage.held.down = {3}  # the notary office's custodian is unreachable
    with django_capture_on_commit_callbacks(execute=True):
        services.window_set(actor=None, section=stage.section, deadline=later)
    notice = BidWindow.objects.get(section=stage.section).notices[-1]
    assert notice in stage.held.held_notices(1)
    assert notice in stage.held.held_notices(2)
    assert (
        custodians.release_at(
            {"deadline": stage.deadline, "section": stage.section.code}, [notice], stage.cset
        )
        == later
    )
    undelivered = Event.objects.get(type="sealing.notice.undelivered")
    assert undelivered.visibility == "supervisors"
    assert json.loads(undelivered.document)["data"]["custodian"] == 3
    published = json.loads(Event.objects.filter(type="sealing.window.set").latest("pk").document)["data"]
    assert published["notice"] == notice  # public: the supervising department can deliver it too
    # delivered by anyone later, custodian 3 takes it: a withheld postponement is not lost
    stage.held.down = set()
    assert stage.held.notice(stage.cset.custodian(3), published["notice"]) == {"ok": True}
    assert notice in stage.held.held_notices(3)
