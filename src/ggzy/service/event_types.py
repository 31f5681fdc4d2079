"""The event types `service` records: consultation, FAQ, complaints and suggestions, ratings, commitments,
service guides and technical staff."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EventType, EventTypes, Scopes, Title
from ggzy.events.states import EventClass, Visibility

DOMAIN = EventClass.DOMAIN


def _for_supervisors(type_: str, meaning: str, *, title: Title) -> EventType:
    return EventType(type_, DOMAIN, Visibility.SUPERVISORS, Scopes.CENTRE_REGION, meaning, title=title)


def _public(type_: str, meaning: str, *, title: Title) -> EventType:
    return EventType(type_, DOMAIN, Visibility.PUBLIC, Scopes.CENTRE_REGION, meaning, title=title)


class ServiceEvents(EventTypes, app="service"):
    QUESTION_ASKED = _for_supervisors(
        "service.question.asked",
        "A question was asked (online, or logged by staff).",
        title=pgettext_lazy("event", "Question asked"),
    )
    QUESTION_TAKEN = _for_supervisors(
        "service.question.taken",
        "A staff member took a question and owns it (first-question responsibility).",
        title=pgettext_lazy("event", "Question taken"),
    )
    QUESTION_HANDED_OVER = _for_supervisors(
        "service.question.handed_over",
        "A question was handed over to other staff of the centre, with the reason.",
        title=pgettext_lazy("event", "Question handed over"),
    )
    QUESTION_ANSWERED = _for_supervisors(
        "service.question.answered",
        "A question was answered (on time or not, within the remit or not).",
        title=pgettext_lazy("event", "Question answered"),
    )
    QUESTION_OVERDUE = _for_supervisors(
        "service.question.overdue",
        "A question passed its limit unanswered; the desk head was told.",
        title=pgettext_lazy("event", "Question overdue"),
    )
    FAQ_PUBLISHED = _public(
        "service.faq.published",
        "A good answer was published in the FAQ.",
        title=pgettext_lazy("event", "FAQ answer published"),
    )
    FEEDBACK_RECEIVED = _for_supervisors(
        "service.feedback.received",
        "A service complaint or suggestion was received.",
        title=pgettext_lazy("event", "Complaint or suggestion received"),
    )
    FEEDBACK_ANSWERED = _for_supervisors(
        "service.feedback.answered",
        "A service complaint or suggestion was answered.",
        title=pgettext_lazy("event", "Complaint or suggestion answered"),
    )
    RATING_GIVEN = _for_supervisors(
        "service.rating.given",
        "A user rated a service they received.",
        title=pgettext_lazy("event", "Service rated"),
    )
    RATING_FOLLOWED_UP = _public(
        "service.rating.followed_up",
        "What was done about a bad rating (published with the month's results).",
        title=pgettext_lazy("event", "Bad rating followed up"),
    )
    COMMITMENT_WRITTEN = _for_supervisors(
        "service.commitment.written",
        "Staff wrote a service commitment as a draft (not public yet).",
        title=pgettext_lazy("event", "Service commitment drafted"),
    )
    COMMITMENT_EDITED = _for_supervisors(
        "service.commitment.edited",
        "Staff edited a draft service commitment (not public yet).",
        title=pgettext_lazy("event", "Service commitment draft edited"),
    )
    COMMITMENT_PUBLISHED = _public(
        "service.commitment.published",
        "A centre published a service commitment (steps, limit, materials, fee).",
        title=pgettext_lazy("event", "Service commitment published"),
    )
    COMMITMENT_WITHDRAWN = _public(
        "service.commitment.withdrawn",
        "A centre withdrew a service commitment from the service hall.",
        title=pgettext_lazy("event", "Service commitment withdrawn"),
    )
    GUIDE_WRITTEN = _for_supervisors(
        "service.guide.written",
        "Staff wrote a service guide as a draft (not public yet).",
        title=pgettext_lazy("event", "Service guide drafted"),
    )
    GUIDE_EDITED = _for_supervisors(
        "service.guide.edited",
        "Staff edited a draft service guide (not public yet).",
        title=pgettext_lazy("event", "Service guide draft edited"),
    )
    GUIDE_PUBLISHED = _public(
        "service.guide.published",
        "A centre published a service guide in the service hall.",
        title=pgettext_lazy("event", "Service guide published"),
    )
    GUIDE_WITHDRAWN = _public(
        "service.guide.withdrawn",
        "A centre withdrew a service guide from the service hall.",
        title=pgettext_lazy("event", "Service guide withdrawn"),
    )
    TECHNICAL_STAFF_DESIGNATED = _for_supervisors(
        "service.technical_staff.designated",
        "A member of a centre's staff was designated technical staff (takes supervisors' technical "
        "questions).",
        title=pgettext_lazy("event", "Technical staff designated"),
    )
    TECHNICAL_STAFF_REMOVED = _for_supervisors(
        "service.technical_staff.removed",
        "A member of a centre's staff is no longer technical staff.",
        title=pgettext_lazy("event", "Technical staff removed"),
    )
    RECORD_GIVEN = _for_supervisors(
        "service.record.given",
        "A green-channel, extended-hours or on-behalf service was given.",
        title=pgettext_lazy("event", "Special service given"),
    )
    SELF_EVALUATION_RECORDED = _public(
        "service.self_evaluation.recorded",
        "A centre recorded its self-evaluation of a service for a month.",
        title=pgettext_lazy("event", "Self-evaluation recorded"),
    )
