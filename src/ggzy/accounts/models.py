"""Who is who: centres, organisations, natural persons, users and what they may do (role grants,
project roles, entrustments), login policy state; and API tokens.

Roles are granted to users, scoped: staff to a centre, supervisors to a jurisdiction (region and
trading category), initiators / agents / responders to the organisation they act for. What an
organisation does in a given project (initiator in one, bidder in another, agent in a third) is a
`ProjectRole`; an agent acts only within its `Entrustment` (scope and period)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from ggzy.core.fields import EncryptedField, Kind, LookupHashField
from ggzy.core.formatting import full_name
from ggzy.core.roles import ADMIN_ROLES, Role


class Centre(models.Model):
    """A trading centre: the province's, or a city's under it."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(_("region"), max_length=6, help_text=_("GB/T 2260 code"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    closing_time = models.TimeField(_("closing time"), default="17:00")

    class Meta:
        verbose_name = _("trading centre")
        verbose_name_plural = _("trading centres")
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A legal person or other organisation. Registration asks for nothing that would keep out
    out-of-region entities (standard 11.2.6, 11.2.7): no local registration, no branch office, no
    presence of the legal representative.

    An organisation is known by its registration code of one kind (`code_kind`): a mainland one's
    统一社会信用代码, a Hong Kong, Macao or Taiwan one's own registration number, a foreign one's
    registration number with its `country` (`accounts.identifiers.validate_organisation_code`). The
    column ``uscc`` holds that code whatever its kind: it keeps its historical name, from when every
    organisation had a USCC, so that the many readers of ``organisation.uscc`` stay as they are. A code
    is unique within its kind (and country): the same digits may be a Hong Kong business registration
    number and a Taiwan unified business number of two different organisations."""

    class CodeKind(models.TextChoices):
        USCC = "uscc", _("Unified social credit code")
        HK_BR = "hk_br", _("Hong Kong business registration number")
        MACAO = "macao", _("Macao commercial registration number")
        TAIWAN_UBN = "taiwan_ubn", _("Taiwan unified business number")
        FOREIGN = "foreign", _("Registration number abroad")

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    code_kind = models.CharField(
        _("kind of registration code"), max_length=16, choices=CodeKind.choices, default=CodeKind.USCC
    )
    #: The registration code of kind `code_kind` (the column keeps its historical name, see above).
    uscc = models.CharField(_("registration code"), max_length=40)
    #: ISO 3166-1 alpha-2, only for a registration abroad (never CN: a mainland organisation has a USCC).
    country = models.CharField(
        _("country of registration"),
        max_length=2,
        blank=True,
        help_text=_("ISO 3166 code, only for an organisation registered abroad"),
    )
    name = models.CharField(_("name"), max_length=200)
    region = models.CharField(
        _("region"),
        max_length=6,
        blank=True,
        help_text=_("GB/T 2260 code, from the registration code; none for an organisation registered abroad"),
    )
    legal_representative = models.CharField(_("legal representative"), max_length=50)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = EncryptedField(_("contact phone"), kind=Kind.PHONE)
    contact_phone_lookup = LookupHashField(source="contact_phone")
    bank_account = EncryptedField(_("basic bank account"), kind=Kind.BANK_ACCOUNT, blank=True)
    created_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ("name",)
        constraints = [
            # The country is part of a foreign code's identity (two registries may give the same number);
            # it is empty for every other kind, so for them this is (code_kind, uscc).
            models.UniqueConstraint(
                fields=["code_kind", "country", "uscc"], name="one_organisation_per_code"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(code_kind="foreign") & ~models.Q(country__in=["", "CN", "HK", "MO", "TW"])
                )
                | (~models.Q(code_kind="foreign") & models.Q(country="")),
                name="organisation_country_only_abroad",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IdKind(models.TextChoices):
    RESIDENT = "resident", _("Resident identity card")
    HK_MACAO_RESIDENCE = "hk_macao_residence_permit", _("Residence permit for Hong Kong and Macao residents")
    TAIWAN_RESIDENCE = "taiwan_residence_permit", _("Residence permit for Taiwan residents")
    FOREIGN_PERMANENT = "foreign_permanent_resident", _("Foreign permanent resident ID card")
    PASSPORT = "passport", _("Passport")
    HK_MACAO_PERMIT = "hk_macao_permit", _("Mainland travel permit for Hong Kong and Macao residents")
    TAIWAN_PERMIT = "taiwan_permit", _("Mainland travel permit for Taiwan residents")


class Person(models.Model):
    """A natural person who responds in their own name (suppliers, land bidders may be individuals)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=50)
    id_kind = models.CharField(_("identity document"), max_length=32, choices=IdKind.choices)
    id_number = EncryptedField(_("document number"), kind=Kind.ID_NUMBER)
    id_number_lookup = LookupHashField(source="id_number")
    phone = EncryptedField(_("phone"), kind=Kind.PHONE)
    phone_lookup = LookupHashField(source="phone")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="person"
    )
    created_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("natural person")
        verbose_name_plural = _("natural persons")
        constraints = [
            models.UniqueConstraint(fields=["id_kind", "id_number_lookup"], name="one_person_per_document")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user belongs to an organisation (and acts for one at a time)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="members")
    title = models.CharField(_("title"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class RoleGrant(models.Model):
    """A role a user holds, with its scope. Administrators hold exactly one administrator role and
    nothing else (三员分立)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_grants")
    role = models.CharField(
        _("role"), max_length=32, choices=[(r.value, r.label) for r in Role if r != Role.PUBLIC]
    )
    centre = models.ForeignKey(Centre, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.CharField(_("jurisdiction region"), max_length=6, blank=True)
    category = models.CharField(_("jurisdiction category"), max_length=32, blank=True)
    granted_at = models.DateTimeField(_("granted at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(role__in=sorted(r.value for r in ADMIN_ROLES), revoked_at__isnull=True),
                name="one_admin_role_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role}"


class ProjectRole(models.Model):
    """What an organisation is in one project: initiator, agent or responder."""

    project = models.CharField(_("project code"), max_length=32, db_index=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="project_roles")
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=[(r.value, r.label) for r in (Role.INITIATOR, Role.AGENT, Role.RESPONDER)],
    )
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("project role")
        verbose_name_plural = _("project roles")
        constraints = [
            models.UniqueConstraint(fields=["project", "organisation", "role"], name="one_project_role")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.role} {self.project}"


class Entrustment(models.Model):
    """An initiator entrusts an agent with a project, for a scope and a period."""

    initiator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="entrustments_given")
    agent = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="entrustments")
    project = models.CharField(_("project code"), max_length=32, db_index=True)
    scope = models.CharField(_("scope"), max_length=200)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("entrustment")
        verbose_name_plural = _("entrustments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")), name="entrustment_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiator} → {self.agent} ({self.project})"


class LoginState(models.Model):
    """Login policy state of a user: lockout, forced changes, second factor."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_state"
    )
    acting_for = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    must_change_password = models.BooleanField(default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    totp_secret = EncryptedField(kind=Kind.CONTACT, blank=True)
    totp_confirmed = models.BooleanField(default=False)
    totp_last_step = models.BigIntegerField(default=0)
    #: Raised by every credential reset, deactivation and recovery: sessions of an older epoch end.
    session_epoch = models.PositiveIntegerField(default=0)
    #: The phone on record for out-of-band messages (credential changes, enrolment codes).
    phone = EncryptedField(_("phone on record"), kind=Kind.PHONE, blank=True)

    class Meta:
        verbose_name = _("login state")
        verbose_name_plural = _("login states")

    def __str__(self) -> str:
        return str(self.user)


class PasswordHistory(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A bearer token for a machine client. Only the SM3 of the token is stored; the token is
    shown once, when it is created."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(
        _("prefix"), max_length=12, help_text=_("The first characters, to recognise it.")
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    #: What the token may do: "<area>:read" / "<area>:write" (ggzy.accounts.scopes); never more
    #: than the user's roles allow.
    scopes = models.JSONField(_("scopes"), default=list)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="apitoken_expires_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class EnrolmentCode(models.Model):
    """A one-time code that lets a user enrol a second factor: handed over in person by the security
    administrator, sent to the phone on record, or printed by `ggzy bootstrap`. Only its hash is kept."""

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("handed over in person")
        SMS = "sms", _("sent to the phone on record")
        CONSOLE = "console", _("printed on the server console")

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    digest = models.CharField(max_length=128)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")

    def __str__(self) -> str:
        return f"{self.user} {self.issued_at:%Y-%m-%d %H:%M}"


class AccountChangeKind(models.TextChoices):
    """What a change to an administrator's account changes (`AccountChange.Kind`)."""

    ROLE_GRANT = "role_grant", _("grant an administrator role")
    ROLE_REVOKE = "role_revoke", _("revoke an administrator role")
    PASSWORD_RESET = "password_reset", _("reset the password")
    TOTP_RESET = "totp_reset", _("reset the second factor")
    ENROLMENT_CODE = "enrolment_code", _("issue an enrolment code")
    DEACTIVATE = "deactivate", _("deactivate the account")
    REACTIVATE = "reactivate", _("reactivate the account")


class AccountChange(models.Model):
    """A change to an administrator's account: requested by one administrator, carried out only when
    a second one (neither the requester nor the person concerned) approves it (三员分立, 8.2.3)."""

    Kind = AccountChangeKind

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved and carried out")
        REFUSED = "refused", _("refused")
        WITHDRAWN = "withdrawn", _("withdrawn")

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("what to change"), max_length=16, choices=Kind.choices)
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=32, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    expires_at = models.DateTimeField(_("expires at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("administrator account change")
        verbose_name_plural = _("administrator account changes")
        ordering = ("-requested_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(requested_by=models.F("target")), name="accountchange_not_for_oneself"
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("requested_by")),
                name="accountchange_second_person",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("target")),
                name="accountchange_not_decided_by_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target}"

    @property
    def reference(self) -> str:
        """What people call the request by: the start of its uid (never its sequential key)."""
        return str(self.uid)[:8]


class RecoveryCode(models.Model):
    """The break-glass recovery code: printed once by `ggzy bootstrap`, kept sealed, needed by
    `ggzy bootstrap --recover ROLE`. Only its hash is kept; each use spends it and prints a new one."""

    digest = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("created at"))
    spent_at = models.DateTimeField(_("spent at"), null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"recovery code of {self.created_at:%Y-%m-%d}"


class OrganisationApplication(models.Model):
    """An organisation that registered itself (the public registration page), awaiting verification by
    the staff of the centre it chose: its account starts with no role; verifying grants the role asked
    for, scoped to the organisation; a refusal says why. What its CA-issued certificate said when it was
    checked and bound is kept here, for the staff who verify (`accounts.registration`)."""

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting verification")
        VERIFIED = "verified", _("verified")
        REFUSED = "refused", _("refused")

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(
        _("role asked for"),
        max_length=16,
        choices=[(r.value, r.label) for r in (Role.INITIATOR, Role.AGENT, Role.RESPONDER)],
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    certificate_subject = models.CharField(_("certificate subject"), max_length=300)
    certificate_issuer = models.CharField(_("certificate issuer"), max_length=300)
    certificate_serial = models.CharField(_("certificate serial number"), max_length=64)
    certificate_not_before = models.DateTimeField(_("certificate valid from"))
    certificate_not_after = models.DateTimeField(_("certificate valid until"))
    certificate_sm3 = models.CharField(_("certificate SM3"), max_length=64)
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("organisation registration")
        verbose_name_plural = _("organisation registrations")
        ordering = ("submitted_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("applicant")),
                name="application_not_decided_by_applicant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_state_display()})"


# --- the user: Django's `auth.User`, named family name first ------------------------------------------


def _full_name(user: AbstractUser) -> str:
    """Family name first (王建国, "LOVELACE Ada"), as `core.formatting` writes every person's name."""
    return full_name(family=user.last_name, given=user.first_name)


#: The users are Django's `auth.User`, whose `get_full_name()` writes "given family" ("建国 王"). Every
#: caller (our messages, Django's admin) gets the platform's order instead.
AbstractUser.get_full_name = _full_name  # type: ignore[method-assign,assignment]
