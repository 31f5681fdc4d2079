from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class OpeningError(ErrorCodeBase):
    NOT_FOUND = ("hall_not_found", 404, _("No such opening hall."))
    STATE = ("hall_state", 409, _("The opening hall is not in a state that allows this."))
    NOT_CONFIRMING = (
        "hall_not_confirming",
        409,
        _("Lines are confirmed only during the confirmation step, after the opening sheet is read."),
    )
    NO_LINE = (
        "hall_no_line",
        403,
        _("Only a bidder with a line on this opening sheet confirms it: its own."),
    )
    DECIDED = ("hall_line_decided", 409, _("Your line has been confirmed or objected to already."))
    REMARK = ("hall_line_remark", 422, _("Say what is wrong with your line (1 to 500 characters)."))
    NOT_ATTRIBUTABLE = (
        "hall_not_attributable",
        409,
        _("Only a bid the window and the documents' remedy left closed is attributed, after the sheet."),
    )
    ATTRIBUTED = ("hall_attributed", 409, _("This bid's cause has been recorded already."))
    ATTRIBUTION_INPUT = (
        "hall_attribution_input",
        422,
        _("Give the decision (撤销 or 撤回) and the reason with its evidence (1 to 1000 characters)."),
    )
    NOT_AGENT = ("hall_not_agent", 403, _("Only the initiator or its agent records the decision."))
    NO_RECORD = ("hall_no_record", 409, _("The opening record is made at the close of the opening."))
    SIGNED = ("hall_record_signed", 409, _("The opening record has been signed already."))
    NOT_SIGNER = (
        "hall_record_not_signer",
        403,
        _("The signature is not by a certificate of the initiator's or the agent's organisation."),
    )
    NOT_YOUR_RELEASE = (
        "hall_not_your_release",
        422,
        _(
            "This is not a release of one of your organisation's bids in this section: make it with"
            " ggzy-bid release from the bid file you submitted here, and upload the JSON it wrote."
        ),
    )
    NOT_DECRYPTING = (
        "hall_not_decrypting",
        409,
        _("Bids are released in the hall only while its decryption window is open."),
    )
    NOT_TWO_ENVELOPES = (
        "hall_not_two_envelopes",
        409,
        _("Only a section whose documents ask for two envelopes has a second session."),
    )
    SECOND_NOT_YET = (
        "hall_second_not_yet",
        409,
        _("The second session is scheduled once the first opening (the technical envelopes) has closed."),
    )
    SECOND_SCHEDULED = ("hall_second_scheduled", 409, _("The second session has been scheduled already."))
    SECOND_PASSING = (
        "hall_second_passing",
        422,
        _(
            "List at least one bidder that passed the technical review, each one whose technical envelope"
            " was opened in this hall."
        ),
    )
    SECOND_TIME = ("hall_second_time", 422, _("The second session opens at a time to come (Beijing time)."))
    AVOIDANCE_INPUT = (
        "hall_avoidance_input",
        422,
        _("Name the person to avoid (1 to 50 characters) and say why (1 to 500 characters)."),
    )
    AVOIDANCE_TWICE = (
        "hall_avoidance_twice",
        409,
        _("Your organisation has asked for this person's avoidance at this opening already."),
    )
    NOT_A_BIDDER = ("hall_not_a_bidder", 403, _("Only a bidder of this section asks for an avoidance here."))
    AVOIDANCE_DECISION = (
        "hall_avoidance_decision",
        422,
        _("Accept or refuse the request, and give your answer (1 to 500 characters)."),
    )
    AVOIDANCE_DECIDED = ("hall_avoidance_decided", 409, _("This request has been answered already."))
    ON_SITE_INPUT = (
        "hall_on_site_input",
        422,
        _("Name the room of the on-site opening (1 to 100 characters)."),
    )
    NOT_STAFF = (
        "hall_not_staff",
        403,
        _("Only the centre's staff set an on-site opening and relay releases."),
    )
