from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class CalendarError(ErrorCodeBase):
    NO_DATA = (
        "calendar_no_data",
        404,
        _(
            "There is no calendar for this date: neither the official arrangement "
            "nor a provisional one can be made."
        ),
    )
    RULE_UNKNOWN = "period_rule_unknown", 404, _("There is no such period rule.")
    AMOUNT_NEGATIVE = "period_amount_negative", 422, _("A period cannot be negative.")
    YEAR_ALREADY_OFFICIAL = (
        "calendar_year_already_official",
        409,
        _("The official arrangement of this year is already loaded."),
    )
    ARRANGEMENT_INVALID = "calendar_arrangement_invalid", 422, _("The arrangement is not valid.")
    CLOSURE_ON_WORKDAY = (
        "closure_on_adjusted_workday",
        422,
        _("A closure cannot fall on an adjusted working day (a working Saturday or Sunday)."),
    )
    CLOSURE_EXISTS = "closure_exists", 409, _("The centre is already closed that day.")
    NAIVE_TIME = "naive_time", 422, _("A time without a time zone cannot be used.")
    PERIOD_RULE_BROKEN = (
        "period_rule_broken",
        422,
        _("The time breaks a statutory period: see the rule, its legal basis and the legal time."),
    )
    LOCAL_RULE_SHORTER = (
        "local_period_rule_shorter",
        422,
        _("A local period may be longer than the law's, never shorter."),
    )
    LOCAL_RULE_NOT_A_FLOOR = (
        "local_period_rule_not_a_floor",
        422,
        _("Only a minimum period can be lengthened locally; a legal time limit cannot be changed."),
    )
    LOCAL_RULE_INVALID = (
        "local_period_rule_invalid",
        422,
        _("The local period is not valid: give its unit, its length and the local rule it comes from."),
    )
