"""Message templates of the accounts app (files under accounts/templates/notifications/)."""

from ggzy.events.templates_registry import MessageTemplate, register

CREDENTIAL_CHANGED = register(
    MessageTemplate(
        "accounts.credential_changed",
        frozenset({"name", "username", "change", "at"}),
        "Tells an account's owner, also outside the platform, that its credentials or rights changed.",
    )
)
ENROLMENT_CODE = register(
    MessageTemplate(
        "accounts.enrolment_code",
        frozenset({"name", "code"}),
        "An enrolment code for a second factor, by SMS to the phone on record only.",
    )
)
TEMPORARY_PASSWORD = register(
    MessageTemplate(
        "accounts.temporary_password",
        frozenset({"name", "code"}),
        "A temporary password after a reset, by SMS to the phone on record only.",
    )
)
ADMIN_CHANGE = register(
    MessageTemplate(
        "accounts.admin_change",
        frozenset({"change", "role", "target", "requester", "step", "reason"}),
        "Tells the administrators and the supervisors of a change to an administrator's account.",
    )
)
RECOVERY_USED = register(
    MessageTemplate(
        "accounts.recovery_used",
        frozenset({"role", "username", "at"}),
        "Tells the administrators and the supervisors that the break-glass recovery code was used.",
    )
)
ORGANISATION_VERIFIED = register(
    MessageTemplate(
        "accounts.organisation_verified",
        frozenset({"name", "organisation", "role"}),
        "Tells an organisation that registered itself that the centre verified it, and its role.",
    )
)
ORGANISATION_REFUSED = register(
    MessageTemplate(
        "accounts.organisation_refused",
        frozenset({"name", "organisation", "reason"}),
        "Tells an organisation that registered itself that the centre refused it, and why.",
    )
)
