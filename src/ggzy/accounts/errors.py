from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class AccountsError(ErrorCodeBase):
    TOKEN_NOT_FOUND = "token_not_found", 404, _("No such access token.")
    TOKEN_ALREADY_REVOKED = "token_already_revoked", 409, _("This access token was already revoked.")
    TOKEN_LIFETIME = "token_lifetime", 422, _("A token lives between 1 and 366 days.")
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
