"""An organisation registers itself; the staff of the centre it chose verify it; an initiator entrusts
an agent. Each service is one transaction that records its event.

**Registration** (the public page, no account yet): the person's account (user name, name, phone,
password under Django's password validators) and the organisation (its registration code — a credit
code under GB 32100, or a Hong Kong, Macao or Taiwan organisation's own number, or a registration number
abroad with its country: `identifiers.validate_organisation_code` — name, legal representative, contact)
with **its CA-issued signing certificate**, checked as certificate sign-in checks it — an enabled CA the
centre accepts, valid now, not revoked — and naming the same registration code; it is bound to the new
account. The account starts with **no role**: a pending
`OrganisationApplication`, which the staff of the chosen centre verify (granting the role asked for,
scoped to the organisation, through `parties.role_grant` and the power `powers.VERIFY_ORGANISATION`) or
refuse with a reason; the applicant is told in the inbox. Nothing asked keeps out-of-region entities
away (standard 11.2.6, 11.2.7): no local registration, branch office or presence of the legal
representative; a phone abroad is as good as a mainland one.

The certs app sits above accounts (docs/architecture.md §1): its checks are reached through the dotted
paths of `settings.GGZY_CERTIFICATES`, never imported.

A refusal says why and creates nothing. It never tells more than the asker needs: an organisation
already on the platform is named only to whoever holds its valid certificate (that check runs first)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Protocol, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import import_string

from ggzy.accounts import identifiers, parties, policy, selectors
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.event_types import AccountsEvents
from ggzy.accounts.models import Centre, Entrustment, Organisation, OrganisationApplication
from ggzy.accounts.states import APPLICATION_TRANSITIONS
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import person_name
from ggzy.core.roles import Role
from ggzy.core.states import advance, require
from ggzy.core.types import Actor
from ggzy.events.notifications import Recipient, notify
from ggzy.events.services import event_record
from ggzy_sm import x509
from ggzy_sm.sm3 import sm3

#: A certificate file (PEM or DER, a chain at most) is no larger than this.
CERTIFICATE_MAX_BYTES = 64 * 1024
#: A phone abroad: + and the country code, 7 to 15 digits in all (ITU-T E.164).
PHONE_ABROAD = re.compile(r"^\+[1-9]\d{6,14}$")
USERNAME_MAX = 150
#: How a certificate's names are written for people (RFC 4514 short names where there is one).
NAME_KEYS = {
    "common_name": "CN",
    "serial_number": "serialNumber",
    "organization_name": "O",
    "organizational_unit_name": "OU",
    "country_name": "C",
    "state_or_province_name": "ST",
    "locality_name": "L",
}


class _Validate(Protocol):
    def __call__(self, der: bytes, usage: str, /) -> tuple[object, x509.Certificate]: ...


class _Bind(Protocol):
    def __call__(self, *, actor: Actor | None, user: Actor, der: bytes, usage: str) -> object: ...


class _Reason(Protocol):
    def __call__(self, reason: str, /) -> str: ...


def _certs(what: str) -> object:
    """The certs app's function `what` (validate, bind, reason), by its dotted path in the settings."""
    return import_string(settings.GGZY_CERTIFICATES[what])


def certificate_reason(reason: str) -> str:
    """Why a certificate was refused, in words (the certs app's words for its reasons)."""
    return str(cast("_Reason", _certs("reason"))(reason))


def name_text(name: dict[str, str]) -> str:
    """A certificate's subject or issuer as one line: "CN=…, serialNumber=…"."""
    return ", ".join(f"{NAME_KEYS.get(k, k)}={v}" for k, v in name.items())[:300]


def phone_normal(phone: str) -> str:
    """A mobile number without spaces and dashes; refused unless it is a mainland mobile number or a
    number abroad in international form (a person from outside the mainland registers too)."""
    value = "".join(phone.split()).replace("-", "")
    if not (identifiers.is_mobile_number(value) or PHONE_ABROAD.match(value)):
        raise DomainError(AccountsError.REGISTRATION_PHONE)
    return value


def _refused_certificate(exc: DomainError) -> DomainError:
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    reason = str(detail.get("reason") or exc.code.value)
    return DomainError(AccountsError.REGISTRATION_CERTIFICATE, detail={"reason": reason})


def _certificate(data: bytes) -> x509.Certificate:
    """The holder's certificate in the uploaded file (the first block of a PEM file), if it passes
    every check the certificate sign-in makes: chain to an enabled CA, validity now, key usage for
    signing, revocation."""
    if not data or len(data) > CERTIFICATE_MAX_BYTES:
        raise DomainError(AccountsError.REGISTRATION_CERTIFICATE, detail={"reason": "malformed"})
    try:
        der = x509.der_blocks(data)[0]
    except (x509.CertificateError, IndexError) as exc:
        raise DomainError(AccountsError.REGISTRATION_CERTIFICATE, detail={"reason": "malformed"}) from exc
    try:
        _ca, certificate = cast("_Validate", _certs("validate"))(der, "signing")
    except DomainError as exc:
        raise _refused_certificate(exc) from exc
    return certificate


def _holder_code(holder_id: str, kind: str, country: str) -> str | None:
    """The registration code a certificate names (its subject's serialNumber), read as a code of `kind`
    and normalised the same way; None when it is no such code."""
    try:
        return identifiers.validate_organisation_code(kind, holder_id, country)
    except identifiers.InvalidIdentifier:
        return None


def _account_check(*, username: str, family_name: str, given_name: str, password: str) -> None:
    User = get_user_model()  # noqa: N806  (a class)
    try:
        if not 0 < len(username) <= USERNAME_MAX:
            raise ValidationError("length")  # noqa: TRY301
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise DomainError(AccountsError.USERNAME_INVALID) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(AccountsError.ACCOUNT_EXISTS)
    try:
        validate_password(password, User(username=username, last_name=family_name, first_name=given_name))
    except ValidationError as exc:
        raise DomainError(
            AccountsError.REGISTRATION_PASSWORD, detail={"rules": [str(m) for m in exc.messages]}
        ) from exc


@transaction.atomic
def organisation_apply(
    *,
    username: str,
    family_name: str,
    given_name: str,
    phone: str,
    password: str,
    centre: Centre,
    role: Role | str,
    uscc: str,
    name: str,
    legal_representative: str,
    contact_name: str,
    contact_phone: str,
    certificate: bytes,
    code_kind: str = Organisation.CodeKind.USCC,
    country: str = "",
) -> OrganisationApplication:
    """Register an organisation and the account that acts for it, with its certificate bound, awaiting
    verification by `centre` (see the module's docstring). `uscc` is the organisation's registration
    code of `code_kind` (a USCC by default), `country` a registration abroad's. Refusals, each before
    anything is written: the role, the registration code (and its kind and country), the details, the
    phone, the user name (invalid or taken), the password, the certificate (refused, or naming another
    code), and then an organisation already on the platform with this code of this kind."""
    if role not in parties.ORGANISATION_ROLES:
        raise DomainError(AccountsError.REGISTRATION_ROLE)
    role = Role(role)
    kind = str(code_kind)
    code, nation, _region = parties.organisation_code(kind, uscc, country)
    username, family_name, given_name = username.strip(), family_name.strip(), given_name.strip()
    texts = (family_name, given_name, name, legal_representative, contact_name, contact_phone)
    if not all(t.strip() for t in texts):
        raise DomainError(AccountsError.REGISTRATION_DETAILS)
    if not Centre.objects.filter(pk=centre.pk).exists():
        raise DomainError(AccountsError.REGISTRATION_CENTRE)
    phone = phone_normal(phone)
    _account_check(username=username, family_name=family_name, given_name=given_name, password=password)
    cert = _certificate(certificate)
    if _holder_code(cert.holder_id, kind, nation) != code:
        raise DomainError(AccountsError.REGISTRATION_CERTIFICATE_MISMATCH, detail={"named": cert.holder_id})
    taken = Organisation.objects.filter(code_kind=kind, country=nation, uscc=code)
    if taken.exists():  # only a holder of its certificate learns this
        raise DomainError(AccountsError.REGISTRATION_ORGANISATION_TAKEN)

    user = get_user_model().objects.create_user(
        username=username, password=password, last_name=family_name, first_name=given_name
    )
    state = policy.login_state(user)
    state.phone = phone
    state.save(update_fields=["phone"])
    organisation = parties.organisation_register(
        actor=user,
        uscc=code,
        code_kind=kind,
        country=nation,
        name=name,
        legal_representative=legal_representative,
        contact_name=contact_name,
        contact_phone=contact_phone.strip(),
        member=user,
    )
    parties.acting_for_set(user=user, organisation=organisation)
    try:
        cast("_Bind", _certs("bind"))(actor=user, user=user, der=cert.der, usage="signing")
    except DomainError as exc:  # it passed just now: only a revocation in between gets here
        raise _refused_certificate(exc) from exc
    application = OrganisationApplication.objects.create(
        organisation=organisation,
        applicant=user,
        centre=centre,
        role=role,
        certificate_subject=name_text(cert.subject),
        certificate_issuer=name_text(cert.issuer),
        certificate_serial=str(cert.serial)[:64],
        certificate_not_before=cert.not_before,
        certificate_not_after=cert.not_after,
        certificate_sm3=sm3(cert.der).hex(),
        submitted_at=clock.now(),
    )
    event_record(
        type=AccountsEvents.ORGANISATION_APPLIED,
        actor=user,
        centre=centre.code,
        region=centre.region,
        data={
            "application": str(application.uid),
            "code_kind": kind,
            "uscc": code,
            "role": role.value,
            "certificate_sm3": application.certificate_sm3,
        },
    )
    return application


def _verifier_check(actor: Actor, application: OrganisationApplication) -> None:
    """The staff of the application's centre (or of a centre above it) decide, never the applicant."""
    centres, _regions = selectors.viewer_scope(actor)
    if application.centre.code not in centres or actor.pk == application.applicant_id:
        raise DomainError(AccountsError.APPLICATION_VERIFIER)


def _locked(application: OrganisationApplication) -> OrganisationApplication:
    return (
        OrganisationApplication.objects.select_for_update(of=("self",))
        .select_related("organisation", "applicant", "centre")
        .get(pk=application.pk)
    )


def _role_label(role: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(Role(role).label)


@transaction.atomic
def application_verify(*, actor: Actor, application: OrganisationApplication) -> OrganisationApplication:
    """Verify a pending registration: the applicant's account gets the role it asked for, scoped to its
    organisation (the power `powers.VERIFY_ORGANISATION`, through `parties.role_grant`), and is told."""
    application = _locked(application)
    _verifier_check(actor, application)
    require(application, APPLICATION_TRANSITIONS, "verify", error=AccountsError.APPLICATION_DECIDED)
    parties.role_grant(
        actor=actor,
        user=application.applicant,
        role=Role(application.role),
        organisation=application.organisation,
        verifying=application,
    )
    advance(
        application,
        APPLICATION_TRANSITIONS,
        "verify",
        error=AccountsError.APPLICATION_DECIDED,
        decided_by=actor,
        decided_at=clock.now(),
    )
    event = event_record(
        type=AccountsEvents.ORGANISATION_VERIFIED,
        actor=actor,
        centre=application.centre.code,
        region=application.centre.region,
        data={
            "application": str(application.uid),
            "uscc": application.organisation.uscc,
            "role": application.role,
        },
    )
    notify(
        template="accounts.organisation_verified",
        recipients=[Recipient(user=application.applicant)],
        context={
            "name": person_name(application.applicant),
            "organisation": application.organisation.name,
            "role": _role_label(application.role),
        },
        event=event,
    )
    return application


@transaction.atomic
def application_refuse(
    *, actor: Actor, application: OrganisationApplication, reason: str
) -> OrganisationApplication:
    """Refuse a pending registration, saying why (at least four characters); the applicant is told. The
    account keeps no role."""
    from ggzy.accounts.credentials import reason_check

    application = _locked(application)
    _verifier_check(actor, application)
    require(application, APPLICATION_TRANSITIONS, "refuse", error=AccountsError.APPLICATION_DECIDED)
    reason = reason_check(reason)
    advance(
        application,
        APPLICATION_TRANSITIONS,
        "refuse",
        error=AccountsError.APPLICATION_DECIDED,
        decided_by=actor,
        decided_at=clock.now(),
        reason=reason,
    )
    event = event_record(
        type=AccountsEvents.ORGANISATION_REFUSED,
        actor=actor,
        centre=application.centre.code,
        region=application.centre.region,
        data={"application": str(application.uid), "uscc": application.organisation.uscc, "reason": reason},
    )
    notify(
        template="accounts.organisation_refused",
        recipients=[Recipient(user=application.applicant)],
        context={
            "name": person_name(application.applicant),
            "organisation": application.organisation.name,
            "reason": reason,
        },
        event=event,
    )
    return application


# --- entrustment by an initiator ----------------------------------------------------------------------
def agent_find(text: str) -> Organisation:
    """The verified agent named by its registration code or its exact name; refused when there is none,
    when the code or name is several organisations' (the same digits may be codes of two kinds), or
    when the organisation is no verified agent."""
    text = " ".join(text.split())
    try:
        named = list(
            Organisation.objects.filter(
                code_kind=Organisation.CodeKind.USCC, uscc=identifiers.validate_uscc(text)
            )[:1]
        )
    except identifiers.InvalidIdentifier:
        other_kinds = Organisation.objects.exclude(code_kind=Organisation.CodeKind.USCC)
        named = list(other_kinds.filter(uscc=text.upper())[:2]) if text else []
        if not named:
            named = list(Organisation.objects.filter(name=text)[:2]) if text else []
    if len(named) > 1:
        raise DomainError(AccountsError.ENTRUSTMENT_AGENT_AMBIGUOUS)
    found = named[0] if named else None
    if found is None:
        raise DomainError(AccountsError.ENTRUSTMENT_AGENT_UNKNOWN)
    if not selectors.verified_agents().filter(pk=found.pk).exists():
        raise DomainError(AccountsError.ENTRUSTMENT_NOT_AN_AGENT)
    return found


@transaction.atomic
def entrustment_give(
    *,
    actor: Actor,
    initiator: Organisation,
    agent: str,
    project: str,
    scope: str,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
) -> Entrustment:
    """The initiator `actor` acts for entrusts the agent named by credit code or name with `project`,
    through `parties.entrustment_create` (which refuses a project on the platform that is another
    initiator's). Refusals: not the initiator, an unknown agent, an organisation that is no verified
    agent, a period that ends before it begins."""
    if not selectors.initiator_organisations(user=actor).filter(pk=initiator.pk).exists():
        raise DomainError(AccountsError.ENTRUSTMENT_NOT_INITIATOR)
    found = agent_find(agent)
    if valid_until <= valid_from:
        raise DomainError(AccountsError.ENTRUSTMENT_PERIOD)
    return parties.entrustment_create(
        actor=actor,
        initiator=initiator,
        agent=found,
        project=project.strip(),
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
    )
