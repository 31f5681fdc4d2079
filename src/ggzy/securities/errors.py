"""The securities app's error codes (docs/architecture.md §5)."""

from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class SecuritiesError(ErrorCodeBase):
    NONE_REQUIRED = "security_none_required", 409, _("The documents of this section require no security.")
    NO_DOCUMENTS = (
        "security_no_documents",
        409,
        _("The section's tender documents are not issued yet: the security they require is not known."),
    )
    FORM_NOT_ALLOWED = (
        "security_form_not_allowed",
        409,
        _("The documents do not accept the security in this form (they accept: %(forms)s)."),
    )
    DEADLINE_PASSED = "security_deadline_passed", 409, _("The bid deadline has passed.")
    NO_BANK = "security_no_bank", 409, _("Deposits are not taken here: no bank is configured.")
    BANK_UNAVAILABLE = "security_bank_unavailable", 503, _("The bank did not answer; try again later.")
    BANK_ANSWER = (
        "security_bank_answer",
        502,
        _("The bank's answer could not be trusted (%(reason)s); nothing was recorded."),
    )
    NOTIFICATION_MALFORMED = (
        "security_notification_malformed",
        400,
        _("The notification is not a bank notification: %(message)s"),
    )
    NOTIFICATION_SIGNATURE = (
        "security_notification_signature",
        403,
        _("The notification is not signed by a bank the platform trusts."),
    )
    NOTIFICATION_SUB_ACCOUNT = (
        "security_notification_sub_account",
        409,
        _("The notification names a sub-account the platform did not open for that section and bidder."),
    )
    NOTIFICATION_CONFLICT = (
        "security_notification_conflict",
        409,
        _("The notification contradicts one the platform already holds (the same sequence or transaction)."),
    )
    AMOUNT_INVALID = (
        "security_amount_invalid",
        400,
        _("An amount is a whole number of fen (an integer, never a float or a fraction of a fen)."),
    )
    ISSUER_UNKNOWN = "security_issuer_unknown", 422, _("This issuer is not one the platform can reach.")
    ISSUER_UNAVAILABLE = (
        "security_issuer_unavailable",
        503,
        _("The guarantee issuer did not answer; try again later."),
    )
    ISSUER_ANSWER = (
        "security_issuer_answer",
        502,
        _("The issuer's answer could not be trusted (%(reason)s); nothing was recorded."),
    )
    ISSUER_REFUSED = "security_issuer_refused", 409, _("The issuer refused: %(reason)s")
    GUARANTEE_INVALID = (
        "security_guarantee_invalid",
        422,
        _("The guarantee does not verify (%(reason)s): %(message)s"),
    )
    GUARANTEE_SECTION = (
        "security_guarantee_section",
        422,
        _("The guarantee is for another section, tender project or bidder."),
    )
    GUARANTEE_BENEFICIARY = (
        "security_guarantee_beneficiary",
        422,
        _("The guarantee's beneficiary is not the tender's initiator."),
    )
    GUARANTEE_AMOUNT = (
        "security_guarantee_amount",
        422,
        _("The guarantee covers %(amount)s yuan; the documents require %(required)s yuan."),
    )
    GUARANTEE_COVER = (
        "security_guarantee_cover",
        422,
        _(
            "The guarantee's cover ends on %(until)s, before the end of the bid validity period on"
            " %(needed)s (实施条例 §26: the security is valid as long as the bid)."
        ),
    )
    GUARANTEE_KIND = (
        "security_guarantee_kind",
        422,
        _("The documents do not accept a guarantee from this kind of issuer (%(kind)s)."),
    )
    GUARANTEE_STATE = (
        "security_guarantee_state",
        409,
        _("The guarantee is not in a state that allows this."),
    )
    REFUND_DONE = (
        "security_refund_done",
        409,
        _("This security is being refunded or was refunded already: a refund is never paid twice."),
    )
    REFUND_NOTHING = "security_refund_nothing", 409, _("There is nothing in the sub-account to refund.")
    REFUND_TRIGGER = (
        "security_refund_trigger",
        422,
        _("This trigger does not apply to this security (%(reason)s)."),
    )
    FORFEITURE_BASIS = (
        "security_forfeiture_basis",
        422,
        _("A security is kept only where the law and the documents say: %(reason)s"),
    )
    FORFEITED = "security_forfeited", 409, _("This security was kept (forfeited) or claimed already.")
    PERFORMANCE_CAP = (
        "security_performance_cap",
        422,
        _("The performance security is above its cap: at most %(cap)s yuan (%(source)s)."),
    )
    PERFORMANCE_DEMANDED = (
        "security_performance_demanded",
        409,
        _("A performance security was demanded of this bidder on this section already."),
    )
    STATEMENT_INVALID = (
        "security_statement_invalid",
        502,
        _("The bank's statement could not be trusted (%(reason)s); nothing was reconciled."),
    )
