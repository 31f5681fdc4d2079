from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class RandomnessError(ErrorCodeBase):
    NOT_FOUND = ("draw_not_found", 404, _("No such draw."))
    NO_BEACON = (
        "beacon_unavailable",
        503,
        _(
            "No outside randomness service answered with a valid signed commitment: a draw needs a party"
            " the platform does not control, so none was opened. Try again later."
        ),
    )
    NOT_CONFIGURED = (
        "beacons_not_configured",
        409,
        _("The platform has no outside randomness service configured (GGZY_BEACONS, GGZY_BEACON_TRUST)."),
    )
    BAD_INPUT = ("draw_input_invalid", 422, _("The draw's description is not valid."))
    STATE = ("draw_state", 409, _("The draw is not in a state that allows this."))
    AFTER_MOMENT = (
        "draw_commitments_after_moment",
        409,
        _(
            "The draw is refused: its commitments were not in a co-signed tree head of the witness log before"
            " the moment anyone could profit. A refused draw is not drawn again in secret; it is recorded."
        ),
    )
    OTHER_MOMENT = ("draw_other_moment", 409, _("The draw is being revealed for another moment."))
