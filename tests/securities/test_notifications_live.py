"""The bank's notifications POSTed by `ggzy-bank` itself to the platform's real endpoint over HTTP (a live
server): a credit recorded from the bank's own delivery, acknowledged (the bank's outbox empty), and its
resend answered 2xx and changing nothing."""

from __future__ import annotations

from typing import Any

import pytest

from ggzy.securities.models import Credit, CreditSource
from ggzy.securities.services import deposits
from tests.securities.bank_world import NOTIFICATIONS, BankWorld, bank_world_fixture, wait_for  # noqa: F401
from tests.securities.conftest import SECURITY_FEN, Trade, t

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_bank_notifies_the_platforms_endpoint(
    issued: Trade, bank_world: BankWorld, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[int] = []  # the notifications the endpoint handed to the service, by sequence
    receive = deposits.notification_receive

    def counting(*, document: Any) -> Credit:
        received.append(document["notification"]["sequence"])
        return receive(document=document)

    monkeypatch.setattr(deposits, "notification_receive", counting)
    issued.clock.at(t("2026-03-05 10:00"))
    bidder = issued.stage.bidders[0]
    account = deposits.sub_account_open(
        actor=bidder.user, section=issued.stage.section, organisation=bidder.organisation
    )
    bank_world.callback(live_server.url + NOTIFICATIONS)
    paid = bank_world.pay(account, "天成建设有限公司", "6222020200012345678", SECURITY_FEN,
                          t("2026-03-10 10:00"), notified=False)  # fmt: skip
    wait_for(lambda: Credit.objects.filter(transaction=paid["transaction"]).exists())
    bank_world.settled()  # the bank recorded the platform's 2xx
    credit = Credit.objects.get()
    assert (credit.amount_fen, credit.source, credit.late) == (SECURITY_FEN, CreditSource.NOTIFICATION, False)
    bank_world.resend_only(paid["sequence"])  # a replay, to the platform itself
    wait_for(lambda: len(received) == 2)
    assert received == [paid["sequence"]] * 2
    assert list(Credit.objects.values_list("transaction", flat=True)) == [paid["transaction"]]
