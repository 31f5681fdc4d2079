from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Query, Status

from ggzy.accounts import changes, credentials, parties, policy, selectors, services
from ggzy.accounts.auth import session_only
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.models import AccountChange, Centre, Organisation, RoleGrant
from ggzy.accounts.schemas import (
    AccountChangeDecidedOut,
    AccountChangeIn,
    AccountChangeOut,
    AccountCreatedOut,
    AccountIn,
    ActiveIn,
    CentreIn,
    CentreOut,
    DecisionIn,
    EnrolmentCodeIn,
    EntrustmentOut,
    MeOut,
    OrganisationIn,
    OrganisationOut,
    PasswordResetIn,
    PhoneIn,
    ReasonIn,
    RoleGrantIn,
    RoleGrantOut,
    RoleGrantRevokedOut,
    SecretOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)
from ggzy.accounts.states import change_state
from ggzy.core import clock, regions
from ggzy.core.access import actor_of, allow, signed_in
from ggzy.core.api import PAGED, Router, paged, refuses
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import person_name
from ggzy.core.roles import ADMIN_ROLES, Role
from ggzy.core.schemas import PageQuery

router = Router(tags=["accounts"])


@router.get("/me", response=MeOut, summary="The signed-in user and the roles they hold")
@signed_in
def me(request: HttpRequest) -> MeOut:
    user = actor_of(request)
    return MeOut(
        username=user.get_username(),
        full_name=person_name(user),
        roles=sorted(r.value for r in selectors.user_roles(user)),
        language=get_language(),
    )


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
@signed_in
def token_list(request: HttpRequest) -> list[TokenOut]:
    return [
        TokenOut.model_validate(t, from_attributes=True) for t in selectors.token_list(user=actor_of(request))
    ]


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create an API token for myself")
@signed_in
def token_create(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    session_only(request)
    token, raw = services.token_create(
        user=actor_of(request), name=payload.name, days=payload.days, scopes=payload.scopes
    )
    shown = TokenOut.model_validate(token, from_attributes=True).model_dump()
    return Status(201, TokenCreatedOut(**shown, token=raw))


@router.delete("/tokens/{token_uid}", response={204: None}, summary="Revoke one of my API tokens")
@signed_in
@refuses(AccountsError.TOKEN_ALREADY_REVOKED)
def token_revoke(request: HttpRequest, token_uid: uuid.UUID) -> Status[None]:
    services.token_revoke(user=actor_of(request), token_uid=token_uid)
    return Status(204, None)


def organisation_out(o: Organisation) -> OrganisationOut:
    return OrganisationOut(
        uid=o.uid,
        code_kind=o.code_kind,
        uscc=o.uscc,
        country=o.country,
        name=o.name,
        region=o.region,
        legal_representative=o.legal_representative,
        contact_phone=str(o.contact_phone),
    )


@router.post("/organisations", response={201: OrganisationOut}, summary="Register my organisation")
@signed_in
@refuses(AccountsError.ORGANISATION_EXISTS)
def organisation_register(request: HttpRequest, payload: OrganisationIn) -> Status[OrganisationOut]:
    user = actor_of(request)
    organisation = parties.organisation_register(actor=user, member=user, **payload.model_dump())
    return Status(201, organisation_out(organisation))


@router.get(
    "/organisations",
    response=list[OrganisationOut],
    summary="Organisations I may see, a page at a time",
    openapi_extra=PAGED,
)
@signed_in
def organisation_list(
    request: HttpRequest, response: HttpResponse, page: Query[PageQuery]
) -> list[OrganisationOut]:
    rows = paged(request, response, selectors.organisation_list(viewer=request.user), page)
    return [organisation_out(o) for o in rows]


@router.get("/organisations/{organisation_uid}", response=OrganisationOut, summary="One organisation")
@signed_in
def organisation_get(request: HttpRequest, organisation_uid: uuid.UUID) -> OrganisationOut:
    return organisation_out(selectors.access_organisation(viewer=request.user, uid=organisation_uid))


def centre_out(c: Centre) -> CentreOut:
    return CentreOut(
        code=c.code,
        name=c.name,
        region=c.region,
        region_name=regions.full_name(c.region),
        parent=c.parent.code if c.parent else "",
        closing_time=c.closing_time,
    )


@router.get("/accounts/centres", response=list[CentreOut], summary="Trading centres (system administrator)")
@allow(Role.SYSTEM_ADMIN)
def centre_list(request: HttpRequest) -> list[CentreOut]:
    return [centre_out(c) for c in selectors.centre_list()]


@router.post(
    "/accounts/centres", response={201: CentreOut}, summary="Create a trading centre (system administrator)"
)
@allow(Role.SYSTEM_ADMIN)
@refuses(AccountsError.CENTRE_EXISTS)
def centre_create(request: HttpRequest, payload: CentreIn) -> Status[CentreOut]:
    session_only(request)
    parent = selectors.centre_by_code(payload.parent)
    if payload.parent and parent is None:
        raise DomainError(AccountsError.CENTRE_PARENT_INVALID, detail={"parent": payload.parent})
    centre = parties.centre_create(
        actor=actor_of(request),
        code=payload.code,
        name=payload.name,
        region=payload.region,
        parent=parent,
        closing_time=payload.closing_time,
    )
    return Status(201, centre_out(centre))


@router.post(
    "/users",
    response={201: AccountCreatedOut},
    summary="Open an account without roles; its initial password is shown once (system administrator)",
)
@allow(Role.SYSTEM_ADMIN)
@refuses(AccountsError.ACCOUNT_EXISTS)
def account_create(request: HttpRequest, payload: AccountIn) -> Status[AccountCreatedOut]:
    session_only(request)
    user, password = services.account_create(actor=actor_of(request), **payload.model_dump())
    return Status(
        201,
        AccountCreatedOut(
            username=user.get_username(),
            full_name=person_name(user),
            must_change_password=policy.password_must_change(user),
            initial_password=password,
        ),
    )


@router.post(
    "/users/{username}/roles",
    response={201: RoleGrantOut},
    summary="Grant a role (security administrator; administrator roles through a change request)",
)
@allow(Role.SECURITY_ADMIN)
@refuses(AccountsError.ADMIN_CHANGE_NEEDS_APPROVAL, AccountsError.ADMIN_ONLY_ROLE)
def role_grant(request: HttpRequest, username: str, payload: RoleGrantIn) -> Status[RoleGrantOut]:
    session_only(request)
    user = selectors.access_user(viewer=request.user, username=username)
    if payload.role == Role.PUBLIC:  # what everyone is, never granted
        raise DomainError(CoreError.NOT_FOUND)
    centre = selectors.centre_by_code(payload.centre or "")
    organisation = (
        Organisation.objects.filter(uid=payload.organisation_uid).first()
        if payload.organisation_uid
        else None
    )
    grant: RoleGrant = parties.role_grant(
        actor=actor_of(request),
        user=user,
        role=payload.role,
        centre=centre,
        organisation=organisation,
        region=payload.region,
        category=payload.category,
    )
    return Status(
        201,
        RoleGrantOut(
            uid=grant.uid,
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
        for e in selectors.entrustments_of(user=actor_of(request)).select_related("agent")
    ]


@router.delete(
    "/role-grants/{grant_uid}",
    response={200: RoleGrantRevokedOut},
    summary="Revoke a role (security administrator; administrator roles through a change request)",
)
@allow(Role.SECURITY_ADMIN)
@refuses(AccountsError.ADMIN_CHANGE_NEEDS_APPROVAL, AccountsError.GRANT_REVOKED)
def role_revoke(request: HttpRequest, grant_uid: uuid.UUID) -> RoleGrantRevokedOut:
    session_only(request)
    grant = selectors.access_grant(viewer=request.user, uid=grant_uid)
    grant = parties.role_revoke(actor=actor_of(request), grant=grant)
    return RoleGrantRevokedOut(uid=grant.uid, role=grant.role, revoked_at=grant.revoked_at or clock.now())


@router.post(
    "/users/{username}/password-reset",
    response={200: SecretOut},
    summary="Reset someone's password (security administrator; not an administrator's)",
)
@allow(Role.SECURITY_ADMIN)
@refuses(AccountsError.ADMIN_CHANGE_NEEDS_APPROVAL)
def password_reset(request: HttpRequest, username: str, payload: PasswordResetIn) -> SecretOut:
    session_only(request)
    user = selectors.access_user(viewer=request.user, username=username)
    secret = credentials.password_reset(
        actor=actor_of(request), user=user, reason=payload.reason, deliver=payload.deliver
    )
    return SecretOut(secret=secret)


@router.post(
    "/users/{username}/totp-reset",
    response={204: None},
    summary="Reset someone's second factor (security administrator; not an administrator's)",
)
@allow(Role.SECURITY_ADMIN)
@refuses(AccountsError.ADMIN_CHANGE_NEEDS_APPROVAL)
def totp_reset(request: HttpRequest, username: str, payload: ReasonIn) -> Status[None]:
    session_only(request)
    user = selectors.access_user(viewer=request.user, username=username)
    credentials.totp_reset(actor=actor_of(request), user=user, reason=payload.reason)
    return Status(204, None)


@router.post(
    "/users/{username}/enrolment-code",
    response={200: SecretOut},
    summary="Issue an enrolment code for a second factor (security administrator)",
)
@allow(Role.SECURITY_ADMIN)
@refuses(AccountsError.ADMIN_CHANGE_NEEDS_APPROVAL, AccountsError.NO_SECOND_FACTOR)
def enrolment_code(request: HttpRequest, username: str, payload: EnrolmentCodeIn) -> SecretOut:
    session_only(request)
    user = selectors.access_user(viewer=request.user, username=username)
    code = credentials.enrolment_code_send(actor=actor_of(request), user=user, channel=payload.channel)
    return SecretOut(secret=code)


@router.post(
    "/users/{username}/active",
    response={204: None},
    summary="Deactivate or reactivate an account (system or security administrator; not an administrator's)",
)
@allow(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
@refuses(AccountsError.ADMIN_CHANGE_NEEDS_APPROVAL)
def account_active(request: HttpRequest, username: str, payload: ActiveIn) -> Status[None]:
    session_only(request)
    user = selectors.access_user(viewer=request.user, username=username)
    credentials.account_active_set(
        actor=actor_of(request), user=user, active=payload.active, reason=payload.reason
    )
    return Status(204, None)


@router.put(
    "/users/{username}/phone",
    response={204: None},
    summary="Set the phone on record (system administrator; not an administrator's)",
)
@allow(Role.SYSTEM_ADMIN)
@refuses(AccountsError.ADMIN_CHANGE_NEEDS_APPROVAL)
def phone_set(request: HttpRequest, username: str, payload: PhoneIn) -> Status[None]:
    session_only(request)
    user = selectors.access_user(viewer=request.user, username=username)
    credentials.phone_set(actor=actor_of(request), user=user, phone=payload.phone)
    return Status(204, None)


def change_out(
    change: AccountChange, secret: str | None = None, *, now: dt.datetime | None = None
) -> AccountChangeOut:
    out = AccountChangeOut(
        uid=change.uid,
        kind=change.kind,
        target=change.target.get_username(),
        role=change.role,
        reason=change.reason,
        state=change_state(change, now or clock.now()),
        requested_by=change.requested_by.get_username(),
        requested_at=change.requested_at,
        expires_at=change.expires_at,
        decided_by=change.decided_by.get_username() if change.decided_by else "",
        decided_at=change.decided_at,
        note=change.note,
    )
    if secret is not None:
        return AccountChangeDecidedOut(**out.model_dump(), secret=secret)
    return out


ADMINS = tuple(sorted(ADMIN_ROLES))


@router.get(
    "/account-changes",
    response=list[AccountChangeOut],
    summary="Changes to administrators' accounts, a page at a time",
    openapi_extra=PAGED,
)
@allow(*ADMINS)
def change_list(
    request: HttpRequest, response: HttpResponse, page: Query[PageQuery]
) -> list[AccountChangeOut]:
    now = clock.now()  # one reading for the list (on PostgreSQL each reading is a query)
    return [
        change_out(c, now=now)
        for c in paged(request, response, changes.change_list(viewer=request.user), page)
    ]


@router.post(
    "/account-changes",
    response={201: AccountChangeOut},
    summary="Request a change to an administrator's account (another administrator approves)",
)
@allow(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
def change_request(request: HttpRequest, payload: AccountChangeIn) -> Status[AccountChangeOut]:
    session_only(request)
    target = selectors.access_user(viewer=request.user, username=payload.target)
    change = changes.change_request(
        actor=actor_of(request),
        target=target,
        kind=payload.kind,
        reason=payload.reason,
        role=payload.role or "",
    )
    return Status(201, change_out(change))


@router.post(
    "/account-changes/{change_uid}/approve",
    response={200: AccountChangeDecidedOut},
    summary="Approve and carry out a change (a second administrator)",
)
@allow(*ADMINS)
@refuses(AccountsError.CHANGE_NOT_PENDING, AccountsError.ADMIN_ONLY_ROLE, AccountsError.NO_SECOND_FACTOR)
def change_approve(request: HttpRequest, change_uid: uuid.UUID, payload: DecisionIn) -> AccountChangeOut:
    session_only(request)
    change, secret = changes.change_approve(actor=actor_of(request), change_uid=change_uid, note=payload.note)
    return change_out(change, secret)


@router.post(
    "/account-changes/{change_uid}/refuse",
    response={200: AccountChangeOut},
    summary="Refuse a change (a second administrator)",
)
@allow(*ADMINS)
@refuses(AccountsError.CHANGE_NOT_PENDING)
def change_refuse(request: HttpRequest, change_uid: uuid.UUID, payload: DecisionIn) -> AccountChangeOut:
    session_only(request)
    return change_out(
        changes.change_refuse(actor=actor_of(request), change_uid=change_uid, note=payload.note)
    )


@router.post(
    "/account-changes/{change_uid}/withdraw",
    response={200: AccountChangeOut},
    summary="Withdraw one's own request",
)
@allow(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
@refuses(AccountsError.CHANGE_NOT_PENDING)
def change_withdraw(request: HttpRequest, change_uid: uuid.UUID) -> AccountChangeOut:
    session_only(request)
    return change_out(changes.change_withdraw(actor=actor_of(request), change_uid=change_uid))
