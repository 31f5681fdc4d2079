from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query

from ggzy.core.access import public, signed_in
from ggzy.core.api import Router
from ggzy.witness import selectors

router = Router(tags=["witness"])


@router.get("/witness/sth", response=dict[str, Any], summary="The latest signed tree head of the witness log")
@public
def sth(request: HttpRequest) -> dict[str, Any]:
    return selectors.sth_out(selectors.sth_latest())


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
