from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class OpsError(ErrorCodeBase):
    PURPOSE_UNKNOWN = "key_purpose_unknown", 404, _("No such key purpose.")
    ROTATION_REFUSED = (
        "key_rotation_refused",
        409,
        _("This key cannot be rotated: every stored lookup hash would have to be recomputed first."),
    )
    REASON_REQUIRED = (
        "reveal_reason_required",
        422,
        _("Say why you need to see this value (at least 4 characters)."),
    )
    NOT_ENCRYPTED = "field_not_encrypted", 422, _("This field is not an encrypted field.")
