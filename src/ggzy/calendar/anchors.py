"""The names of the events a period rule counts from (`PeriodRule.anchor`) or bounds (`PeriodRule.act`),
as people read them. A code is a stable name other apps use to say which of their instants is meant;
the instant itself is read from the owning app each time (a postponed deadline moves every period
counted back from it)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EVENTS: dict[str, Promise] = {
    "registration_filed": _("the registration is filed"),
    "question_received": _("the question is received"),
    "feedback_received": _("the feedback is received"),
    "bad_rating_received": _("the bad rating is received"),
    "documents_sale_start": _("the documents go on sale"),
    "prequal_documents_sale_start": _("the prequalification documents go on sale"),
    "prequal_documents_sale_end": _("the prequalification documents stop being sold"),
    "prequal_application_deadline": _("the prequalification application deadline"),
    "documents_first_issued": _("the documents are first issued"),
    "bid_deadline": _("the bid deadline"),
    "objection_received": _("the objection is received"),
    "evaluation_report_received": _("the initiator receives the evaluation report"),
    "candidate_publicity_start": _("the candidate publicity starts"),
    "became_aware": _("the complainant knew or should have known"),
    "complaint_received": _("the complaint is received"),
    "winner_determined": _("the winning bidder is determined"),
    "award_notice_issued": _("the award notice is issued"),
    "notice_published": _("the notice is published"),
    "publicity_start": _("the publicity starts"),
    "result_published": _("the result is published"),
    "result_announcement_end": _("the result announcement period ends"),
    "documents_received_or_notice_end": _("the documents are received or their notice period ends"),
    "procedure_stage_end": _("a stage of the procedure ends"),
    "challenge_received": _("the challenge is received"),
    "inquiry_received": _("the inquiry is received"),
    "challenge_answer_period_end": _("the challenge answer period ends"),
    "transfer_start": _("the tender, auction or listing starts"),
    "listing_start": _("the listing starts"),
    "disclosure_start": _("the disclosure starts"),
    "bid_withdrawn": _("the bid is withdrawn in writing"),
    "tender_terminated": _("the tender is terminated"),
    # the acts a rule bounds (`PeriodRule.act`)
    "registration_decided": _("the registration is decided"),
    "question_answered": _("the question is answered"),
    "feedback_answered": _("the feedback is answered"),
    "bad_rating_followed_up": _("the bad rating is followed up"),
    "documents_sale_end": _("the documents stop being sold"),
    "documents_available_end": _("the documents stop being provided"),
    "clarification_issued": _("the clarification or amendment is issued"),
    "objection_filed": _("the objection is filed"),
    "objection_answered": _("the objection is answered"),
    "candidate_publicity_end": _("the candidate publicity ends"),
    "complaint_filed": _("the complaint is filed"),
    "complaint_acceptance_decided": _("whether to accept the complaint is decided"),
    "award_report_submitted": _("the written report is submitted to the supervisory department"),
    "contract_signed": _("the contract is signed"),
    "notice_period_end": _("the notice period ends"),
    "publicity_end": _("the publicity ends"),
    "first_response_deadline": _("the first response deadline"),
    "challenge_filed": _("the challenge is filed"),
    "challenge_answered": _("the challenge is answered"),
    "inquiry_answered": _("the inquiry is answered"),
    "listing_end": _("the listing ends"),
    "disclosure_end": _("the disclosure ends"),
    "result_publicity_end": _("the result publicity ends"),
    "security_refunded": _("the security is refunded"),
}


def event_name(code: str) -> str:
    """The readable name of an anchor code (the code itself if it has none yet)."""
    name = EVENTS.get(code)
    return str(name) if name is not None else code
