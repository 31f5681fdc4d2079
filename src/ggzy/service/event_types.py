"""The event types `service` records: consultation, FAQ, complaints and suggestions, ratings, commitments,
service guides and technical staff."""

from __future__ import annotations

from ggzy.events.catalogue import EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN = EventClass.DOMAIN


def _for_supervisors(type_: str, meaning: str) -> EventType:
    return EventType(type_, DOMAIN, Visibility.SUPERVISORS, Scopes.CENTRE_REGION, meaning)


def _public(type_: str, meaning: str) -> EventType:
    return EventType(type_, DOMAIN, Visibility.PUBLIC, Scopes.CENTRE_REGION, meaning)


class ServiceEvents(EventTypes, app="service"):
    QUESTION_ASKED = _for_supervisors(
        "service.question.asked", "A question was asked (online, or logged by staff)."
    )
    QUESTION_TAKEN = _for_supervisors(
        "service.question.taken",
        "A staff member took a question and owns it (first-question responsibility).",
    )
    QUESTION_HANDED_OVER = _for_supervisors(
        "service.question.handed_over",
        "A question was handed over to other staff of the centre, with the reason.",
    )
    QUESTION_ANSWERED = _for_supervisors(
        "service.question.answered", "A question was answered (on time or not, within the remit or not)."
    )
    QUESTION_OVERDUE = _for_supervisors(
        "service.question.overdue", "A question passed its limit unanswered; the desk head was told."
    )
    FAQ_PUBLISHED = _public("service.faq.published", "A good answer was published in the FAQ.")
    FEEDBACK_RECEIVED = _for_supervisors(
        "service.feedback.received", "A service complaint or suggestion was received."
    )
    FEEDBACK_ANSWERED = _for_supervisors(
        "service.feedback.answered", "A service complaint or suggestion was answered."
    )
    RATING_GIVEN = _for_supervisors("service.rating.given", "A user rated a service they received.")
    RATING_FOLLOWED_UP = _public(
        "service.rating.followed_up", "What was done about a bad rating (published with the month's results)."
    )
    COMMITMENT_WRITTEN = _for_supervisors(
        "service.commitment.written", "Staff wrote a service commitment as a draft (not public yet)."
    )
    COMMITMENT_EDITED = _for_supervisors(
        "service.commitment.edited", "Staff edited a draft service commitment (not public yet)."
    )
    COMMITMENT_PUBLISHED = _public(
        "service.commitment.published",
        "A centre published a service commitment (steps, limit, materials, fee).",
    )
    COMMITMENT_WITHDRAWN = _public(
        "service.commitment.withdrawn", "A centre withdrew a service commitment from the service hall."
    )
    GUIDE_WRITTEN = _for_supervisors(
        "service.guide.written", "Staff wrote a service guide as a draft (not public yet)."
    )
    GUIDE_EDITED = _for_supervisors(
        "service.guide.edited", "Staff edited a draft service guide (not public yet)."
    )
    GUIDE_PUBLISHED = _public(
        "service.guide.published", "A centre published a service guide in the service hall."
    )
    GUIDE_WITHDRAWN = _public(
        "service.guide.withdrawn", "A centre withdrew a service guide from the service hall."
    )
    TECHNICAL_STAFF_DESIGNATED = _for_supervisors(
        "service.technical_staff.designated",
        "A member of a centre's staff was designated technical staff (takes supervisors' technical "
        "questions).",
    )
    TECHNICAL_STAFF_REMOVED = _for_supervisors(
        "service.technical_staff.removed", "A member of a centre's staff is no longer technical staff."
    )
    RECORD_GIVEN = _for_supervisors(
        "service.record.given", "A green-channel, extended-hours or on-behalf service was given."
    )
    SELF_EVALUATION_RECORDED = _public(
        "service.self_evaluation.recorded", "A centre recorded its self-evaluation of a service for a month."
    )
