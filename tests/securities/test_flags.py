"""The payer flags of deemed collusion (实施条例 §40), computed once at the section's deadline: the same
account paying for two bidders, a payer that is not the bidder, an engineering deposit not from the
bidder's basic account (实施条例 §26 ¶2); the evidence masked; never shown to a bidder."""

from __future__ import annotations

import json
from typing import Any

from ggzy.accounts.models import Organisation
from ggzy.entities import services as entities
from ggzy.events.models import Event
from ggzy.securities import selectors
from ggzy.securities.models import Flag, FlagKind, FlagRun
from ggzy.securities.services.flags import NO_BASIC_ACCOUNT, flags_compute, flags_due, name_key
from tests.sealing.test_notice_keys import supervisor
from tests.securities.conftest import DEADLINE, SECURITY_FEN, Trade
from tests.securities.test_status import credit

SHARED = "6217000099998888"


def basic_account(organisation: Organisation, number: str) -> None:
    """The organisation's basic account, recorded in its library."""
    entities.item_add(
        actor=None, organisation=organisation, kind="bank_account",
        fields={"bank": "中国工商银行", "account_name": organisation.name, "account_number": number,
                "account_kind": "basic"},
    )  # fmt: skip


def of_kind(kind: str) -> list[Flag]:
    return list(Flag.objects.filter(kind=kind).prefetch_related("organisations"))


def organisations(flag: Flag) -> set[int]:
    return {o.pk for o in flag.organisations.all()}


def test_the_same_account_paying_for_two_bidders_is_flagged_with_both(issued: Trade) -> None:
    section, (one, other) = issued.stage.section, issued.stage.bidders
    basic_account(one.organisation, SHARED)
    basic_account(other.organisation, "6217000011110000")
    credit(section, one.organisation, SECURITY_FEN, payer_account=SHARED)
    credit(
        section, other.organisation, SECURITY_FEN, payer_account=SHARED, payer_name=other.organisation.name
    )
    issued.clock.at(DEADLINE)
    run = flags_compute(section=section)
    assert run is not None
    assert run.deposits == 2
    (same,) = of_kind(FlagKind.SAME_PAYER_ACCOUNT)
    assert organisations(same) == {one.organisation.pk, other.organisation.pk}
    assert same.basis == "招标投标法实施条例 §40(五)"
    assert same.evidence["account"] == "************8888"
    assert len(same.evidence["credits"]) == 2
    assert SHARED not in json.dumps(same.evidence)  # masked, never in full
    # the other bidder paid from an account that is not its basic one
    (not_basic,) = of_kind(FlagKind.NOT_BASIC_ACCOUNT)
    assert organisations(not_basic) == {other.organisation.pk}
    assert not of_kind(FlagKind.PAYER_NOT_BIDDER)


def test_a_payer_whose_name_is_not_the_bidders_is_flagged(issued: Trade) -> None:
    section, (one, other) = issued.stage.section, issued.stage.bidders
    Organisation.objects.filter(pk=one.organisation.pk).update(name="天成建设（沈阳）有限公司")
    one.organisation.refresh_from_db()
    # the same name written with half-width brackets and a space is the bidder itself
    credit(section, one.organisation, SECURITY_FEN, payer_name="天成建设(沈阳) 有限公司")
    credit(section, other.organisation, SECURITY_FEN, payer_name="沈阳宏达商贸有限公司")
    issued.clock.at(DEADLINE)
    flags_compute(section=section)
    (flag,) = of_kind(FlagKind.PAYER_NOT_BIDDER)
    assert organisations(flag) == {other.organisation.pk}
    assert flag.evidence["bidder"] == "北方路桥有限公司"
    (line,) = flag.evidence["credits"]
    assert line["payer"] != "沈阳宏达商贸有限公司"
    assert line["payer"].endswith("有限公司")
    assert line["transaction"].startswith("T")
    assert name_key("天成建设（沈阳）有限公司") == name_key("天成建设(沈阳) 有限公司")


def test_an_engineering_deposit_not_from_the_basic_account_is_flagged(issued: Trade) -> None:
    section, (one, other) = issued.stage.section, issued.stage.bidders
    basic_account(one.organisation, "6217000011112222")
    credit(
        section, one.organisation, SECURITY_FEN // 2, payer_account="6217 0000 1111 2222"
    )  # its basic account
    credit(section, one.organisation, SECURITY_FEN // 2, payer_account="6217000033334444")  # another one
    credit(section, other.organisation, SECURITY_FEN)  # no basic account in its library
    issued.clock.at(DEADLINE)
    flags_compute(section=section)
    flags = {next(iter(organisations(f))): f for f in of_kind(FlagKind.NOT_BASIC_ACCOUNT)}
    assert set(flags) == {one.organisation.pk, other.organisation.pk}
    (line,) = flags[one.organisation.pk].evidence["credits"]
    assert line["account"] == "************4444"
    assert flags[other.organisation.pk].evidence["reason"] == NO_BASIC_ACCOUNT
    assert flags[one.organisation.pk].basis == "招标投标法实施条例 §26 第二款"


def test_computed_once_a_second_call_or_a_later_credit_changes_nothing(issued: Trade) -> None:
    section, (one, other) = issued.stage.section, issued.stage.bidders
    credit(section, one.organisation, SECURITY_FEN, payer_account=SHARED)
    issued.clock.at(DEADLINE)
    run = flags_compute(section=section)
    assert run is not None
    before = list(Flag.objects.values_list("pk", "kind"))
    assert not of_kind(FlagKind.SAME_PAYER_ACCOUNT)
    # a late credit from the same account for the other bidder: recorded, never flagged afterwards
    credit(section, other.organisation, SECURITY_FEN, payer_account=SHARED, at=DEADLINE)
    again = flags_compute(section=section)
    assert again is not None
    assert again.pk == run.pk
    assert again.computed_at == run.computed_at
    assert list(Flag.objects.values_list("pk", "kind")) == before
    assert flags_due() == 0
    assert Event.objects.filter(type="securities.flags.computed").count() == 1


def test_before_the_deadline_nothing_is_computed(issued: Trade) -> None:
    section = issued.stage.section
    credit(section, issued.stage.bidders[0].organisation, SECURITY_FEN, payer_account=SHARED)
    credit(section, issued.stage.bidders[1].organisation, SECURITY_FEN, payer_account=SHARED)
    assert flags_compute(section=section) is None
    assert flags_due() == 0
    assert not FlagRun.objects.exists()
    assert not Flag.objects.exists()


def test_the_tick_computes_due_sections_and_the_event_counts_only(issued: Trade) -> None:
    section, (one, other) = issued.stage.section, issued.stage.bidders
    credit(section, one.organisation, SECURITY_FEN, payer_account=SHARED)
    credit(section, other.organisation, SECURITY_FEN, payer_account=SHARED)
    issued.clock.at(DEADLINE)
    assert flags_due() == 1
    assert flags_due() == 0
    event = Event.objects.get(type="securities.flags.computed")
    text = event.document
    assert '"same_payer_account":1' in text
    for secret in (one.organisation.name, other.organisation.name, SHARED, "8888"):
        assert secret not in text


def test_the_flags_are_for_supervisors_and_the_centre_never_a_bidder(issued: Trade) -> None:
    section, (one, other) = issued.stage.section, issued.stage.bidders
    credit(section, one.organisation, SECURITY_FEN, payer_account=SHARED)
    credit(section, other.organisation, SECURITY_FEN, payer_account=SHARED)
    issued.clock.at(DEADLINE)
    flags_compute(section=section)
    stored = selectors.flags_of(section)
    assert stored
    watcher: Any = supervisor()
    assert selectors.flags_visible(viewer=watcher, section=section) == stored
    assert selectors.flags_visible(viewer=issued.world.staff[0], section=section) == stored
    for viewer in (one.user, other.user, issued.world.agent_user, issued.world.initiator_user, None):
        assert selectors.flags_visible(viewer=viewer, section=section) == []
