from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema, Status

from ggzy.core.access import allow, public, signed_in
from ggzy.core.api import Router
from ggzy.core.roles import Role
from ggzy.witness import media, selectors

router = Router(tags=["witness"])


@router.get("/witness/sth", response=dict[str, Any], summary="The latest signed tree head of the witness log")
@public
def sth(request: HttpRequest) -> dict[str, Any]:
    return selectors.sth_out(selectors.sth_latest())


@router.get(
    "/witness/epochs",
    response=list[dict[str, Any]],
    summary="The supervising department's statements of the log's epochs (restores from backup)",
)
@public
def epochs(request: HttpRequest) -> list[dict[str, Any]]:
    return selectors.epochs_out()


@router.get(
    "/witness/trust",
    response=dict[str, Any],
    summary="The co-signers and threshold this platform is configured with (verifiers pin their own copy)",
)
@public
def trust(request: HttpRequest) -> dict[str, Any]:
    return selectors.trust_out()


class EpochIn(Schema):
    statement: dict[str, Any]
    signer_key: str
    signature: str


@router.post(
    "/witness/epochs",
    response={201: dict[str, Any]},
    summary="Begin the epoch a supervising department's signed statement declares (after a restore)",
)
@allow(Role.SYSTEM_ADMIN)
def epoch_begin(request: HttpRequest, payload: EpochIn) -> Status[dict[str, Any]]:
    from ggzy.accounts.auth import session_only
    from ggzy.witness.services import epoch_begin as begin

    session_only(request)
    head = begin(actor=request.user, signed=payload.model_dump())
    return Status(201, selectors.sth_out(head))


@router.get(
    "/witness/consistency", response=dict[str, Any], summary="A consistency proof between two tree heads"
)
@public
def consistency(
    request: HttpRequest, old: int = Query(..., ge=1), new: int = Query(..., ge=1)
) -> dict[str, Any]:
    return selectors.consistency_between(old, new)


@router.get("/witness/events/{uid}/promise", response=dict[str, Any], summary="A signed promise of inclusion")
@signed_in
def promise(request: HttpRequest, uid: uuid.UUID) -> dict[str, Any]:
    return selectors.promise_for(viewer=request.user, event_uid=str(uid))


@router.get(
    "/witness/events/{uid}/proof", response=dict[str, Any], summary="An inclusion proof of an event I may see"
)
@signed_in
def proof(request: HttpRequest, uid: uuid.UUID) -> dict[str, Any]:
    return selectors.inclusion_proof_for(viewer=request.user, event_uid=str(uid))


class MediaIn(Schema):
    room: str
    camera: str
    started_at: dt.datetime
    ended_at: dt.datetime
    location: str
    project: str = ""


class MediaOut(Schema):
    id: int
    sm3: str
    size: int
    event_uid: str


@router.post("/witness/media", response={201: MediaOut}, summary="Register a room recording by its hash")
@allow(Role.CENTRE_STAFF)
def media_register(request: HttpRequest, payload: MediaIn) -> Status[MediaOut]:
    recording = media.media_register(actor=request.user, **payload.model_dump())
    return Status(
        201,
        MediaOut(id=recording.pk, sm3=recording.sm3, size=recording.size, event_uid=str(recording.event_uid)),
    )
