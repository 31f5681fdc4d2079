"""Receipts of sealed bids (回执, ggzy-bid-receipt-v1; the format and its check are `ggzy_sm.receipts`,
docs/submission.md "Receipts"): what a bidder brings to a dispute.

`receipt_make` is called by `bid_receive` inside the transaction that records the bid and its event
`sealing.bid.received`, so a bid exists with its receipt or not at all. The receipt is signed by the
platform's active `bid_receipt` key (core key store); the witness log's signed promise to include the
event is made in the same transaction (it needs only the event's canonical document and salt) and kept
beside the receipt. `receipt_keys` publishes every receipt key with its active period, retired ones
included, so a receipt signed before a rotation still verifies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings

from ggzy.core import clock, keystore
from ggzy.core.models import PlatformKey, Purpose
from ggzy.core.types import JSONDict
from ggzy.events.models import Event
from ggzy.sealing.models import SealedBid
from ggzy_sm import custodians, receipts, strict


def platform_name(centre_code: str) -> str:
    """Who issues the receipt: the installation's name (GGZY_CENTRE_NAME), else the hosting centre's code."""
    return str(getattr(settings, "GGZY_CENTRE_NAME", "") or centre_code)


def acknowledged(
    acknowledgements: Sequence[Any], header: Mapping[str, Any], cset: custodians.SignedCustodianSet
) -> list[tuple[int, Mapping[str, Any]]]:
    """(custodian, acknowledgement) of each custodian whose valid acknowledgement of this very
    ciphertext the bid came with — the first one each, as `custodians.acks_check` counted them."""
    found: dict[int, Mapping[str, Any]] = {}
    for ack in acknowledgements:
        try:
            payload = custodians.ack_verify(ack, cset)
        except custodians.CustodianError:
            continue
        same = (payload["section"], payload["ciphertext_sm3"]) == (
            header["section"],
            header["ciphertext_sm3"],
        )
        if same and payload["custodian"] not in found:
            found[payload["custodian"]] = ack
    return sorted(found.items())


def receipt_make(
    *,
    bid: SealedBid,
    event: Event,
    acknowledgements: Sequence[tuple[int, Mapping[str, Any]]],
) -> JSONDict:
    """The signed receipt of a bid just received, with the witness log's promise of its event (in the
    receiving transaction; the caller stores it)."""
    from ggzy.witness.services import promise

    key_id, signer = keystore.signing_key(Purpose.BID_RECEIPT)
    centre = bid.section.centre
    body = receipts.receipt_body(
        platform=platform_name(centre.code),
        centre=centre.code,
        section=bid.section.code,
        bidder=bid.organisation.uscc,
        bid=str(bid.uid),
        ciphertext_sm3=bid.ciphertext_sm3,
        ciphertext_size=bid.ciphertext_size,
        received_at=bid.received_at,
        # the key store's time (real time even in the sandbox, as its keys' `created_at`): the key's
        # active period is judged by it
        signed_at=clock.authority_now(),
        bound_deadline=bid.bound_deadline,
        acknowledgements=acknowledgements,
        event=str(event.uid),
        key_id=key_id,
    )
    return {**receipts.receipt_sign(body, signer), "promise": promise(event)}


def receipt_keys() -> JSONDict:
    """Every receipt key the platform has had (`ggzy-bid-receipt-keys-v1`), oldest first, each with its
    active period: what `ggzy-verify receipt --keys` reads."""
    keystore.key_active(Purpose.BID_RECEIPT)
    rows = PlatformKey.objects.filter(purpose=Purpose.BID_RECEIPT).order_by("created_at", "pk")
    return {
        "format": receipts.KEYS_FORMAT,
        "purpose": receipts.PURPOSE,
        "keys": [
            {
                "key_id": row.key_id,
                "public_key": row.public_key,
                "created_at": strict.instant(row.created_at),
                "retired_at": strict.instant(row.retired_at) if row.retired_at else None,
            }
            for row in rows
        ],
    }
