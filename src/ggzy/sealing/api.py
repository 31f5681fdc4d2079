"""The bidder's side of sealed bids through the API: its bids, withdrawing one before the deadline, and
sending the signed release at the opening (docs/sealed-bid-format.md §5). Receiving a bid file is the
upload's (tendering); the opening hall drives releases on its page later."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema, Status

from ggzy.accounts.selectors import centre_by_code
from ggzy.core.access import actor_of, allow, public
from ggzy.core.api import Router, refuses
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.core.types import JSONDict
from ggzy.sealing import receipts, selectors, services
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import CustodianSet, SealedBid
from ggzy_sm import openingsheet

router = Router(tags=["sealing"])


class BidOut(Schema):
    uid: uuid.UUID
    section: str
    bidder: str
    state: str
    envelope: str = Field(
        "single", description="single (a whole bid), or technical / price: an envelope of a two-envelope bid"
    )
    ciphertext_sm3: str
    ciphertext_size: int
    bound_deadline: dt.datetime
    received_at: dt.datetime
    opened_at: dt.datetime | None
    documents: list[str] = Field(default_factory=list, description="names inside, once opened")
    opening_sheet: dict[str, Any] | None = Field(None, description="ggzy-opening-sheet-v1, once opened")


class ReleaseIn(Schema):
    payload: dict[str, Any] = Field(..., description="format, section, bidder, ciphertext_sm3, dek (hex)")
    signature: str = Field(..., max_length=200, description="SM2 signature, purpose ggzy-release-v2, hex")


def _out(bid: SealedBid) -> BidOut:
    return BidOut(
        uid=bid.uid,
        section=bid.section.code,
        bidder=bid.organisation.uscc,
        state=bid.state,
        envelope=bid.envelope,
        ciphertext_sm3=bid.ciphertext_sm3,
        ciphertext_size=bid.ciphertext_size,
        bound_deadline=bid.bound_deadline,
        received_at=bid.received_at,
        opened_at=bid.opened_at,
        documents=sorted((bid.manifest or {}).get("documents", {})),
        opening_sheet=bid.opening_sheet,
    )


@router.get(
    "/sealing/opening-sheet-schema", response=dict[str, Any], summary="The opening sheet's JSON schema"
)
@public
def opening_sheet_schema(request: HttpRequest) -> dict[str, Any]:
    """ggzy-opening-sheet-v1 (JSON Schema 2020-12), for tool vendors and bidders."""
    return openingsheet.schema()


@router.get("/sealing/bids/mine", response=list[BidOut], summary="My organisations' sealed bids")
@allow(Role.RESPONDER)
def bids_mine(request: HttpRequest) -> list[BidOut]:
    return [_out(bid) for bid in selectors.my_bids(user=request.user)]


@router.get(
    "/sealing/bids/{bid_uid}/receipt",
    response=JSONDict,
    summary="My bid's signed receipt (ggzy-bid-receipt-v1), with the witness log's promise of its event",
)
@allow(Role.RESPONDER)
def bid_receipt(request: HttpRequest, bid_uid: uuid.UUID) -> JSONDict:
    """`{receipt, signature, promise}` as made when the bid was received: check it offline with
    `ggzy-verify receipt RECEIPT.json --keys KEYS.json` (the keys: `/sealing/receipt-keys`). Another
    organisation's bid is not found, as a missing one."""
    bid = selectors.access_bid(viewer=request.user, uid=bid_uid)
    if bid.receipt is None:  # received before receipts existed
        raise DomainError(SealingError.NOT_FOUND)
    return bid.receipt


@router.get(
    "/sealing/receipt-keys",
    response=JSONDict,
    summary="Every key that signs bid receipts, with its active period (ggzy-bid-receipt-keys-v1)",
)
@public
def receipt_keys(request: HttpRequest) -> JSONDict:
    """Public, so anyone can verify a receipt: retired keys stay listed (a receipt signed before a
    rotation verifies with the key it names, within that key's period)."""
    return receipts.receipt_keys()


@router.post(
    "/sealing/bids/{bid_uid}/withdraw", response=BidOut, summary="Withdraw my bid before the deadline"
)
@allow(Role.RESPONDER)
@refuses(SealingError.NOT_STANDING, SealingError.TOO_LATE)
def bid_withdraw(request: HttpRequest, bid_uid: uuid.UUID) -> BidOut:
    bid = selectors.access_bid(viewer=request.user, uid=bid_uid)
    return _out(services.bid_withdraw(actor=actor_of(request), bid=bid))


@router.post("/sealing/bids/{bid_uid}/release", response=BidOut, summary="Open my bid with my signed release")
@allow(Role.RESPONDER)
def bid_release(request: HttpRequest, bid_uid: uuid.UUID, payload: ReleaseIn) -> BidOut:
    """At the opening: the release `ggzy-bid release` made (the bid's key, signed for this very
    ciphertext). Refused before the opening time, for a withdrawn bid, and for a key that fails the
    bid's key commitment; the reason is named."""
    bid = selectors.access_bid(viewer=request.user, uid=bid_uid)
    opened = services.bid_open(actor=actor_of(request), bid=bid, release=payload.dict())
    return _out(opened)


class SetIn(Schema):
    centre: str = Field(..., max_length=32, description="the centre's code")
    signed: dict[str, Any] = Field(..., description="{body, signatures}: ggzy-custodian-set-v2")


class SetOut(Schema):
    centre: str
    fingerprint: str
    k: int
    n: int
    demo: bool
    published_at: dt.datetime
    signed: dict[str, Any]


def _set_out(published: CustodianSet) -> SetOut:
    return SetOut(
        centre=published.centre.code,
        fingerprint=published.fingerprint,
        k=published.k,
        n=published.n,
        demo=published.demo,
        published_at=published.published_at,
        signed=published.signed,
    )


@router.post("/sealing/custodian-sets", response={201: SetOut}, summary="Publish a centre's custodian set")
@allow(Role.SYSTEM_ADMIN)
@refuses(
    SealingError.DEMO_CUSTODIANS_IN_PRODUCTION,
    SealingError.REAL_CUSTODIANS_IN_SANDBOX,
    SealingError.NOTICE_KEY_NOT_HONOURED,
)
def custodian_set_publish(request: HttpRequest, payload: SetIn) -> Status[SetOut]:
    """The set as every custodian and the supervising department signed it; refused unless all signed.
    Its authority is those signatures (bidders' clients verify them), not this upload."""
    centre = centre_by_code(payload.centre)
    if centre is None:
        raise DomainError(SealingError.NO_CUSTODIAN_SET)
    published = services.custodian_set_publish(actor=actor_of(request), centre=centre, signed=payload.signed)
    return Status(201, _set_out(published))


@router.get("/sealing/custodian-sets/{centre}", response=SetOut, summary="A centre's current custodian set")
@public
def custodian_set_current(request: HttpRequest, centre: str) -> SetOut:
    """What `ggzy-bid seal --custodians` needs: the signed set (verify it; compare its fingerprint)."""
    found = centre_by_code(centre)
    published = selectors.current_set(found) if found else None
    if published is None:
        raise DomainError(SealingError.NO_CUSTODIAN_SET)
    return _set_out(published)


@router.post(
    "/sealing/bids/{bid_uid}/open-by-custodians",
    response=BidOut,
    summary="Open a bid with its custodians' shares",
)
@allow(Role.CENTRE_STAFF)
def bid_open_by_custodians(request: HttpRequest, bid_uid: uuid.UUID) -> BidOut:
    """From the opening time on, by the policy of docs/security.md (the bidder's own release first). Each
    custodian judges the time by its own clock; a share that disagrees is named in the event."""
    bid = selectors.access_hosted_bid(viewer=request.user, uid=bid_uid)
    return _out(services.bid_open_by_custodians(actor=actor_of(request), bid=bid))


class TransitionOut(Schema):
    uid: uuid.UUID
    set: str
    from_key: str
    to_key: str
    complete: bool
    document: dict[str, Any] = Field(..., description="the payload to sign and the signatures so far")


def _transition_out(t: Any) -> TransitionOut:
    return TransitionOut(
        uid=t.uid,
        set=t.set_fingerprint,
        from_key=t.from_key,
        to_key=t.to_key,
        complete=t.complete,
        document=t.document,
    )


@router.post(
    "/sealing/notice-key-transitions/{centre}",
    response={201: TransitionOut},
    summary="After a notice-key rotation: the old key signs the hand-over (the supervisor signs next)",
)
@allow(Role.SECURITY_ADMIN)
@refuses(SealingError.TRANSITION_NOT_NEEDED, SealingError.NOTICE_KEY_NOT_HONOURED)
def transition_begin(request: HttpRequest, centre: str) -> Status[TransitionOut]:
    from ggzy.accounts.auth import session_only

    session_only(request)
    found = centre_by_code(centre)
    if found is None:
        raise DomainError(SealingError.NO_CUSTODIAN_SET)
    return Status(
        201, _transition_out(services.notice_key_transition_begin(actor=actor_of(request), centre=found))
    )


class SupervisorSignatureIn(Schema):
    signature: str = Field(
        ..., pattern=r"^[0-9a-f]{128}$", description="the supervising department's, hex r‖s"
    )


@router.post(
    "/sealing/notice-key-transitions/{transition_uid}/supervisor-signature",
    response=TransitionOut,
    summary="Complete a notice-key transition with the supervising department's signature",
)
@allow(Role.SECURITY_ADMIN, Role.SUPERVISOR)
def transition_complete(
    request: HttpRequest, transition_uid: uuid.UUID, payload: SupervisorSignatureIn
) -> TransitionOut:
    from ggzy.accounts.auth import session_only

    session_only(request)
    return _transition_out(
        services.notice_key_transition_complete(
            actor=actor_of(request), transition_uid=transition_uid, supervisor_signature=payload.signature
        )
    )
