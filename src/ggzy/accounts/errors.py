from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class AccountsError(ErrorCodeBase):
    TOKEN_NOT_FOUND = "token_not_found", 404, _("No such access token.")
    TOKEN_ALREADY_REVOKED = "token_already_revoked", 409, _("This access token was already revoked.")
    TOKEN_LIFETIME = "token_lifetime", 422, _("A token lives between 1 and 366 days.")
    TOKEN_NAME = "token_name", 422, _("Give the token a name of 1 to 100 characters.")
    ADMIN_ROLES_EXCLUSIVE = (
        "admin_roles_exclusive",
        422,
        _("One person may hold only one of the system, security and audit administrator roles."),
    )
