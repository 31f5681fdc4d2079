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
        _("An organisation with this registration code is already registered."),
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
    # trading centres and accounts opened by the system administrator (issue 22)
    CENTRE_EXISTS = "centre_exists", 409, _("A trading centre with this code already exists.")
    CENTRE_CODE_INVALID = (
        "centre_code_invalid",
        422,
        _(
            "A centre's code is 1 to 32 lower-case letters, digits or hyphens, beginning with a letter "
            "(for example sy)."
        ),
    )
    CENTRE_NAME_INVALID = "centre_name_invalid", 422, _("Give the centre's name (2 to 100 characters).")
    REGION_UNKNOWN = (
        "region_unknown",
        422,
        _("This is not a region of GB/T 2260 that can be chosen: choose one from the list."),
    )
    CENTRE_REGION_LEVEL = (
        "centre_region_level",
        422,
        _("A trading centre serves a province or a prefecture: choose one of those, not a county."),
    )
    CENTRE_PARENT_INVALID = (
        "centre_parent_invalid",
        422,
        _("The parent centre must exist and serve a larger region that contains this centre's region."),
    )
    ACCOUNT_EXISTS = "account_exists", 409, _("An account with this user name already exists.")
    USERNAME_INVALID = (
        "username_invalid",
        422,
        _("A user name is 1 to 150 letters, digits and the characters @ . + - _ (no spaces)."),
    )
    ACCOUNT_DETAILS_INVALID = (
        "account_details_invalid",
        422,
        _("Give the family name, the given name and a valid e-mail address."),
    )
    PHONE_INVALID = (
        "phone_invalid",
        422,
        _("The phone on record is a mainland mobile number (11 digits, 13x–19x), or left empty."),
    )
    # an organisation's own registration, its verification, and entrustments by an initiator (issue 22)
    REGISTRATION_ROLE = (
        "registration_role_invalid",
        422,
        _("Choose the role the organisation asks for: initiator, agent or responder."),
    )
    REGISTRATION_PASSWORD = (
        "registration_password_invalid",
        422,
        _("The password does not follow the password rules."),
    )
    REGISTRATION_PHONE = (
        "registration_phone_invalid",
        422,
        _("Give a mobile number: 11 digits (13x–19x), or + and the country code for a number abroad."),
    )
    REGISTRATION_CENTRE = (
        "registration_centre_invalid",
        422,
        _("Choose the centre that verifies the registration."),
    )
    REGISTRATION_DETAILS = (
        "registration_details_missing",
        422,
        _(
            "Give your family and given names and the organisation's name, legal representative, contact "
            "person and contact phone."
        ),
    )
    REGISTRATION_CERTIFICATE = (
        "registration_certificate_refused",
        422,
        _("The organisation's certificate was refused."),
    )
    REGISTRATION_CERTIFICATE_MISMATCH = (
        "registration_certificate_mismatch",
        422,
        _("The certificate is not this organisation's: it names another registration code."),
    )
    REGISTRATION_ORGANISATION_TAKEN = (
        "registration_organisation_taken",
        409,
        _(
            "This organisation is already registered on the platform. If nobody of yours registered it, "
            "contact the centre."
        ),
    )
    APPLICATION_DECIDED = (
        "organisation_application_decided",
        409,
        _("This registration was already verified or refused."),
    )
    APPLICATION_VERIFIER = (
        "organisation_verifier_only",
        403,
        _("The staff of the centre the organisation chose verify its registration, never the applicant."),
    )
    ENTRUSTMENT_NOT_INITIATOR = (
        "entrustment_not_initiator",
        403,
        _("You act for no organisation as its initiator."),
    )
    ENTRUSTMENT_AGENT_UNKNOWN = (
        "entrustment_agent_unknown",
        422,
        _("No registered organisation has this credit code or name."),
    )
    ENTRUSTMENT_AGENT_AMBIGUOUS = (
        "entrustment_agent_ambiguous",
        422,
        _("Several organisations have this name: give the agent's credit code."),
    )
    ENTRUSTMENT_NOT_AN_AGENT = (
        "entrustment_not_an_agent",
        422,
        _("This organisation is not a verified agent on the platform."),
    )
    ENTRUSTMENT_PERIOD = "entrustment_period", 422, _("An entrustment ends after it begins.")
    ENTRUSTMENT_NOT_YOUR_PROJECT = (
        "entrustment_not_your_project",
        403,
        _("This project is registered on the platform by another initiator: only its initiator entrusts it."),
    )
