"""The event types `accounts` records: parties, roles, accounts and their credentials, sign-in policy."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EventType, EventTypes, Scopes, Title
from ggzy.events.states import EventClass, Visibility

SECURITY, DOMAIN = EventClass.SECURITY, EventClass.DOMAIN
PUBLIC, PARTIES, AUDIT = Visibility.PUBLIC, Visibility.PARTIES, Visibility.AUDIT
ACCOUNT = Scopes.ACCOUNT


def _audit(type_: str, meaning: str, *, title: Title) -> EventType:
    """A security event about one account, for the audit administrator."""
    return EventType(type_, SECURITY, AUDIT, ACCOUNT, meaning, title=title)


class AccountsEvents(EventTypes, app="accounts"):
    # parties
    CENTRE_CREATED = EventType(
        "accounts.centre.created",
        DOMAIN,
        PUBLIC,
        Scopes.CENTRE_REGION,
        "A trading centre was created.",
        title=pgettext_lazy("event", "Trading centre created"),
    )
    ORGANISATION_REGISTERED = EventType(
        "accounts.organisation.registered",
        DOMAIN,
        PUBLIC,
        Scopes.ORGANISATION,
        "An organisation was registered with its unified social credit code.",
        title=pgettext_lazy("event", "Organisation registered"),
    )
    PERSON_REGISTERED = EventType(
        "accounts.person.registered",
        DOMAIN,
        AUDIT,
        ACCOUNT,
        "A natural person was registered (the data names the document kind, never the number).",
        title=pgettext_lazy("event", "Natural person registered"),
    )
    MEMBERSHIP_ADDED = _audit(
        "accounts.membership.added",
        "A user became a member of an organisation.",
        title=pgettext_lazy("event", "Member added to an organisation"),
    )
    ACTING_FOR_CHANGED = _audit(
        "accounts.acting_for.changed",
        "A user chose the organisation they act for.",
        title=pgettext_lazy("event", "Acting-for organisation changed"),
    )
    ROLE_GRANTED = _audit(
        "accounts.role.granted",
        "The security administrator granted a role with its scope.",
        title=pgettext_lazy("event", "Role granted"),
    )
    ROLE_REVOKED = _audit(
        "accounts.role.revoked",
        "The security administrator ended a role grant.",
        title=pgettext_lazy("event", "Role revoked"),
    )
    PROJECT_ROLE_SET = EventType(
        "accounts.project_role.set",
        DOMAIN,
        PARTIES,
        Scopes.PROJECT,
        "An organisation was given a role in a project (initiator, agent, …).",
        title=pgettext_lazy("event", "Project role set"),
    )
    ENTRUSTMENT_CREATED = EventType(
        "accounts.entrustment.created",
        DOMAIN,
        PARTIES,
        Scopes.ORGANISATION,
        "An initiator entrusted an agent with a project.",
        title=pgettext_lazy("event", "Agent entrusted with a project"),
    )
    # an organisation's own registration (accounts.registration): the centre it chose verifies it
    ORGANISATION_APPLIED = EventType(
        "accounts.organisation.applied",
        DOMAIN,
        PARTIES,
        Scopes.CENTRE_REGION,
        "An organisation registered itself with its CA certificate; the centre it chose verifies it.",
        title=pgettext_lazy("event", "Organisation applied to register"),
    )
    ORGANISATION_VERIFIED = EventType(
        "accounts.organisation.verified",
        DOMAIN,
        PARTIES,
        Scopes.CENTRE_REGION,
        "Centre staff verified an organisation's own registration; it holds the role it asked for.",
        title=pgettext_lazy("event", "Organisation registration verified"),
    )
    ORGANISATION_REFUSED = EventType(
        "accounts.organisation.refused",
        DOMAIN,
        PARTIES,
        Scopes.CENTRE_REGION,
        "Centre staff refused an organisation's own registration, saying why.",
        title=pgettext_lazy("event", "Organisation registration refused"),
    )
    # accounts and tokens
    USER_OPENED = _audit(
        "accounts.user.opened",
        "An account was opened with its roles.",
        title=pgettext_lazy("event", "Account opened"),
    )
    TOKEN_CREATED = _audit(
        "accounts.token.created",
        "A user created an API token.",
        title=pgettext_lazy("event", "API token created"),
    )
    TOKEN_REVOKED = _audit(
        "accounts.token.revoked",
        "A user revoked one of their API tokens.",
        title=pgettext_lazy("event", "API token revoked"),
    )
    TOKEN_REVOKED_ALL = _audit(
        "accounts.token.revoked_all",
        "Every live API token of a user was revoked (password change, deactivation).",
        title=pgettext_lazy("event", "All API tokens revoked"),
    )
    # credentials, by an administrator (accounts.credentials)
    CREDENTIAL_PASSWORD_RESET = _audit(
        "accounts.credential.password_reset",
        "An administrator reset a password.",
        title=pgettext_lazy("event", "Password reset"),
    )
    CREDENTIAL_TOTP_RESET = _audit(
        "accounts.credential.totp_reset",
        "An administrator reset a user's second factor.",
        title=pgettext_lazy("event", "Second factor reset"),
    )
    CREDENTIAL_ENROLMENT_CODE_ISSUED = _audit(
        "accounts.credential.enrolment_code_issued",
        "An administrator issued an enrolment code for a second factor.",
        title=pgettext_lazy("event", "Enrolment code issued"),
    )
    CREDENTIAL_ACTIVATED = _audit(
        "accounts.credential.activated",
        "An administrator activated an account.",
        title=pgettext_lazy("event", "Account activated"),
    )
    CREDENTIAL_DEACTIVATED = _audit(
        "accounts.credential.deactivated",
        "An administrator deactivated an account.",
        title=pgettext_lazy("event", "Account deactivated"),
    )
    CREDENTIAL_PHONE_CHANGED = _audit(
        "accounts.credential.phone_changed",
        "An administrator changed the phone on record.",
        title=pgettext_lazy("event", "Phone number changed"),
    )
    # administrators' accounts, by request and approval (accounts.changes)
    ADMIN_CHANGE_REQUESTED = _audit(
        "accounts.admin_change.requested",
        "A change to an administrator's account was requested.",
        title=pgettext_lazy("event", "Administrator account change requested"),
    )
    ADMIN_CHANGE_APPROVED = _audit(
        "accounts.admin_change.approved",
        "A change to an administrator's account was approved and made.",
        title=pgettext_lazy("event", "Administrator account change approved"),
    )
    ADMIN_CHANGE_REFUSED = _audit(
        "accounts.admin_change.refused",
        "A change to an administrator's account was refused.",
        title=pgettext_lazy("event", "Administrator account change refused"),
    )
    ADMIN_CHANGE_WITHDRAWN = _audit(
        "accounts.admin_change.withdrawn",
        "A change to an administrator's account was withdrawn by its requester.",
        title=pgettext_lazy("event", "Administrator account change withdrawn"),
    )
    # console break-glass (accounts.recovery)
    RECOVERY_CODE_CREATED = _audit(
        "accounts.recovery.code_created",
        "A recovery code was made (any earlier one is spent).",
        title=pgettext_lazy("event", "Recovery code made"),
    )
    RECOVERY_FAILED = _audit(
        "accounts.recovery.failed",
        "A wrong recovery code was tried.",
        title=pgettext_lazy("event", "Wrong recovery code tried"),
    )
    RECOVERY_USED = _audit(
        "accounts.recovery.used",
        "An administrator's account was recovered with the code.",
        title=pgettext_lazy("event", "Account recovered with the recovery code"),
    )
    # sign-in policy (accounts.policy, accounts.middleware, the password page)
    LOGIN_REFUSED_LOCKED = _audit(
        "auth.login.refused_locked",
        "A sign-in to a locked account was refused.",
        title=pgettext_lazy("event", "Sign-in to a locked account refused"),
    )
    LOGIN_REFUSED_SUPERUSER = _audit(
        "auth.login.refused_superuser",
        "A sign-in as a superuser was refused (the console only).",
        title=pgettext_lazy("event", "Superuser sign-in refused"),
    )
    ACCOUNT_LOCKED = _audit(
        "auth.account.locked",
        "An account was locked after repeated failed sign-ins.",
        title=pgettext_lazy("event", "Account locked"),
    )
    ENROLMENT_CODE_ACCEPTED = _audit(
        "auth.enrolment.code_accepted",
        "An enrolment code was accepted; enrolling a second factor began.",
        title=pgettext_lazy("event", "Enrolment code accepted"),
    )
    ENROLMENT_CODE_REFUSED = _audit(
        "auth.enrolment.code_refused",
        "A wrong or expired enrolment code was tried.",
        title=pgettext_lazy("event", "Enrolment code refused"),
    )
    TOTP_FAILED = _audit(
        "auth.totp.failed",
        "A wrong one-time code was given.",
        title=pgettext_lazy("event", "Wrong one-time code"),
    )
    TOTP_ENROLLED = _audit(
        "auth.totp.enrolled",
        "A second factor was enrolled (its first good code).",
        title=pgettext_lazy("event", "Second factor enrolled"),
    )
    PASSWORD_CHANGED = _audit(
        "auth.password.changed",
        "A user changed their password.",
        title=pgettext_lazy("event", "Password changed"),
    )
    SESSION_REFUSED_INCOMPLETE = _audit(
        "auth.session.refused_incomplete",
        "A session without a complete sign-in was ended.",
        title=pgettext_lazy("event", "Incomplete session ended"),
    )
    SESSION_IDLE_TIMEOUT = _audit(
        "auth.session.idle_timeout",
        "A session was ended after its idle time.",
        title=pgettext_lazy("event", "Session ended after idle time"),
    )
