from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class AccountsError(ErrorCodeBase):
    TOKEN_NOT_FOUND = "token_not_found", 404, _("No such access token.")
    TOKEN_ALREADY_REVOKED = "token_already_revoked", 409, _("This access token was already revoked.")
    TOKEN_LIFETIME = "token_lifetime", 422, _("A token lives between 1 and 90 days.")
    TOKEN_SCOPES = (
        "token_scopes",
        422,
        _("Choose at least one scope, from those the API offers (e.g. registry:read)."),
    )
    TOKEN_NAME = "token_name", 422, _("Give the token a name of 1 to 100 characters.")
    IDENTIFIER_INVALID = "identifier_invalid", 422, _("The code or document number is not valid.")
    ORGANISATION_EXISTS = (
        "organisation_exists",
        409,
        _("An organisation with this credit code is already registered."),
    )
    PERSON_EXISTS = "person_exists", 409, _("A person with this document is already registered.")
    NOT_A_MEMBER = "not_a_member", 403, _("You do not belong to this organisation.")
    SCOPE_REQUIRED = (
        "role_scope_required",
        422,
        _("This role needs its scope (a centre, an organisation or a region)."),
    )
    ADMIN_ONLY_ROLE = (
        "admin_holds_no_other_role",
        409,
        _("An administrator holds exactly one administrator role and no trading role."),
    )
    OUTSIDE_ENTRUSTMENT = (
        "outside_entrustment",
        403,
        _("The agent has no valid entrustment for this project."),
    )
    ENTRUSTMENT_INVALID = (
        "entrustment_invalid",
        422,
        _("An entrustment needs an initiator, an agent, a project and a period."),
    )
    NOT_YOUR_ADMIN_WORK = "not_your_administrator_work", 403, _("This is another administrator's work.")
    ADMIN_ROLES_EXCLUSIVE = (
        "admin_roles_exclusive",
        422,
        _("One person may hold only one of the system, security and audit administrator roles."),
    )
    ADMIN_CHANGE_NEEDS_APPROVAL = (
        "admin_change_needs_approval",
        409,
        _(
            "A change to an administrator's account is requested by one administrator and carried out "
            "when a second one approves it."
        ),
    )
    NOT_FOR_ONESELF = (
        "not_for_oneself",
        403,
        _("Nobody changes the roles or credentials of their own account."),
    )
    NOT_AN_ADMINISTRATOR = (
        "not_an_administrator",
        422,
        _("Requests and approvals are for administrators' accounts; change this account directly."),
    )
    CHANGE_NOT_FOUND = "account_change_not_found", 404, _("No such account change request.")
    CHANGE_NOT_PENDING = (
        "account_change_not_pending",
        409,
        _("This request was already decided, withdrawn or has expired."),
    )
    CHANGE_SECOND_PERSON = (
        "account_change_second_person",
        403,
        _("A second administrator approves: neither the one who asked nor the one concerned."),
    )
    CHANGE_INVALID = "account_change_invalid", 422, _("This change does not apply to this account.")
    REASON_REQUIRED = "reason_required", 422, _("Give the reason (at least four characters).")
    NO_PHONE = (
        "no_phone_on_record",
        422,
        _("The account has no phone on record: hand the code over in person."),
    )
    NO_SECOND_FACTOR = (
        "no_second_factor_needed",
        409,
        _("This account signs in without a second factor; there is nothing to enrol."),
    )
    RECOVERY_REFUSED = (
        "recovery_refused",
        403,
        _("The recovery code is not correct, or recovery is blocked after failed attempts."),
    )
    GRANT_REVOKED = "role_grant_revoked", 409, _("This role grant was already revoked.")
