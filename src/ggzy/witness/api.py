from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from ninja import Field, Query, Schema, Status

from ggzy.core.access import actor_of, allow, public, signed_in
from ggzy.core.api import Router, refuses
from ggzy.core.roles import Role
from ggzy.core.schemas import TreeSize
from ggzy.core.types import JSONDict
from ggzy.witness import media, selectors
from ggzy.witness.errors import WitnessError

router = Router(tags=["witness"])


@router.get("/witness/sth", response=JSONDict, summary="The latest signed tree head of the witness log")
@public
def sth(request: HttpRequest) -> JSONDict:
    return selectors.sth_out(selectors.sth_latest())


@router.get(
    "/witness/epochs",
    response=list[JSONDict],
    summary="The supervising department's statements of the log's epochs (restores from backup)",
)
@public
def epochs(request: HttpRequest) -> list[JSONDict]:
    return selectors.epochs_out()


@router.get(
    "/witness/trust",
    response=JSONDict,
    summary="The co-signers and threshold this platform is configured with (verifiers pin their own copy)",
)
@public
def trust(request: HttpRequest) -> JSONDict:
    return selectors.trust_out()


class EpochIn(Schema):
    statement: JSONDict
    signer_key: str
    signature: str


@router.post(
    "/witness/epochs",
    response={201: JSONDict},
    summary="Begin the epoch a supervising department's signed statement declares (after a restore)",
)
@allow(Role.SYSTEM_ADMIN)
@refuses(WitnessError.TRUST_MISSING)
def epoch_begin(request: HttpRequest, payload: EpochIn) -> Status[JSONDict]:
    from ggzy.accounts.auth import session_only
    from ggzy.witness.services import epoch_begin as begin

    session_only(request)
    head = begin(actor=actor_of(request), signed=payload.model_dump())
    return Status(201, selectors.sth_out(head))


@router.get("/witness/consistency", response=JSONDict, summary="A consistency proof between two tree heads")
@public
def consistency(request: HttpRequest, old: Query[TreeSize], new: Query[TreeSize]) -> JSONDict:
    return selectors.consistency_between(old, new)


@router.get("/witness/events/{event_uid}/promise", response=JSONDict, summary="A signed promise of inclusion")
@signed_in
def promise(request: HttpRequest, event_uid: uuid.UUID) -> JSONDict:
    return selectors.promise_for(viewer=request.user, event_uid=str(event_uid))


@router.get(
    "/witness/events/{event_uid}/proof", response=JSONDict, summary="An inclusion proof of an event I may see"
)
@signed_in
def proof(request: HttpRequest, event_uid: uuid.UUID) -> JSONDict:
    return selectors.inclusion_proof_for(viewer=request.user, event_uid=str(event_uid))


class MediaIn(Schema):
    room: str
    camera: str
    started_at: dt.datetime
    ended_at: dt.datetime
    location: str = Field(
        description="The file's path under the media store, inside MEDIA_ROOT/recordings/<centre code>/"
    )
    centre: str = Field("", description="The centre's code (may be left out by staff of one centre)")
    project: str = ""


class MediaOut(Schema):
    uid: uuid.UUID
    sm3: str
    size: int
    event_uid: str


@router.post(
    "/witness/media",
    response={201: MediaOut},
    summary="Register a room recording of my centre by its hash",
    description="The file must be in the centre's recordings area of the media store "
    "(recordings/<centre code>/…); any other location, another centre's included, is refused with the "
    "same error as a missing file, and a centre the caller is not staff of is not found.",
)
@allow(Role.CENTRE_STAFF)
def media_register(request: HttpRequest, payload: MediaIn) -> Status[MediaOut]:
    recording = media.media_register(actor=actor_of(request), **payload.model_dump())
    return Status(
        201,
        MediaOut(
            uid=recording.uid, sm3=recording.sm3, size=recording.size, event_uid=str(recording.event_uid)
        ),
    )
