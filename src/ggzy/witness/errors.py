from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class WitnessError(ErrorCodeBase):
    TRUST_MISSING = (
        "witness_trust_missing",
        409,
        _("The platform has no witness trust file (GGZY_WITNESS_TRUST): it cannot check the statement."),
    )
    STATEMENT_REFUSED = (
        "epoch_statement_refused",
        422,
        _(
            "The epoch statement is refused: it must be signed by the supervising department and name "
            "this log's epoch and current head."
        ),
    )
