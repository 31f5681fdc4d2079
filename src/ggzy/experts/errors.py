from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class ExpertsError(ErrorCodeBase):
    NOT_FOUND = ("expert_request_not_found", 404, _("No such expert draw request."))
    STATE = ("expert_request_state", 409, _("The draw request is not in a state that allows this."))
    NEEDS = (
        "expert_request_needs",
        422,
        _(
            "Name each specialty with how many experts and reserves it needs (at least one expert in all),"
            " and a committee of an odd number of members, at least five, two thirds of them experts."
        ),
    )
    TIME = ("expert_request_time", 422, _("The evaluation begins at a time to come (Beijing time)."))
    LIMITS = (
        "expert_request_limits",
        422,
        _("The age limit may not be raised above the law's and the call limit is at least one."),
    )
    TOO_FEW = (
        "expert_request_too_few",
        409,
        _("Too few experts are eligible for a specialty; the counts excluded by each rule are given."),
    )
    NOT_YOURS = ("expert_call_not_yours", 403, _("Only the expert called answers the call: yourself."))
    ANSWERED = ("expert_call_answered", 409, _("This call has been answered already."))
    LATE = ("expert_call_late", 409, _("The time to answer this call has passed."))
    ANSWER = ("expert_call_answer", 422, _("Answer the call with accept or decline."))
    DRAWN = ("expert_request_drawn", 409, _("This request has been drawn already: a draw is made once."))
    PUSH_TIME = (
        "expert_request_push_time",
        422,
        _("The list is pushed to the evaluation area at a time to come, no later than the evaluation."),
    )
    MEMBERS_FULL = (
        "expert_members_full",
        409,
        _("The committee's seats for the initiator's representatives and its own experts are all taken."),
    )
    MEMBER_LATE = (
        "expert_member_late",
        409,
        _("Representatives and experts chosen by the initiator are entered before the list is pushed."),
    )
    MEMBER_INVALID = (
        "expert_member_invalid",
        422,
        _("Enter the member's name, a valid identity number and its employer's unified social credit code."),
    )
    MEMBER_AVOIDED = (
        "expert_member_avoided",
        409,
        _("This person must be avoided in this trade (the rule is named) and cannot sit on its committee."),
    )
    MEMBER_TWICE = ("expert_member_twice", 409, _("This person is on the committee already."))
    PUSH_EARLY = (
        "expert_roster_early",
        409,
        _("The list is pushed at its set time, not before, and only after the draw."),
    )
    NOT_PUSHED = (
        "expert_roster_not_pushed",
        409,
        _("The list of experts is read only after it was pushed to the evaluation area."),
    )
    PRINT_DENIED = (
        "expert_roster_print_denied",
        403,
        _("Only the staff member of the centre appointed to print the experts' list may print it."),
    )
    KEEPER_DENIED = (
        "expert_keeper_denied",
        403,
        _("Only the security administrator appoints who prints the experts' lists."),
    )
    KEEPER_NOT_STAFF = (
        "expert_keeper_not_staff",
        422,
        _("The person appointed to print the experts' lists is a staff member of that centre."),
    )
    NOT_AFTER = (
        "expert_evaluation_not_over",
        409,
        _("Fees and ratings are recorded once the evaluation has begun, for experts who accepted the call."),
    )
    RECORDED = ("expert_record_twice", 409, _("This has been recorded already for this expert."))
    FEE_INVALID = (
        "expert_fee_invalid",
        422,
        _("A fee is a whole number of fen above zero, with its hours (above zero, at most 24) and basis."),
    )
    RATING_INVALID = (
        "expert_rating_invalid",
        422,
        _("A rating is a score from 1 to 5 with the conduct observed."),
    )
    POOL_NOT_USED = (
        "expert_pool_not_configured",
        409,
        _("This centre's experts are not drawn by the provincial expert pool, or it is not configured."),
    )
    POOL_UNAVAILABLE = (
        "expert_pool_unavailable",
        503,
        _("The provincial expert pool did not answer; nothing was recorded. Ask again later."),
    )
    POOL_UNTRUSTED = (
        "expert_pool_untrusted",
        502,
        _(
            "The answer did not come from the provincial expert pool the platform trusts (its signature,"
            " its request or its list do not check); nothing was recorded."
        ),
    )
    POOL_REJECTED = (
        "expert_pool_rejected",
        502,
        _("The provincial expert pool did not take the request (not trusted, malformed or replayed)."),
    )
    POOL_REFUSED = (
        "expert_pool_refused",
        409,
        _("The provincial expert pool refused the draw or the replacement; its reason and counts are given."),
    )
    CHECKIN_EARLY = (
        "expert_checkin_early",
        409,
        _("The called experts are checked against the bidders once the bid deadline has passed."),
    )
    POOL_DENIED = ("expert_pool_denied", 403, _("Only the staff of the expert's centre manage its pool."))
    PROFILE_INVALID = (
        "expert_profile_invalid",
        422,
        _("A field of the expert's profile is not valid (the field is named); nothing was changed."),
    )
    EXPERT_TWICE = ("expert_registered", 409, _("This person (or this account) is in the pool already."))
    NOT_AN_EXPERT = ("expert_not_in_pool", 404, _("Your account is not an expert of a centre's pool."))
    CHANGE_PENDING = (
        "expert_change_pending",
        409,
        _("A change of your profile is awaiting review; ask the next once it is decided."),
    )
    CHANGE_DONE = ("expert_change_done", 409, _("This change has been reviewed already."))
    UNAVAILABLE_INVALID = (
        "expert_unavailable_invalid",
        422,
        _("Days unavailable run from today at the earliest to a year ahead, the last not before the first."),
    )
    SEED_NOT_LOGGED = (
        "expert_seed_not_logged",
        409,
        _(
            "The seed's commitments are not yet in a co-signed head of the witness log: fix the list once"
            " they are (a few minutes), or the seed could never be revealed."
        ),
    )
