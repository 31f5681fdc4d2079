from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Status

from ggzy.accounts import parties, selectors, services
from ggzy.accounts.models import Organisation, RoleGrant
from ggzy.accounts.schemas import (
    EntrustmentOut,
    MeOut,
    OrganisationIn,
    OrganisationOut,
    RoleGrantIn,
    RoleGrantOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)
from ggzy.core.access import allow, signed_in
from ggzy.core.api import Router
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.names import person_name
from ggzy.core.roles import Role

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


def organisation_out(o: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=o.pk,
        uscc=o.uscc,
        name=o.name,
        region=o.region,
        legal_representative=o.legal_representative,
        contact_phone=str(o.contact_phone),
    )


@router.post("/organisations", response={201: OrganisationOut}, summary="Register my organisation")
@signed_in
def organisation_register(request: HttpRequest, payload: OrganisationIn) -> Status[OrganisationOut]:
    organisation = parties.organisation_register(
        actor=request.user, member=request.user, **payload.model_dump()
    )
    return Status(201, organisation_out(organisation))


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations I may see")
@signed_in
def organisation_list(request: HttpRequest) -> list[OrganisationOut]:
    return [organisation_out(o) for o in selectors.organisation_list(viewer=request.user)[:500]]


@router.get("/organisations/{organisation_id}", response=OrganisationOut, summary="One organisation")
@signed_in
def organisation_get(request: HttpRequest, organisation_id: int) -> OrganisationOut:
    return organisation_out(
        selectors.access_organisation(viewer=request.user, organisation_id=organisation_id)
    )


@router.post(
    "/users/{user_id}/roles", response={201: RoleGrantOut}, summary="Grant a role (system administrator)"
)
@allow(Role.SYSTEM_ADMIN)
def role_grant(request: HttpRequest, user_id: int, payload: RoleGrantIn) -> Status[RoleGrantOut]:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or payload.role not in Role.values or payload.role == Role.PUBLIC:
        raise DomainError(CoreError.NOT_FOUND)
    centre = selectors.centre_by_code(payload.centre or "")
    organisation = (
        Organisation.objects.filter(pk=payload.organisation_id).first() if payload.organisation_id else None
    )
    grant: RoleGrant = parties.role_grant(
        actor=request.user,
        user=user,
        role=Role(payload.role),
        centre=centre,
        organisation=organisation,
        region=payload.region,
        category=payload.category,
    )
    return Status(
        201,
        RoleGrantOut(
            id=grant.pk,
            role=grant.role,
            centre=centre.code if centre else "",
            organisation=organisation.uscc if organisation else "",
            region=grant.region,
        ),
    )


@router.get("/entrustments", response=list[EntrustmentOut], summary="My organisation's valid entrustments")
@allow(Role.AGENT)
def entrustment_list(request: HttpRequest) -> list[EntrustmentOut]:
    return [
        EntrustmentOut(
            project=e.project,
            initiator=e.initiator.name,
            agent=e.agent.name,
            scope=e.scope,
            valid_from=e.valid_from,
            valid_until=e.valid_until,
        )
        for e in selectors.entrustments_of(user=request.user).select_related("agent")
    ]
