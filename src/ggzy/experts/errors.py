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
