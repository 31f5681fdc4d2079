"""The bank's side of the securities API (docs/bank-interface.md, "Notifications"): the bank POSTs each
signed notification of a credit here. The operation is public — its authentication is the bank's SM2
signature, checked against the key the trust file pins — and answers 200 to a notification it takes and to
one it already holds (a replay, a resend after a crash), so that the bank stops sending it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import ConfigDict

from ggzy.core.access import public
from ggzy.core.api import Router, refuses
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.services import deposits

router = Router(tags=["securities"])


class NotificationIn(Schema):
    """A notification as the bank signs it (ggzy-bank-notification-v1)."""

    model_config = ConfigDict(extra="forbid")

    notification: dict[str, Any] = Field(
        ..., description="format, bank, sequence, transaction, sub_account, …"
    )
    key: str = Field(..., max_length=200, description="the bank's SM2 public key, hex")
    signature: str = Field(..., max_length=200, description="SM2 over the notification, hex")


class NotificationOut(Schema):
    ok: bool
    credit: str = Field(..., description="the bank's transaction id of the credit recorded")


@router.post(
    "/securities/bank/notifications",
    response={200: NotificationOut},
    summary="A bank's signed notification of a credit (入账通知)",
)
@public
@refuses(
    SecuritiesError.NOTIFICATION_SIGNATURE,
    SecuritiesError.NOTIFICATION_SUB_ACCOUNT,
    SecuritiesError.NOTIFICATION_CONFLICT,
    SecuritiesError.NO_BANK,
)
def bank_notification(request: HttpRequest, payload: NotificationIn) -> NotificationOut:
    """Record the credit once; the same notification again is answered the same and changes nothing."""
    document = {"notification": payload.notification, "key": payload.key, "signature": payload.signature}
    credit = deposits.notification_receive(document=document)
    return NotificationOut(ok=True, credit=credit.transaction)
