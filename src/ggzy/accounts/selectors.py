"""Reads about users and parties, with the access rule applied in the query."""

from __future__ import annotations

import uuid
from typing import TypedDict

from django.db.models import F, QuerySet

from ggzy.accounts.errors import AccountsError
from ggzy.accounts.models import (
    ApiToken,
    Centre,
    Entrustment,
    Organisation,
    OrganisationApplication,
    RoleGrant,
)
from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.roles import ADMIN_ROLES, HELD_ROLES, Role
from ggzy.core.types import Actor, Viewer

_VALUES = {r.value: r for r in HELD_ROLES}


#: Where `user_roles` keeps a user's roles for the request (on the user object).
ROLES_CACHE = "_ggzy_roles"


def user_roles(user: Viewer | None) -> frozenset[Role]:
    """The roles `user` holds through active grants (cached on the user object for the request).

    Anonymous and inactive users hold none (everyone is PUBLIC)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, ROLES_CACHE, None)
    if not isinstance(cached, frozenset):
        names = RoleGrant.objects.filter(user=user, revoked_at__isnull=True).values_list("role", flat=True)
        cached = frozenset(_VALUES[n] for n in names if n in _VALUES)
        setattr(user, ROLES_CACHE, cached)
    return cached


def user_roles_forget(user: Actor) -> None:
    """Drop the cached roles of `user` (a grant or a revocation changed them)."""
    setattr(user, ROLES_CACHE, None)


def region_prefix(region: str) -> str:
    """GB/T 2260: 210000 (a province) covers 21xxxx, 210100 (a city) covers 2101xx."""
    region = region.rstrip("0")
    return region + "0" * (len(region) % 2)


def viewer_scope(viewer: Viewer | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(centre codes, region prefixes) of a viewer's staff and supervisor grants; a provincial
    centre's staff also see the centres under it."""
    from ggzy.accounts.models import Centre

    if not is_signed_in(viewer):
        return (), ()
    grants = RoleGrant.objects.filter(user=viewer, revoked_at__isnull=True)
    centres = set(grants.filter(role=Role.CENTRE_STAFF).values_list("centre__code", flat=True)) - {None}
    centres |= set(Centre.objects.filter(parent__code__in=centres).values_list("code", flat=True))
    regions = {
        region_prefix(r) for r in grants.filter(role=Role.SUPERVISOR).values_list("region", flat=True) if r
    }
    return tuple(sorted(c for c in centres if c)), tuple(sorted(regions))


def supervisors_for(region: str) -> list[Actor]:
    """The active supervisors whose jurisdiction covers `region` (a province's cover its cities), or
    every supervisor for an event of no region."""
    from django.contrib.auth import get_user_model

    grants = RoleGrant.objects.filter(role=Role.SUPERVISOR, revoked_at__isnull=True)
    ids = [
        user_id
        for user_id, granted in grants.values_list("user", "region")
        if not region or not granted or region.startswith(region_prefix(granted))
    ]
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def staff_centres(user: Viewer) -> QuerySet[Centre]:
    """The centres `user` is staff of (active grants), by code (the registry, the calendar and the
    service desk ask here)."""
    from ggzy.accounts.models import Centre

    if not is_signed_in(user):
        return Centre.objects.none()
    grants = RoleGrant.objects.filter(user=user, role=Role.CENTRE_STAFF, revoked_at__isnull=True)
    return Centre.objects.filter(pk__in=grants.values("centre")).order_by("code")


def access_staff_centre(*, viewer: Viewer, code: str) -> Centre:
    """A centre `viewer` is staff of, by its code; another centre (or none) raises the same not-found
    error as a missing one."""
    found = staff_centres(viewer).filter(code=code).first() if code else None
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def chosen_centre(*, viewer: Viewer, code: str) -> Centre | None:
    """The centre a staff page shows: the one of `code` (not-found unless `viewer` is its staff), or the
    first of `viewer`'s centres when no code is given (None: staff of none)."""
    if code:
        return access_staff_centre(viewer=viewer, code=code)
    return staff_centres(viewer).first()


def supervises(user: Viewer, *, region: str, category: str) -> bool:
    """Whether `user` holds an active supervisor grant covering `region` (a province's covers its cities)
    and `category` (a grant of no category covers every category)."""
    if not is_signed_in(user):
        return False
    grants = RoleGrant.objects.filter(user=user, role=Role.SUPERVISOR, revoked_at__isnull=True)
    return any(
        (not granted or region.startswith(region_prefix(granted))) and (not cat or cat == category)
        for granted, cat in grants.values_list("region", "category")
    )


def token_list(*, user: Actor) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def centre_by_code(code: str) -> Centre | None:
    """The centre of `code` (a request names centres by code), or None."""
    return Centre.objects.filter(code=code).first() if code else None


def centre_list() -> QuerySet[Centre]:
    """Every trading centre, by code (the system administrator's list; centres are no secret)."""
    return Centre.objects.select_related("parent").order_by("code")


def grants_of(*, user: Actor) -> QuerySet[RoleGrant]:
    """A user's role grants with their scope, those in force first, then the ended ones, newest first."""
    return (
        RoleGrant.objects.filter(user=user)
        .select_related("centre", "organisation")
        .order_by(F("revoked_at").desc(nulls_first=True), "-granted_at", "-pk")
    )


def organisations_of(*, user: Actor) -> QuerySet[Organisation]:
    return Organisation.objects.filter(members__user=user).order_by("name")


def organisation_list(*, viewer: Viewer | None) -> QuerySet[Organisation]:
    """Organisations a viewer may see: staff and supervisors all; everyone else their own."""
    if not is_signed_in(viewer):
        return Organisation.objects.none()
    if user_roles(viewer) & {Role.CENTRE_STAFF, Role.SUPERVISOR}:
        return Organisation.objects.order_by("name")
    return organisations_of(user=viewer)


def access_organisation(*, viewer: Viewer | None, uid: uuid.UUID) -> Organisation:
    """Fetch and authorise in one call: an organisation `viewer` may see (`organisation_list`); "missing"
    and "not yours" raise the same not-found error."""
    found = organisation_list(viewer=viewer).filter(uid=uid).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def access_user(*, viewer: Viewer | None, username: str) -> Actor:
    """An account, for the administrators whose declared access lets them act on accounts (every account:
    what they may do to it is the services' rule); a missing one raises the not-found error. Accounts are
    named by their user name (unique, and what these administrators see anyway), never by their key."""
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(username=username).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def access_grant(*, viewer: Viewer | None, uid: uuid.UUID) -> RoleGrant:
    """A role grant, for the security administrator (who grants and revokes every role); a missing one
    raises the not-found error."""
    found = RoleGrant.objects.select_related("user", "centre", "organisation").filter(uid=uid).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def entrustments_of(*, user: Actor) -> QuerySet[Entrustment]:
    """The valid entrustments of the organisations the user acts for as an agent."""
    agent_orgs = RoleGrant.objects.filter(user=user, role=Role.AGENT, revoked_at__isnull=True).values(
        "organisation"
    )
    now = clock.now()
    return (
        Entrustment.objects.filter(agent__in=agent_orgs, valid_from__lte=now, valid_until__gt=now)
        .select_related("initiator")
        .order_by("project")
    )


def acting_for(*, user: Actor) -> Organisation | None:
    from ggzy.accounts.models import LoginState

    state = LoginState.objects.filter(user=user).select_related("acting_for").first()
    return state.acting_for if state else None


__all__ = ["AccountsError"]


class AccountRow(TypedDict):
    """One account as its administrators see it (`account_overview`)."""

    user: Actor
    roles: list[Role]
    administrator: bool
    enrolled: bool
    phone: str  # masked
    locked: bool
    must_change_password: bool


def account_overview(*, query: str, limit: int = 50) -> list[AccountRow]:
    """Accounts whose user name or name contains `query`, with what their administrators need to
    know: roles, whether a second factor is enrolled, the phone on record (masked), lockout."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from ggzy.accounts.models import LoginState
    from ggzy.core.fields import Kind, mask

    users = list(
        get_user_model()
        .objects.filter(
            Q(username__icontains=query) | Q(last_name__icontains=query) | Q(first_name__icontains=query)
        )
        .order_by("username")[:limit]
    )
    states = {s.user_id: s for s in LoginState.objects.filter(user__in=users)}
    grants: dict[int, list[str]] = {}
    for user_id, role in RoleGrant.objects.filter(user__in=users, revoked_at__isnull=True).values_list(
        "user", "role"
    ):
        grants.setdefault(user_id, []).append(role)
    now = clock.now()
    rows: list[AccountRow] = []
    for user in users:
        state = states.get(user.pk)
        phone = state.phone if state else ""
        phone_text = phone.decrypt_for_system() if hasattr(phone, "decrypt_for_system") else str(phone or "")
        roles = sorted(grants.get(user.pk, []))
        rows.append(
            {
                "user": user,
                "roles": [_VALUES[r] for r in roles if r in _VALUES],
                "administrator": bool(set(roles) & {r.value for r in ADMIN_ROLES}),
                "enrolled": bool(state and state.totp_confirmed and state.totp_secret),
                "phone": mask(Kind.PHONE, phone_text) if phone_text else "",
                "locked": bool(state and state.locked_until and state.locked_until > now),
                "must_change_password": bool(state and state.must_change_password),
            }
        )
    return rows


# --- organisations' own registrations and initiators' entrustments (accounts.registration) ----------
def applications_to_verify(*, viewer: Viewer | None) -> QuerySet[OrganisationApplication]:
    """The organisations' own registrations `viewer` verifies: those made with the centres of their staff
    grants (a provincial centre's staff also those of the centres under it); nothing for anyone else."""
    centres, _regions = viewer_scope(viewer)
    if not centres:
        return OrganisationApplication.objects.none()
    return OrganisationApplication.objects.filter(centre__code__in=centres).select_related(
        "organisation", "applicant", "centre", "decided_by"
    )


def access_application(*, viewer: Viewer | None, uid: uuid.UUID) -> OrganisationApplication:
    """Fetch and authorise in one call: a registration `viewer` verifies (`applications_to_verify`);
    "missing" and "not yours" raise the same not-found error."""
    found = applications_to_verify(viewer=viewer).filter(uid=uid).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def initiator_organisations(*, user: Actor) -> QuerySet[Organisation]:
    """The organisations `user` acts for as their initiator (an active initiator grant scoped to each)."""
    scoped = RoleGrant.objects.filter(user=user, role=Role.INITIATOR, revoked_at__isnull=True)
    return Organisation.objects.filter(pk__in=scoped.values("organisation")).order_by("name")


def initiator_organisation(*, user: Actor) -> Organisation | None:
    """The organisation `user` entrusts agents for: the one chosen in the header when they are its
    initiator, else the first they are initiator of; None when they are nobody's."""
    mine = initiator_organisations(user=user)
    chosen = acting_for(user=user)
    if chosen is not None and mine.filter(pk=chosen.pk).exists():
        return chosen
    return mine.first()


def entrustments_given(*, organisation: Organisation) -> QuerySet[Entrustment]:
    """The entrustments an initiator gave, the newest first, with their agents."""
    return (
        Entrustment.objects.filter(initiator=organisation)
        .select_related("agent")
        .order_by("-created_at", "-pk")
    )


def verified_agents() -> QuerySet[Organisation]:
    """Organisations that hold a verified agent role: some account acts for them as agent."""
    scoped = RoleGrant.objects.filter(role=Role.AGENT, revoked_at__isnull=True, organisation__isnull=False)
    return Organisation.objects.filter(pk__in=scoped.values("organisation")).order_by("name")


def agents_matching(*, query: str, limit: int = 20) -> list[Organisation]:
    """Verified agents whose name contains `query` or whose credit code begins with it (the initiator's
    search when entrusting one)."""
    from django.db.models import Q

    query = query.strip()
    if not query:
        return []
    found = verified_agents().filter(Q(name__icontains=query) | Q(uscc__startswith=query.upper()))
    return list(found[:limit])
