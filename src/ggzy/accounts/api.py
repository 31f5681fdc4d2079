from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Status

from ggzy.accounts import selectors, services
from ggzy.accounts.schemas import MeOut, TokenCreatedOut, TokenIn, TokenOut
from ggzy.core.access import signed_in
from ggzy.core.api import Router
from ggzy.core.names import person_name

router = Router(tags=["accounts"])


@router.get("/me", response=MeOut, summary="The signed-in user and the roles they hold")
@signed_in
def me(request: HttpRequest) -> MeOut:
    user = request.user
    return MeOut(
        username=user.get_username(),
        full_name=person_name(user),
        roles=sorted(r.value for r in selectors.user_roles(user)),
        language=get_language(),
    )


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
@signed_in
def token_list(request: HttpRequest) -> list[TokenOut]:
    return [TokenOut.model_validate(t, from_attributes=True) for t in selectors.token_list(user=request.user)]


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create an API token for myself")
@signed_in
def token_create(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    token, raw = services.token_create(user=request.user, name=payload.name, days=payload.days)
    shown = TokenOut.model_validate(token, from_attributes=True).model_dump()
    return Status(201, TokenCreatedOut(**shown, token=raw))


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke one of my API tokens")
@signed_in
def token_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    services.token_revoke(user=request.user, token_id=token_id)
    return Status(204, None)
