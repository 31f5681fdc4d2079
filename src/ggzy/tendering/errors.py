"""The tendering app's error codes (docs/architecture.md §5)."""

from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class TenderingError(ErrorCodeBase):
    CRITERIA_INVALID = (
        "documents_criteria_invalid",
        422,
        _("The criteria record of the documents is not valid: %(message)s"),
    )
    TITLE_MISSING = "documents_title_missing", 422, _("Give the documents a title.")
    SECTION_INVALID = (
        "documents_section_invalid",
        422,
        _("A section named is not a section of this tender project."),
    )
    STATE = "documents_state", 409, _("The documents are not in a state that allows this.")
    NO_NOTICE = (
        "documents_no_notice",
        409,
        _("The documents are issued once the tender notice of their sections is published."),
    )
    SECURITY_CAP = (
        "documents_security_cap",
        422,
        _("The bid security is above its cap: at most %(cap)s yuan (%(source)s)."),
    )
    NOT_A_BIDDER = (
        "documents_not_a_bidder",
        403,
        _("Only a verified bidder organisation may obtain the documents and ask about them."),
    )
    CLOSED = "documents_closed", 409, _("The bid deadline has passed: the documents are closed.")
    NOT_HOLDER = (
        "documents_not_holder",
        403,
        _("Obtain the documents first: only holders ask questions and receive clarifications."),
    )
    NOT_INVITED = (
        "documents_not_invited",
        403,
        _("Only the invited suppliers may obtain the documents of an invitation tender."),
    )
    TEXT_INVALID = "documents_text_invalid", 422, _("Write the text (at most 5,000 characters).")
    TOO_FEW_INVITED = (
        "documents_too_few_invited",
        409,
        _("An invitation tender invites at least %(min)s organisations before its documents are issued."),
    )
    NOT_INVITATION = (
        "documents_not_invitation",
        409,
        _("Only a section traded by invitation has an invited list."),
    )
    CONSORTIUM_NOT_ALLOWED = (
        "consortium_not_allowed",
        409,
        _("The documents of this section do not accept consortium bids."),
    )
    CONSORTIUM_SHARES = (
        "consortium_shares",
        422,
        _("A consortium has at least two members, the lead among them, whose shares add up to 100 %."),
    )
    CONSORTIUM_TWICE = (
        "consortium_twice",
        409,
        _("An organisation is in at most one consortium per section, and then does not bid alone there."),
    )
    FEE_INVALID = (
        "documents_fee_invalid",
        422,
        _("The documents' fee is a whole number of fen, zero when they are free."),
    )
