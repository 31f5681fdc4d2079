from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class RegistryError(ErrorCodeBase):
    CATEGORY_NOT_SERVED = (
        "category_not_served",
        422,
        _("This centre does not handle projects of this category."),
    )
    CODE_INVALID = (
        "code_invalid",
        422,
        _("A code is not valid: check it against the document that issued it."),
    )
    CODE_MISSING = "code_missing", 422, _("Projects of this category must give this code.")
    CODE_EXHAUSTED = "code_exhausted", 409, _("No more codes can be issued under this prefix.")
    CODE_TAKEN = "code_taken", 409, _("This code is already in use.")
    NO_SECTIONS = "no_sections", 422, _("A tender project needs at least one section.")
    MONEY_INVALID = "money_invalid", 422, _("Give the budget in yuan with at most two decimals, above zero.")
    METHOD_INVALID = (
        "method_invalid",
        422,
        _("This trading method does not belong to the project's category."),
    )
    NOT_ENTRUSTED = (
        "not_entrusted",
        403,
        _("Your organisation holds no valid entrustment from this initiator for this project."),
    )
    NOT_A_PARTY = "not_a_party", 403, _("Only the initiator or its entrusted agent may do this.")
    FILE_EMPTY = "file_empty", 422, _("The file is empty.")
    FILE_TOO_LARGE = "file_too_large", 422, _("The file is larger than this item allows.")
    FILE_TYPE = "file_type", 422, _("This type of file is not accepted for this item.")
    ITEM_UNKNOWN = "item_unknown", 422, _("This item is not on the registration's checklist.")
    DEFER_NOT_ALLOWED = (
        "defer_not_allowed",
        422,
        _("This item cannot be supplied later: it is needed now."),
    )
    PROMISE_INVALID = (
        "promise_invalid",
        422,
        _("A promise to supply later needs its text and a due date in the future."),
    )
    INCOMPLETE = "incomplete", 422, _("Some required items are missing.")
    STATE = "registration_state", 409, _("The registration is not in a state that allows this.")
    NOTICE_EMPTY = "notice_empty", 422, _("A one-time notice must name at least one item.")
    NOTICE_UNCHANGED_ITEM = (
        "notice_unchanged_item",
        422,
        _(
            "These items were already there, unchanged, when the first notice was given: they should "
            "have been named then. A later notice may only name new or changed items."
        ),
    )
    NOT_HANDLER = (
        "not_handler",
        403,
        _("Only the responsible person, or the deputy while they are away, may do this."),
    )
    STAFF_INVALID = (
        "staff_invalid",
        422,
        _("The responsible person and the deputy must be two staff of this centre."),
    )
    LEAVE_INVALID = "leave_invalid", 422, _("A leave ends after it starts.")
    NOT_STAFF = "registry_not_staff", 403, _("Only staff of this centre may do this.")
    COVER_INVALID = (
        "cover_invalid",
        422,
        _("The colleague who covers for you must be another staff member of your centre."),
    )
    DESK_HEAD_INVALID = (
        "desk_head_invalid",
        422,
        _("The head of the desk and the deputy must be two different staff of this centre."),
    )
    TEMPLATE_NAME = "template_name", 422, _("Give the template a name of at most 200 characters.")
    TEMPLATE_TOO_LARGE = "template_too_large", 422, _("A template file may be at most 20 MB.")
    TEMPLATE_TYPE = (
        "template_type",
        422,
        _("A template must be a PDF, OFD, Word (.docx) or Excel (.xlsx) file, and its name must end so."),
    )
    TEMPLATE_STATE = (
        "template_state",
        409,
        _("This template was replaced or withdrawn already: act on the version offered now."),
    )
    CHECKLIST_STALE = (
        "checklist_stale",
        409,
        _("The checklist changed since you opened it: open it again and make your changes there."),
    )
    CHECKLIST_UNCHANGED = (
        "checklist_unchanged",
        422,
        _("Nothing changed: a new version must add, remove or change an item."),
    )
    CHECKLIST_ITEM_INVALID = (
        "checklist_item_invalid",
        422,
        _("Every item needs a name of at most 200 characters, and no two items may have the same name."),
    )
    CHECKLIST_STANDARD_ITEM = (
        "checklist_standard_item",
        422,
        _("A document standard 6.2.2 requires cannot be removed or made optional."),
    )
    STEP_BLOCKED = "step_blocked", 409, _("Items promised for later must arrive before this step.")
    PAUSED = (
        "procedure_paused",
        409,
        _("The procedure is paused: this step waits until the pause ends."),
    )
    TERMINATED = "procedure_terminated", 409, _("The procedure is terminated: nothing more happens in it.")
    PAUSE_INVALID = "pause_invalid", 422, _("Give the pause's basis, its reason and the steps it stops.")
    PAUSE_TOO_LONG = (
        "pause_too_long",
        422,
        _("A supervising department's order pauses a procedure for at most 30 days (政府采购法 §57)."),
    )
    PAUSE_STATE = "pause_state", 409, _("This pause has already ended.")
    METHOD_UNKNOWN = "method_unknown", 404, _("There is no trading method with this code.")
    METHOD_AMOUNT_INVALID = (
        "method_amount_invalid",
        422,
        _("An amount of money is a whole number of fen, not below zero; a share is between 0 and 100 %."),
    )
    METHOD_COMMITTEE_SIZE = (
        "method_committee_size",
        422,
        _("The evaluation committee has fewer members than the trading method requires."),
    )
    METHOD_COMMITTEE_ODD = (
        "method_committee_odd",
        422,
        _("The trading method requires an odd number of committee members."),
    )
    METHOD_COMMITTEE_EXPERTS = (
        "method_committee_experts",
        422,
        _("The evaluation committee has too few experts for the trading method."),
    )
    METHOD_BID_SECURITY_NONE = (
        "method_bid_security_none",
        422,
        _("The trading method takes no bid security."),
    )
    METHOD_BID_SECURITY_CAP = (
        "method_bid_security_cap",
        422,
        _("The bid security is above the cap of the trading method."),
    )
    METHOD_SECURITY_CASH = (
        "method_security_cash",
        422,
        _("The trading method does not allow this security in cash."),
    )
    METHOD_PERFORMANCE_SECURITY_NONE = (
        "method_performance_security_none",
        422,
        _("The trading method takes no performance security."),
    )
    METHOD_PERFORMANCE_SECURITY_CAP = (
        "method_performance_security_cap",
        422,
        _("The performance security is above the cap of the trading method."),
    )
    METHOD_PRICE_WEIGHT = (
        "method_price_weight",
        422,
        _("The price weight is outside what the trading method allows."),
    )
    METHOD_SME_DEDUCTION = (
        "method_sme_deduction",
        422,
        _("The price deduction for small and micro enterprises is outside what the trading method allows."),
    )
    METHOD_EVALUATION = (
        "method_evaluation",
        422,
        _("The trading method does not allow this evaluation method."),
    )
