from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class ServiceError(ErrorCodeBase):
    EMPTY = "content_empty", 422, _("Write the question or the message first.")
    TOO_LONG = "content_too_long", 422, _("The text is too long (at most 5,000 characters).")
    #: raised with a message naming the field and its limit (`services._bounded`): input is refused, never cut
    FIELD_TOO_LONG = "field_too_long", 422, _("A field is longer than it may be.")
    CHOICE_INVALID = "choice_invalid", 422, _("Choose one of the listed options.")
    NOT_ANSWERED = "question_not_answered", 409, _("Only an answered question can be published in the FAQ.")
    NOT_STAFF = "not_centre_staff", 403, _("Only staff of this centre may do this.")
    NOT_OWNER = (
        "not_question_owner",
        403,
        _("The question belongs to whoever took it first, until it is answered or handed over."),
    )
    TAKEN = "question_taken", 409, _("Someone else has already taken this question.")
    ANSWERED = "question_answered", 409, _("The question is already answered.")
    HANDOVER_OUTSIDE = (
        "handover_outside_centre",
        422,
        _("A question can only be handed over to other staff of the same centre."),
    )
    HANDOVER_REASON = "handover_reason", 422, _("Say why the question is handed over.")
    AUTHORITY_MISSING = (
        "authority_missing",
        422,
        _("A question outside the centre's remit is answered with the authority to turn to."),
    )
    TECHNICAL_ONLY = (
        "technical_staff_only",
        403,
        _("Technical-support questions of supervisors and auditors are taken by technical staff."),
    )
    NOT_RECEIVED = "service_not_received", 403, _("You can only rate a service you received.")
    ALREADY_RATED = "already_rated", 409, _("You have already rated this service.")
    SCORE = "score_invalid", 422, _("Give a score from 1 to 5.")
    NOT_BAD = "rating_not_bad", 409, _("Only a bad rating (1 or 2) is followed up.")
    FOLLOWED_UP = "already_followed_up", 409, _("This rating has been followed up already.")
    LATE_REASON = (
        "late_reason_missing",
        422,
        _("The follow-up is after its limit: give the reason for the delay."),
    )
    FEE_NOT_ALLOWED = (
        "fee_not_allowed",
        422,
        _("A publicly funded centre charges no trading service fee (standard 12.1.4)."),
    )
    FEE_INVALID = (
        "fee_invalid",
        422,
        _(
            "Write the fee in yuan: a number of at least 0 with at most two decimals, such as 0, 120 or "
            "120.50."
        ),
    )
    FEE_BASIS_MISSING = (
        "fee_basis_missing",
        422,
        _("A fee above 0 needs its fee basis: the document or decision that allows the centre to charge it."),
    )
    #: raised with a message naming the service (`services._offered`)
    NOT_OFFERED_YET = (
        "service_not_offered_yet",
        422,
        _(
            "The platform does not offer this service yet: its commitment is published when the service "
            "arrives."
        ),
    )
    PUBLISH_STATE = (
        "publish_state",
        409,
        _(
            "Not in its present state: a draft is edited or published, a published one is withdrawn "
            "(before it is edited), a withdrawn one is edited or published again."
        ),
    )
    GUIDE_KIND = (
        "guide_kind_invalid",
        422,
        _("A service guide is about laws and policies, processes, or using the electronic trading system."),
    )
    TECHNICAL_NOT_STAFF = (
        "technical_not_staff",
        422,
        _("Only staff of this centre can be its technical staff."),
    )
    ALREADY_TECHNICAL = "already_technical_staff", 409, _("This member of staff is technical staff already.")
    NOT_TECHNICAL = (
        "not_technical_staff",
        409,
        _("This member of staff is not technical staff of this centre."),
    )
    TECHNICAL_OWNS_QUESTIONS = (
        "technical_owns_questions",
        409,
        _(
            "This member of staff owns unanswered technical-support questions: they hand them over to other "
            "technical staff first."
        ),
    )
