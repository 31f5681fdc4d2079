"""Never a barrier (standard 11.2.6, 11.2.7): a bidder from another province holding only a certificate
of a recognised CA, and a Hong Kong company registered with its own business registration number, obtain
the documents, seal, submit and have their bids opened without a single library entry — no step asks
for a licence entry, a qualification record, a local branch or anyone in person."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from ggzy.accounts import parties
from ggzy.accounts.models import RoleGrant
from ggzy.certs import services as certs_services
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.entities.models import BidReference, Item
from ggzy.sealing import services as sealing
from ggzy.tendering import services as tendering
from ggzy.tendering.models import DocumentsHolder
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.factories import make_uscc
from tests.notices.test_objections import DEADLINE, Trade, t
from tests.sealing.conftest import Bidder, certificate
from tests.tendering.test_pages import issued


def outsider(username: str, name: str, code: str, code_kind: str = "uscc") -> Bidder:
    """An organisation from elsewhere, registered with its own code, and its certificates: nothing else."""
    user = get_user_model().objects.create_user(username=username)
    organisation = parties.organisation_register(
        actor=None, uscc=code, code_kind=code_kind, name=name, legal_representative="Chan Tai Man",
        contact_name="Chan Tai Man", contact_phone="13900000019",
    )  # fmt: skip
    parties.membership_add(actor=None, user=user, organisation=organisation)
    RoleGrant.objects.create(
        user=user, role=Role.RESPONDER, organisation=organisation, granted_at=clock.now()
    )
    sign, enc = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    sign_cert = certificate(organisation.uscc, sign, "signing")
    enc_cert = certificate(organisation.uscc, enc, "encryption")
    certs_services.certificate_bind(actor=user, user=user, der=sign_cert, usage="signing")
    certs_services.certificate_bind(actor=user, user=user, der=enc_cert, usage="encryption")
    return Bidder(user, organisation, sign, enc, sign_cert, enc_cert, Sm2PrivateKey.generate())


@pytest.mark.clause("11.2.6")
def test_bidders_from_elsewhere_bid_without_any_library_entry(trade: Trade) -> None:
    documents = issued(trade)
    trade.clock.at(t("2026-03-03 09:00"))
    shenzhen = outsider("sz-bidder", "深圳市鹏城建设有限公司", make_uscc(region="440300"))
    hong_kong = outsider("hk-bidder", "香港海港工程有限公司", "12345678", code_kind="hk_br")
    assert hong_kong.organisation.region == "810000"
    stage = trade.stage
    bids = []
    for who in (shenzhen, hong_kong):
        holding = tendering.documents_obtain(actor=who.user, documents=documents)
        assert holding.organisation == who.organisation
        path = stage.seal(who, f"bid-{who.user.username}")
        bids.append(
            sealing.bid_receive(
                actor=who.user, section=stage.section, path=path, acknowledgements=stage.register(path)
            )
        )
    trade.clock.at(DEADLINE + dt.timedelta(minutes=1))
    for who, bid in zip((shenzhen, hong_kong), bids, strict=True):
        opened = sealing.bid_open(actor=who.user, bid=bid, release=stage.release(bid, who))
        assert opened.state == "opened"
    assert (
        DocumentsHolder.objects.filter(
            organisation__in=[shenzhen.organisation, hong_kong.organisation]
        ).count()
        == 2
    )
    assert not Item.objects.exists()  # nobody was asked to build a library
    assert not BidReference.objects.exists()


def test_registration_asks_for_nothing_that_keeps_outsiders_away() -> None:
    """The organisation's registration takes its code, name, legal representative's name, a contact and
    a certificate: no local registration, branch, licence copy, qualification or presence in person."""
    import inspect

    from ggzy.accounts.registration import organisation_apply

    asked: Any = set(inspect.signature(organisation_apply).parameters)
    assert asked <= {
        "username", "family_name", "given_name", "phone", "password", "centre", "role", "uscc",
        "code_kind", "country", "name", "legal_representative", "contact_name", "contact_phone",
        "certificate",
    }  # fmt: skip
