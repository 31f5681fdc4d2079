"""Sealed bids II on the platform: the centre's custodian set published as its members signed it, bids
whose key is split among the custodians, and the opener through the custodians — after the opening by
the platform's clock *and* the custodians' own, with a bad share named and a wrongly sealed bid recorded
as the bidder's fault. (The custodians here answer in-process; tests/sealing/test_early_opening.py runs
them as separate processes.)"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from ggzy.core import keystore
from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.sealing import services
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import BidState, CustodianSet
from ggzy_sm import canonical, custodians, sealedbid
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.sealing.conftest import CUSTODIAN_NAMES, Member, Stage, member, root, signed_set
from tests.sealing.test_sealing import at_opening, receive_refused, rewrite_header

pytestmark = pytest.mark.django_db


@dataclass
class Custodians:
    members: list[Member]
    supervisor: Member
    signed: dict[str, Any]
    #: the custodians' own clock; None = the real time
    now: dt.datetime | None = None
    #: index -> a function that spoils that custodian's answer
    spoil: dict[int, Any] = field(default_factory=dict)
    asked: list[int] = field(default_factory=list)

    @property
    def cset(self) -> custodians.CustodianSet:
        return custodians.set_verify(self.signed)

    def transport(self, custodian: custodians.Custodian, request: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(custodian.index)
        own = self.members[custodian.index - 1]
        answer = custodians.answer(
            request,
            cset=self.cset,
            index=custodian.index,
            encryption_key=own.enc,
            signing_key=own.sign,
            platform_key=keystore.opening_keys()[0].public_key,
            notice_key=keystore.signing_key()[1].public_key,
            trust=custodians.Trust(roots=[root()], intermediates=[], crls=[]),
            now=self.now or dt.datetime.now(dt.UTC),
        )
        spoil = self.spoil.get(custodian.index)
        return spoil(answer, own) if spoil else answer


@pytest.fixture
def held(stage: Stage) -> Custodians:
    members = [member(name) for name in CUSTODIAN_NAMES]
    supervisor = member("沈阳市住房和城乡建设局")
    signed = signed_set(stage.world.centre.code, members, supervisor)
    services.custodian_set_publish(actor=None, centre=stage.world.centre, signed=signed)
    return Custodians(members, supervisor, signed)


def receive(stage: Stage, held: Custodians, name: str = "bid", **seal: Any) -> Any:
    path = stage.seal(name=name, custodians=held.cset, **seal)
    return services.bid_receive(actor=stage.bidders[0].user, section=stage.section, path=path)


def test_a_custodian_set_is_published_only_when_every_member_signed_it(stage: Stage, settings: Any) -> None:
    members = [member(name) for name in CUSTODIAN_NAMES]
    supervisor = member("监督部门")
    signed = signed_set(stage.world.centre.code, members, supervisor)
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
    other_centre = signed_set("dl", members, supervisor)
    with pytest.raises(DomainError) as exc:
        services.custodian_set_publish(actor=None, centre=centre, signed=other_centre)
    assert exc.value.detail["reason"] == "centre"
    settings.GGZY_SANDBOX = True
    with pytest.raises(DomainError) as exc:
        services.custodian_set_publish(actor=None, centre=centre, signed=signed)
    assert exc.value.code is SealingError.REAL_CUSTODIANS_IN_SANDBOX
    settings.GGZY_SANDBOX, settings.GGZY_PRODUCTION = False, True
    demo = signed_set(centre.code, members, supervisor, demo=True)
    with pytest.raises(DomainError) as exc:
        services.custodian_set_publish(actor=None, centre=centre, signed=demo)
    assert exc.value.code is SealingError.DEMO_CUSTODIANS_IN_PRODUCTION
    assert not CustodianSet.objects.exists()
    published = services.custodian_set_publish(actor=None, centre=centre, signed=signed)
    event = Event.objects.get(type="sealing.custodians.published")
    assert event.visibility == "public"
    assert json.loads(event.document)["data"]["fingerprint"] == published.fingerprint


def test_where_the_centre_has_custodians_a_bid_must_split_its_key_among_them(
    stage: Stage, held: Custodians
) -> None:
    assert receive_refused(stage, stage.seal(name="plain")) == "no_envelope"
    others = signed_set(stage.world.centre.code, [member(n) for n in CUSTODIAN_NAMES], member("x"))
    assert (
        receive_refused(stage, stage.seal(name="other", custodians=custodians.set_verify(others)))
        == "custodians"
    )
    bid = receive(stage, held)
    assert bid.header["custodians"]["set"] == held.cset.fingerprint


def test_the_custodians_open_a_bid_after_the_opening_by_their_own_clock(
    stage: Stage, held: Custodians, freeze: Any
) -> None:
    bid = receive(stage, held)
    at_opening(stage, freeze)
    # the platform's clock says the opening has come; the custodians' clocks do not: nothing opens
    with pytest.raises(DomainError) as exc:
        services.bid_open_by_custodians(actor=None, bid=bid, transport=held.transport)
    assert exc.value.detail["reason"] == "shares_missing"
    assert set(exc.value.detail["failures"].values()) == {"too_early"}
    bid.refresh_from_db()
    assert bid.state == BidState.RECEIVED
    assert Event.objects.filter(type="sealing.share.refused").count() == 3

    held.now = stage.deadline + dt.timedelta(minutes=2)
    opened = services.bid_open_by_custodians(actor=None, bid=bid, transport=held.transport)
    assert opened.state == BidState.OPENED
    data = json.loads(Event.objects.get(type="sealing.bid.opened").document)["data"]
    assert data["path"] == "custodians"
    assert data["bad_custodians"] == []
    assert Event.objects.filter(type="sealing.share.received").count() == 3


def test_a_postponed_opening_holds_for_the_custodians_too(
    stage: Stage, held: Custodians, freeze: Any
) -> None:
    bid = receive(stage, held)
    later = stage.deadline + dt.timedelta(days=3)
    services.window_set(actor=None, section=stage.section, deadline=later)
    freeze(later + dt.timedelta(minutes=1))
    held.now = stage.deadline + dt.timedelta(days=1)  # after the bound deadline, before the postponed one
    with pytest.raises(DomainError) as exc:
        services.bid_open_by_custodians(actor=None, bid=bid, transport=held.transport)
    assert set(exc.value.detail["failures"].values()) == {"too_early"}
    held.now = later + dt.timedelta(minutes=1)
    assert services.bid_open_by_custodians(actor=None, bid=bid, transport=held.transport).state == "opened"


def test_one_bad_share_among_k_plus_one_is_named_and_the_bid_opens(
    stage: Stage, held: Custodians, freeze: Any
) -> None:
    bid = receive(stage, held)
    at_opening(stage, freeze)
    held.now = stage.deadline + dt.timedelta(minutes=2)

    def wrong_share(answer: dict[str, Any], own: Member) -> dict[str, Any]:
        payload = {
            **answer["payload"],
            "share": keystore.opening_keys()[0].public_key.encrypt(b"\x07" * 16).hex(),
        }
        return {"payload": payload, "signature": own.sign.sign("ggzy-share-v1", payload).hex()}

    held.spoil[1] = wrong_share
    opened = services.bid_open_by_custodians(actor=None, bid=bid, transport=held.transport)
    assert opened.state == BidState.OPENED
    data = json.loads(Event.objects.get(type="sealing.bid.opened").document)["data"]
    assert data["bad_custodians"] == [{"index": 1, "name": CUSTODIAN_NAMES[0]}]


def test_a_replayed_or_forged_answer_is_refused_and_the_others_still_open(
    stage: Stage, held: Custodians, freeze: Any
) -> None:
    bid = receive(stage, held)
    at_opening(stage, freeze)
    held.now = stage.deadline + dt.timedelta(minutes=2)
    stranger = Sm2PrivateKey.generate()
    replayed: dict[str, Any] = {}

    def replay(answer: dict[str, Any], own: Member) -> dict[str, Any]:
        replayed.setdefault("first", answer)
        return replayed["first"]

    def forge(answer: dict[str, Any], own: Member) -> dict[str, Any]:
        return {
            "payload": answer["payload"],
            "signature": stranger.sign("ggzy-share-v1", answer["payload"]).hex(),
        }

    held.spoil = {1: replay, 2: forge}
    request = custodians.request_make(
        sealedbid.read(stage.seal(name="r", custodians=held.cset)).header, 1, []
    )
    replayed["first"] = held.transport(held.cset.custodian(1), request)  # an answer to an earlier request
    with pytest.raises(DomainError) as exc:
        services.bid_open_by_custodians(actor=None, bid=bid, transport=held.transport)
    assert exc.value.detail["failures"] == {"1": "replay", "2": "signature"}
    held.spoil = {2: forge}
    assert services.bid_open_by_custodians(actor=None, bid=bid, transport=held.transport).state == "opened"


def test_shares_that_make_no_committed_key_are_the_bidders_fault(
    stage: Stage, held: Custodians, freeze: Any
) -> None:
    bidder = stage.bidders[0]

    def wrong_key(header: dict[str, Any]) -> None:  # the bidder's tool split another key than the bid's
        header["custodians"] = custodians.split(b"\x01" * 16, held.cset, custodians.binding_of(header))

    path = rewrite_header(stage.seal(name="wrong", custodians=held.cset), wrong_key, bidder.sign)
    bid = services.bid_receive(actor=bidder.user, section=stage.section, path=path)
    at_opening(stage, freeze)
    held.now = stage.deadline + dt.timedelta(minutes=2)
    with pytest.raises(DomainError) as exc:
        services.bid_open_by_custodians(actor=None, bid=bid, transport=held.transport)
    assert exc.value.detail["reason"] == "shares_wrong"
    fault = Event.objects.get(type="sealing.bid.sealed_wrongly")
    assert json.loads(fault.document)["data"]["fault"] == "bidder"
    bid.refresh_from_db()
    assert bid.state == BidState.RECEIVED


def test_the_start_up_checks_refuse_demo_custodians_in_production_and_real_ones_in_the_sandbox(
    held: Custodians, settings: Any
) -> None:
    from ggzy.sealing.checks import custodian_mode

    assert custodian_mode() == []
    settings.GGZY_SANDBOX = True
    assert [e.id for e in custodian_mode()] == ["ggzy.E212"]
    settings.GGZY_SANDBOX, settings.GGZY_PRODUCTION = False, True
    CustodianSet.objects.update(demo=True)
    assert [e.id for e in custodian_mode()] == ["ggzy.E211"]


DELIVERED: list[tuple[int, dict[str, Any]]] = []


def record_notice(custodian: custodians.Custodian, notice: dict[str, Any]) -> None:
    if custodian.index == 3:
        raise OSError("the notary office's custodian is unreachable")
    DELIVERED.append((custodian.index, notice))


def test_a_postponement_is_delivered_to_the_custodians_at_once_and_published_for_anyone(
    stage: Stage, held: Custodians, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.GGZY_CUSTODIAN_NOTICE_TRANSPORT = "tests.sealing.test_custodian_path.record_notice"
    DELIVERED.clear()
    later = stage.deadline + dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.window_set(actor=None, section=stage.section, deadline=later)
    assert [index for index, _ in DELIVERED] == [1, 2]
    notice = DELIVERED[0][1]
    assert (
        custodians.release_at(
            {"deadline": canonical.format_instant(stage.deadline), "section": stage.section.code},
            [notice],
            keystore.signing_key()[1].public_key,
        )
        == later
    )
    undelivered = json.loads(Event.objects.get(type="sealing.notice.undelivered").document)["data"]
    assert undelivered["custodian"] == 3
    published = json.loads(Event.objects.filter(type="sealing.window.set").latest("pk").document)["data"]
    assert published["notice"] == notice  # public: the supervising department can deliver it too
