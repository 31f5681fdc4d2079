"""Services for parties: centres, organisations, natural persons, memberships, role grants,
project roles and entrustments. Each is one transaction that records its event."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.db.models import QuerySet

from ggzy.accounts import identifiers
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.event_types import AccountsEvents
from ggzy.accounts.models import (
    Centre,
    Entrustment,
    IdKind,
    Membership,
    Organisation,
    OrganisationApplication,
    Person,
    ProjectRole,
    RoleGrant,
)
from ggzy.accounts.selectors import user_roles_forget
from ggzy.core import clock, regions
from ggzy.core.errors import DomainError
from ggzy.core.fields import lookup_for
from ggzy.core.roles import ADMIN_ROLES, Role, roles_of_user
from ggzy.core.types import Actor
from ggzy.events.services import event_record

#: Roles acted out for an organisation; the others are personal (staff, supervisors, experts, admins).
ORGANISATION_ROLES = frozenset({Role.INITIATOR, Role.AGENT, Role.RESPONDER})


def _invalid(exc: identifiers.InvalidIdentifier, field: str) -> DomainError:
    return DomainError(AccountsError.IDENTIFIER_INVALID, detail={"field": field, "reason": exc.reason})


#: The field a refused organisation code is reported against, by the reason (the code itself otherwise).
_CODE_FIELDS = {"kind": "code_kind", "country": "country", "not_foreign": "country"}


def organisation_code(code_kind: str, code: str, country: str = "") -> tuple[str, str, str]:
    """An organisation's registration code of `code_kind`, normalised, with its country (a registration
    abroad's ISO 3166 code, else empty) and the region it gives (`identifiers.organisation_region`):
    refused as `IDENTIFIER_INVALID`, detail ``{"field": "uscc" | "code_kind" | "country", "reason"}``
    (``uscc`` is the field that holds the code, whatever its kind)."""
    try:
        value = identifiers.validate_organisation_code(str(code_kind), code, country)
        nation = identifiers.organisation_country(str(code_kind), country)
    except identifiers.InvalidIdentifier as exc:
        raise _invalid(exc, _CODE_FIELDS.get(exc.reason, "uscc")) from exc
    return value, nation, identifiers.organisation_region(str(code_kind), value)


#: A centre's code: a slug that names it in addresses and requests, never a bare number (a key).
CENTRE_CODE = re.compile(r"[a-z][a-z0-9-]{0,31}")


def region_choosable(region: str, *, max_depth: int = regions.COUNTY) -> bool:
    """Whether `region` is a GB/T 2260 division one may choose (not a 市辖区 placeholder line), at
    most `max_depth` deep."""
    return regions.known(region) and region in regions.divisions(under=region, max_depth=max_depth)


@transaction.atomic
def centre_create(
    *,
    actor: Actor | None,
    code: str,
    name: str,
    region: str,
    parent: Centre | None = None,
    closing_time: dt.time | None = None,
) -> Centre:
    """Create a trading centre: the system administrator's work (`actor=None` is the console, the
    demo). Its code is a new slug; its region a province or a prefecture of GB/T 2260; its parent,
    if any, a centre serving a larger region that contains it (a city's centre under the province's).
    """
    if actor is not None and Role.SYSTEM_ADMIN not in roles_of_user(actor):
        raise DomainError(AccountsError.NOT_YOUR_ADMIN_WORK)
    code, name = code.strip(), " ".join(name.split())
    if not CENTRE_CODE.fullmatch(code):
        raise DomainError(AccountsError.CENTRE_CODE_INVALID, detail={"code": code[:40]})
    if not 2 <= len(name) <= 100:  # noqa: PLR2004
        raise DomainError(AccountsError.CENTRE_NAME_INVALID)
    if not region_choosable(region):
        raise DomainError(AccountsError.REGION_UNKNOWN, detail={"region": region[:10]})
    if regions.depth(region) > regions.PREFECTURE:
        raise DomainError(AccountsError.CENTRE_REGION_LEVEL, detail={"region": region})
    if parent is not None and (parent.region == region or not regions.within(region, parent.region)):
        raise DomainError(AccountsError.CENTRE_PARENT_INVALID, detail={"parent": parent.code})
    if Centre.objects.filter(code=code).exists():
        raise DomainError(AccountsError.CENTRE_EXISTS, detail={"code": code})
    when = {"closing_time": closing_time} if closing_time is not None else {}  # else the model's default
    centre = Centre.objects.create(code=code, name=name, region=region, parent=parent, **when)
    centre.refresh_from_db(fields=["closing_time"])  # the default is text until read back
    event_record(
        type=AccountsEvents.CENTRE_CREATED,
        actor=actor,
        centre=code,
        region=region,
        data={
            "code": code,
            "name": name,
            "region": region,
            "parent": parent.code if parent else None,
            "closing_time": centre.closing_time.strftime("%H:%M"),
        },
    )
    return centre


@transaction.atomic
def organisation_register(
    *,
    actor: Actor | None,
    uscc: str,
    name: str,
    legal_representative: str,
    contact_name: str,
    contact_phone: str,
    bank_account: str = "",
    member: Actor | None = None,
    code_kind: str = Organisation.CodeKind.USCC,
    country: str = "",
) -> Organisation:
    """Register an organisation. Nothing is asked that would keep out-of-region entities away
    (no local registration, branch office or presence of the legal representative: 11.2.6, 11.2.7).
    `uscc` is its registration code of `code_kind` — a USCC by default; a Hong Kong, Macao or Taiwan
    organisation's own number, or a registration number abroad with its `country` — and gives its region
    (none for a registration abroad). The code is unique within its kind (and country)."""
    kind = str(code_kind)
    code, nation, region = organisation_code(kind, uscc, country)
    if Organisation.objects.filter(code_kind=kind, country=nation, uscc=code).exists():
        raise DomainError(AccountsError.ORGANISATION_EXISTS, detail={"code_kind": kind, "uscc": code})
    organisation = Organisation.objects.create(
        code_kind=kind,
        uscc=code,
        country=nation,
        name=name.strip(),
        region=region,
        legal_representative=legal_representative.strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone,
        bank_account=bank_account,
        created_at=clock.now(),
    )
    event_record(
        type=AccountsEvents.ORGANISATION_REGISTERED,
        actor=actor,
        organisation=code,
        region=region,
        data={"code_kind": kind, "uscc": code, "country": nation, "name": organisation.name},
    )
    if member is not None:  # the user who registers it belongs to it
        membership_add(actor=actor, user=member, organisation=organisation)
    return organisation


def _validate_document(kind: str, number: str) -> str:
    if kind in (
        IdKind.RESIDENT,
        IdKind.HK_MACAO_RESIDENCE,
        IdKind.TAIWAN_RESIDENCE,
        IdKind.FOREIGN_PERMANENT,
    ):
        today = clock.local_now().date()
        value = identifiers.validate_resident_id(number, today=today)
        actual = identifiers.resident_id_kind(value, today=today)
        if actual != kind:
            raise identifiers.InvalidIdentifier("kind", f"this number is a {actual}")
        return value
    if kind == IdKind.PASSPORT:
        return identifiers.validate_passport(number)
    if kind == IdKind.HK_MACAO_PERMIT:
        return identifiers.validate_travel_permit("hk_macao", number)
    if kind == IdKind.TAIWAN_PERMIT:
        return identifiers.validate_travel_permit("taiwan", number)
    raise identifiers.InvalidIdentifier("kind", f"unknown document kind {kind!r}")


@transaction.atomic
def person_register(
    *, actor: Actor | None, name: str, id_kind: str, id_number: str, phone: str, user: Actor | None = None
) -> Person:
    """A natural person as responder; passports and travel permits are accepted with their own checks
    (refusing them would exclude people from outside the region, 11.2.6)."""
    try:
        number = _validate_document(id_kind, id_number)
    except identifiers.InvalidIdentifier as exc:
        raise _invalid(exc, "id_number") from exc
    if Person.objects.filter(
        id_kind=id_kind, id_number_lookup=lookup_for(Person, "id_number", number)
    ).exists():
        raise DomainError(AccountsError.PERSON_EXISTS)
    person = Person.objects.create(
        name=name.strip(), id_kind=id_kind, id_number=number, phone=phone, user=user, created_at=clock.now()
    )
    event_record(
        type=AccountsEvents.PERSON_REGISTERED,
        actor=actor,
        data={"person": str(person.uid), "id_kind": id_kind},
    )
    return person


@transaction.atomic
def membership_add(
    *, actor: Actor | None, user: Actor, organisation: Organisation, title: str = ""
) -> Membership:
    membership, _created = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"title": title}
    )
    event_record(
        type=AccountsEvents.MEMBERSHIP_ADDED,
        actor=actor,
        organisation=organisation.uscc,
        data={"user": user.pk, "organisation": organisation.uscc},
    )
    return membership


def active_grants(user: Actor) -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(user=user, revoked_at__isnull=True)


@transaction.atomic
def role_grant(
    *,
    actor: Actor | None,
    user: Actor,
    role: Role,
    centre: Centre | None = None,
    organisation: Organisation | None = None,
    region: str = "",
    category: str = "",
    approved: bool = False,
    verifying: OrganisationApplication | None = None,
) -> RoleGrant:
    """Grant `role` to `user` with its scope: the security administrator's work (三员分立), never to
    oneself. An administrator role is granted only through a request another administrator approved
    (`ggzy.accounts.changes`, which passes `approved`). `actor=None` is the console (bootstrap, demo).
    Centre staff grant only by verifying an organisation's own registration (`verifying`, passed by
    `accounts.registration.application_verify`; the power `powers.VERIFY_ORGANISATION`): the role it
    asked for, scoped to its organisation, to the account that registered it, while it is pending."""
    if actor is not None and verifying is not None:
        _verifier_check(actor, user, role, organisation, verifying)
    elif actor is not None and not approved:
        from ggzy.accounts.credentials import actor_check

        actor_check(actor, user, Role.SECURITY_ADMIN)
        if role in ADMIN_ROLES:
            raise DomainError(AccountsError.ADMIN_CHANGE_NEEDS_APPROVAL)
    held = {Role(r) for r in active_grants(user).values_list("role", flat=True)}
    if role in ADMIN_ROLES and held:
        raise DomainError(AccountsError.ADMIN_ONLY_ROLE)
    if role not in ADMIN_ROLES and held & ADMIN_ROLES:
        raise DomainError(AccountsError.ADMIN_ONLY_ROLE)
    if role == Role.CENTRE_STAFF and centre is None:
        raise DomainError(AccountsError.SCOPE_REQUIRED, detail={"role": role.value, "needs": "centre"})
    if role == Role.RESPONDER and organisation is None and Person.objects.filter(user=user).exists():
        pass  # a natural person responds in their own name
    elif role in ORGANISATION_ROLES:
        if organisation is None:
            raise DomainError(
                AccountsError.SCOPE_REQUIRED, detail={"role": role.value, "needs": "organisation"}
            )
        if not Membership.objects.filter(user=user, organisation=organisation).exists():
            raise DomainError(AccountsError.NOT_A_MEMBER)
    if role == Role.SUPERVISOR and not region:
        raise DomainError(AccountsError.SCOPE_REQUIRED, detail={"role": role.value, "needs": "region"})
    if role == Role.SUPERVISOR and not region_choosable(region):
        raise DomainError(AccountsError.REGION_UNKNOWN, detail={"region": region[:10]})
    grant = RoleGrant.objects.create(
        user=user,
        role=role,
        centre=centre,
        organisation=organisation,
        region=region,
        category=category,
        granted_at=clock.now(),
    )
    user_roles_forget(user)
    event_record(
        type=AccountsEvents.ROLE_GRANTED,
        actor=actor,
        data={
            "user": user.pk,
            "role": role.value,
            "centre": centre.code if centre else None,
            "organisation": organisation.uscc if organisation else None,
            "region": region,
            "category": category,
        },
    )
    return grant


def _verifier_check(
    actor: Actor,
    user: Actor,
    role: Role,
    organisation: Organisation | None,
    verifying: OrganisationApplication,
) -> None:
    """The grant is exactly what the pending registration asked for, by a holder of the power to verify."""
    from ggzy.accounts.credentials import actor_check
    from ggzy.accounts.powers import VERIFY_ORGANISATION

    actor_check(actor, user, VERIFY_ORGANISATION)
    asked = (OrganisationApplication.State.PENDING, user.pk, organisation.pk if organisation else None, role)
    found = (verifying.state, verifying.applicant_id, verifying.organisation_id, verifying.role)
    if found != asked:
        raise DomainError(AccountsError.NOT_YOUR_ADMIN_WORK)


@transaction.atomic
def role_revoke(*, actor: Actor | None, grant: RoleGrant, approved: bool = False) -> RoleGrant:
    """End a role grant: the security administrator's work, like granting it; an administrator's role
    only through an approved request. The user's sessions end (what they may do changed)."""
    from ggzy.accounts.policy import sessions_end

    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if actor is not None and not approved:
        from ggzy.accounts.credentials import actor_check

        actor_check(actor, grant.user, Role.SECURITY_ADMIN)
    if grant.revoked_at is not None:
        raise DomainError(AccountsError.GRANT_REVOKED)
    grant.revoked_at = clock.now()
    grant.save(update_fields=["revoked_at"])
    user_roles_forget(grant.user)
    sessions_end(user=grant.user)
    event_record(
        type=AccountsEvents.ROLE_REVOKED,
        actor=actor,
        data={"user": grant.user.pk, "role": grant.role, "grant": str(grant.uid)},
    )
    return grant


@transaction.atomic
def project_role_set(
    *, actor: Actor | None, project: str, organisation: Organisation, role: Role, centre: Centre
) -> ProjectRole:
    found, _created = ProjectRole.objects.get_or_create(
        project=project, organisation=organisation, role=role, defaults={"centre": centre}
    )
    event_record(
        type=AccountsEvents.PROJECT_ROLE_SET,
        actor=actor,
        project=project,
        centre=centre.code,
        region=centre.region,
        data={"organisation": organisation.uscc, "role": role.value},
    )
    return found


@transaction.atomic
def entrustment_create(
    *,
    actor: Actor | None,
    initiator: Organisation,
    agent: Organisation,
    project: str,
    scope: str,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
) -> Entrustment:
    """The initiator entrusts the agent with `project` for `scope` and the period. A project already on
    the platform (it has an initiator in `ProjectRole`) is entrusted by its own initiator only."""
    if valid_until <= valid_from:
        raise DomainError(AccountsError.ENTRUSTMENT_PERIOD)
    if initiator == agent or not project or not scope.strip():
        raise DomainError(AccountsError.ENTRUSTMENT_INVALID)
    initiators = ProjectRole.objects.filter(project=project, role=Role.INITIATOR)
    if initiators.exists() and not initiators.filter(organisation=initiator).exists():
        raise DomainError(AccountsError.ENTRUSTMENT_NOT_YOUR_PROJECT, detail={"project": project})
    entrustment = Entrustment.objects.create(
        initiator=initiator,
        agent=agent,
        project=project,
        scope=scope.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        created_at=clock.now(),
    )
    event_record(
        type=AccountsEvents.ENTRUSTMENT_CREATED,
        actor=actor,
        project=project,
        region=initiator.region,  # made before the project reaches a centre: no centre's staff see it
        data={
            "initiator": initiator.uscc,
            "agent": agent.uscc,
            "scope": entrustment.scope,
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )
    return entrustment


def entrustment_check(*, agent: Organisation, project: str, at: dt.datetime | None = None) -> Entrustment:
    """The agent's valid entrustment for `project` at `at` (now), or 403 outside_entrustment."""
    at = at or clock.now()
    found = Entrustment.objects.filter(
        agent=agent, project=project, valid_from__lte=at, valid_until__gt=at
    ).first()
    if found is None:
        raise DomainError(AccountsError.OUTSIDE_ENTRUSTMENT, detail={"project": project})
    return found


@transaction.atomic
def acting_for_set(*, user: Actor, organisation: Organisation) -> Organisation:
    """Choose the organisation the user acts for (visible in the header)."""
    from ggzy.accounts.policy import login_state

    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        raise DomainError(AccountsError.NOT_A_MEMBER)
    state = login_state(user)
    state.acting_for = organisation
    state.save(update_fields=["acting_for"])
    event_record(
        type=AccountsEvents.ACTING_FOR_CHANGED,
        actor=user,
        organisation=organisation.uscc,
        data={"organisation": organisation.uscc},
    )
    return organisation
