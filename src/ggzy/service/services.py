"""Consultation with first-question responsibility, the FAQ, service complaints and suggestions,
ratings and their follow-up, commitments. Every write is one transaction and records an event."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import Centre
from ggzy.calendar.services import deadline_set
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.models import Event
from ggzy.events.notifications import Recipient, notify
from ggzy.events.services import event_record
from ggzy.registry.models import TradingCategory
from ggzy.registry.selectors import is_staff_of
from ggzy.service import indexing
from ggzy.service.errors import ServiceError
from ggzy.service.event_types import ServiceEvents
from ggzy.service.models import (
    CHANNEL_RULE,
    Commitment,
    FaqEntry,
    Feedback,
    FeedbackChannel,
    FeedbackKind,
    FollowUp,
    Handover,
    Question,
    QuestionChannel,
    QuestionKind,
    Rating,
    SelfEvaluation,
    ServiceRecord,
    ServiceType,
    TechnicalStaff,
)
from ggzy.service.selectors import received

MAX_TEXT = 5000


def _text(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(ServiceError.EMPTY)
    if len(value) > MAX_TEXT:
        raise DomainError(ServiceError.TOO_LONG)
    return value


def _bounded(value: str, model: type[Model], field: str, limit: int | None = None) -> str:
    """`value` without surrounding blanks, refused (never cut) when longer than `field` takes: its
    `max_length`, or `limit` for a text field."""
    value = (value or "").strip()
    found = model._meta.get_field(field)
    most = limit or getattr(found, "max_length", None)
    if most is not None and len(value) > most:
        raise DomainError(
            ServiceError.FIELD_TOO_LONG,
            format_lazy(
                _("“{field}” is too long: at most {limit} characters, not {length}."),
                field=getattr(found, "verbose_name", field),
                limit=most,
                length=len(value),
            ),
            detail={"field": field, "limit": most, "length": len(value)},
        )
    return value


def _event(event_type: EventType, centre: Centre, actor: Actor | None, data: JSONDict) -> Event:
    """An event of the centre (its class and visibility are the catalogue's)."""
    return event_record(type=event_type, actor=actor, centre=centre.code, region=centre.region, data=data)


def _require_staff(actor: Actor | None, centre: Centre) -> None:
    if actor is None or not is_staff_of(actor, centre):
        raise DomainError(ServiceError.NOT_STAFF)


# --- consultation ------------------------------------------------------------------------------------


def _start_clock(question: Question) -> None:
    question.deadline = deadline_set(
        owner=f"service.question:{question.uid}",
        rule_code=CHANNEL_RULE[QuestionChannel(question.channel)],
        start=question.taken_at or question.asked_at,
        centre=question.centre.code,
    )


@transaction.atomic
def question_ask(
    *,
    asker: Actor | None,
    centre: Centre,
    kind: str,
    text: str,
    category: TradingCategory | None = None,
    channel: str = QuestionChannel.ONLINE,
    taken_by: Actor | None = None,
    asker_name: str = "",
    asker_contact: str = "",
) -> Question:
    """A question: online by a signed-in user, or logged by staff for a phone call or a visit — then the
    staff member who takes it owns it at once (首问负责)."""
    text = _text(text)
    if kind not in QuestionKind.values or channel not in QuestionChannel.values:
        raise DomainError(ServiceError.CHOICE_INVALID, detail={"kind": kind, "channel": channel})
    if channel != QuestionChannel.ONLINE:
        _require_staff(taken_by, centre)
    now = clock.now()
    question = Question.objects.create(
        centre=centre,
        category=category,
        kind=kind,
        channel=channel,
        asker=asker if asker is not None and asker.is_authenticated else None,
        asker_name=_bounded(asker_name, Question, "asker_name"),
        asker_contact=asker_contact.strip(),
        text=text,
        asked_at=now,
        owner=taken_by,
        taken_at=now if taken_by is not None else None,
    )
    _start_clock(question)
    question.save(update_fields=["deadline"])
    _event(
        ServiceEvents.QUESTION_ASKED,
        centre,
        asker if question.asker else taken_by,
        {
            "question": str(question.uid),
            "kind": kind,
            "channel": channel,
            "owner": taken_by.pk if taken_by else None,
        },
    )
    return question


def _check_may_own(user: Actor, question: Question) -> None:
    _require_staff(user, question.centre)
    if (
        question.kind == QuestionKind.SUPERVISION
        and not TechnicalStaff.objects.filter(centre=question.centre, user=user).exists()
    ):
        raise DomainError(ServiceError.TECHNICAL_ONLY)


@transaction.atomic
def question_take(*, actor: Actor, question: Question) -> Question:
    """The first staff member to take a question owns it (首问负责制)."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    _check_may_own(actor, question)
    if question.answered_at is not None:
        raise DomainError(ServiceError.ANSWERED)
    if question.owner_id is not None:
        raise DomainError(ServiceError.TAKEN)
    question.owner, question.taken_at = actor, clock.now()
    question.save(update_fields=["owner", "taken_at"])
    _event(ServiceEvents.QUESTION_TAKEN, question.centre, actor, {"question": str(question.uid)})
    return question


@transaction.atomic
def question_hand_over(*, actor: Actor, question: Question, to: Actor | None, reason: str) -> Handover:
    """A formal hand-over to other staff of the centre; until then the first taker stays responsible."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.owner_id != actor.pk:
        raise DomainError(ServiceError.NOT_OWNER)
    if question.answered_at is not None:
        raise DomainError(ServiceError.ANSWERED)
    if not reason.strip():
        raise DomainError(ServiceError.HANDOVER_REASON)
    reason = _bounded(reason, Handover, "reason")
    if to is None or to == actor or not is_staff_of(to, question.centre):
        raise DomainError(ServiceError.HANDOVER_OUTSIDE)
    _check_may_own(to, question)
    handover = Handover.objects.create(
        question=question, from_user=actor, to_user=to, reason=reason, at=clock.now()
    )
    question.owner = to
    question.save(update_fields=["owner"])
    _event(
        ServiceEvents.QUESTION_HANDED_OVER,
        question.centre,
        actor,
        {"question": str(question.uid), "from": actor.pk, "to": to.pk, "reason": handover.reason},
    )
    return handover


@transaction.atomic
def question_answer(
    *, actor: Actor, question: Question, answer: str, outside_remit: bool = False, authority: str = ""
) -> Question:
    """The owner answers; a question outside the centre's remit is answered with the authority to turn to
    (6.1.3). The asker is told."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.owner_id != actor.pk:
        raise DomainError(ServiceError.NOT_OWNER)
    if question.answered_at is not None:
        raise DomainError(ServiceError.ANSWERED)
    answer = _text(answer)
    if outside_remit and not authority.strip():
        raise DomainError(ServiceError.AUTHORITY_MISSING)
    authority = _bounded(authority, Question, "authority")
    now = clock.now()
    question.answer, question.answered_at, question.answered_by = answer, now, actor
    question.outside_remit, question.authority = outside_remit, authority
    question.save(update_fields=["answer", "answered_at", "answered_by", "outside_remit", "authority"])
    indexing.index_question(question)  # searchable by the centre's staff, in the same transaction
    on_time = question.deadline is None or now <= question.deadline.due_at
    event = _event(
        ServiceEvents.QUESTION_ANSWERED,
        question.centre,
        actor,
        {"question": str(question.uid), "on_time": on_time, "outside_remit": outside_remit},
    )
    if question.asker is not None:
        notify(
            template="service.answered",
            recipients=[Recipient(user=question.asker)],
            context={"question": question.text[:60], "answer": answer, "authority": question.authority},
            event=event,
        )
    return question


@transaction.atomic
def faq_promote(*, actor: Actor, question: Question, question_text: str = "", answer: str = "") -> FaqEntry:
    """A good answer becomes an FAQ entry (edited for the public: no names)."""
    question = Question.objects.get(pk=question.pk)
    _require_staff(actor, question.centre)
    if question.answered_at is None:
        raise DomainError(ServiceError.NOT_ANSWERED)
    entry = FaqEntry.objects.create(
        category=question.category,
        kind=question.kind,
        question=_text(question_text or question.text),
        answer=_text(answer or question.answer),
        source=question,
        published_at=clock.now(),
    )
    indexing.index_faq(entry)  # searchable by everyone, in the same transaction
    _event(
        ServiceEvents.FAQ_PUBLISHED,
        question.centre,
        actor,
        {"faq": str(entry.uid), "question": str(question.uid)},
    )
    return entry


# --- service complaints and suggestions (服务投诉/意见, 12.2.1) -----------------------------------------


@transaction.atomic
def feedback_submit(
    *,
    author: Actor | None,
    centre: Centre,
    kind: str,
    channel: str,
    content: str,
    contact: str = "",
    logged_by: Actor | None = None,
) -> Feedback:
    if kind not in FeedbackKind.values or channel not in FeedbackChannel.values:
        raise DomainError(ServiceError.CHOICE_INVALID, detail={"kind": kind, "channel": channel})
    if channel != FeedbackChannel.ONLINE:
        _require_staff(logged_by, centre)  # a call or a letter is logged by staff
    now = clock.now()
    feedback = Feedback.objects.create(
        centre=centre,
        kind=kind,
        channel=channel,
        author=author if author is not None and author.is_authenticated else None,
        author_contact=contact.strip(),
        content=_text(content),
        received_at=now,
    )
    feedback.deadline = deadline_set(
        owner=f"service.feedback:{feedback.uid}", rule_code="service-feedback", start=now, centre=centre.code
    )
    feedback.save(update_fields=["deadline"])
    _event(
        ServiceEvents.FEEDBACK_RECEIVED,
        centre,
        feedback.author or logged_by,
        {"feedback": str(feedback.uid), "kind": kind},
    )
    return feedback


@transaction.atomic
def feedback_answer(*, actor: Actor, feedback: Feedback, answer: str) -> Feedback:
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    _require_staff(actor, feedback.centre)
    if feedback.answered_at is not None:
        raise DomainError(ServiceError.ANSWERED)
    feedback.answer, feedback.answered_at, feedback.answered_by = _text(answer), clock.now(), actor
    feedback.save(update_fields=["answer", "answered_at", "answered_by"])
    event = _event(ServiceEvents.FEEDBACK_ANSWERED, feedback.centre, actor, {"feedback": str(feedback.uid)})
    if feedback.author is not None:
        notify(
            template="service.feedback_answered",
            recipients=[Recipient(user=feedback.author)],
            context={"content": feedback.content[:60], "answer": feedback.answer},
            event=event,
        )
    return feedback


# --- ratings (好差评, 12.2.2) and follow-up (12.2.3) ------------------------------------------------------


@transaction.atomic
def rating_give(*, rater: Actor, service: str, reference: str, score: int, comment: str = "") -> Rating:
    """Rate a service once (1–5). A bad rating (1–2) starts the follow-up limit."""
    if not isinstance(score, int) or not 1 <= score <= 5:  # noqa: PLR2004
        raise DomainError(ServiceError.SCORE)
    if len(comment) > 500:  # noqa: PLR2004
        raise DomainError(ServiceError.TOO_LONG)
    found = received(rater, service, reference)
    if found is None:
        raise DomainError(ServiceError.NOT_RECEIVED)
    centre, staff = found
    if Rating.objects.filter(service=service, reference=reference, rater=rater).exists():
        raise DomainError(ServiceError.ALREADY_RATED)
    now = clock.now()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                service=service,
                reference=reference,
                centre=centre,
                staff=staff,
                rater=rater,
                score=score,
                comment=comment.strip(),
                rated_at=now,
            )
    except IntegrityError as exc:  # a concurrent second rating
        raise DomainError(ServiceError.ALREADY_RATED) from exc
    if rating.bad:
        rating.deadline = deadline_set(
            owner=f"service.rating:{rating.uid}",
            rule_code="bad-rating-follow-up",
            start=now,
            centre=centre.code,
        )
        rating.save(update_fields=["deadline"])
    _event(
        ServiceEvents.RATING_GIVEN,
        centre,
        rater,
        {"rating": str(rating.uid), "service": service, "score": score, "staff": staff.pk if staff else None},
    )
    return rating


@transaction.atomic
def follow_up_record(*, actor: Actor, rating: Rating, text: str, late_reason: str = "") -> FollowUp:
    """What was done about a bad rating; published with the monthly results. After the limit it needs a
    reason."""
    rating = Rating.objects.select_for_update().get(pk=rating.pk)
    _require_staff(actor, rating.centre)
    if not rating.bad:
        raise DomainError(ServiceError.NOT_BAD)
    if FollowUp.objects.filter(rating=rating).exists():
        raise DomainError(ServiceError.FOLLOWED_UP)
    now = clock.now()
    late = rating.deadline is not None and now > rating.deadline.due_at
    if late and not late_reason.strip():
        raise DomainError(ServiceError.LATE_REASON)
    late_reason = _bounded(late_reason, FollowUp, "late_reason")
    follow_up = FollowUp.objects.create(
        rating=rating, text=_text(text), by=actor, at=now, late_reason=late_reason
    )
    _event(
        ServiceEvents.RATING_FOLLOWED_UP,
        rating.centre,
        actor,
        {"rating": str(rating.uid), "late": late, "text": follow_up.text},
    )
    return follow_up


# --- commitments and services given -------------------------------------------------------------------


@transaction.atomic
def commitment_set(
    *,
    actor: Actor | None,
    centre: Centre,
    service: str,
    title: str,
    steps: str,
    time_limit: str,
    materials: str = "",
    fee_fen: int = 0,
    fee_basis: str = "",
) -> Commitment:
    if service not in ServiceType.values:
        raise DomainError(ServiceError.CHOICE_INVALID, detail={"service": service})
    if fee_fen and getattr(settings, "GGZY_PUBLICLY_FUNDED", True):
        raise DomainError(ServiceError.FEE_NOT_ALLOWED)
    commitment, _created = Commitment.objects.update_or_create(
        centre=centre,
        service=service,
        title=_text(title),
        defaults={
            "steps": _text(steps),
            "time_limit": _text(time_limit),
            "materials": materials.strip(),
            "fee_fen": fee_fen,
            "fee_basis": fee_basis.strip(),
        },
    )
    _event(
        ServiceEvents.COMMITMENT_PUBLISHED,
        centre,
        actor,
        {"commitment": commitment.pk, "title": commitment.title, "fee_fen": fee_fen},
    )
    return commitment


@transaction.atomic
def service_record(
    *, actor: Actor, centre: Centre, service: str, for_user: Actor, description: str
) -> ServiceRecord:
    """A green-channel, extended-hours or on-behalf service given (12.1.3); the user may then rate it."""
    _require_staff(actor, centre)
    if service not in (ServiceType.GREEN_CHANNEL, ServiceType.EXTENDED_HOURS, ServiceType.ON_BEHALF):
        raise DomainError(ServiceError.CHOICE_INVALID, detail={"service": service})
    record = ServiceRecord.objects.create(
        centre=centre,
        service=service,
        for_user=for_user,
        by=actor,
        description=_text(description),
        at=clock.now(),
    )
    _event(
        ServiceEvents.RECORD_GIVEN,
        centre,
        actor,
        {"record": str(record.uid), "service": service, "for": for_user.pk},
    )
    return record


@transaction.atomic
def self_evaluation_record(
    *,
    actor: Actor,
    centre: Centre,
    year: int,
    month: int,
    service: str,
    score: int,
    findings: str,
    improvements: str = "",
) -> SelfEvaluation:
    """The centre's self-evaluation of a service for a month (once; published with the month's figures)."""
    _require_staff(actor, centre)
    if service not in ServiceType.values:
        raise DomainError(ServiceError.CHOICE_INVALID, detail={"service": service})
    if not isinstance(score, int) or not 1 <= score <= 5:  # noqa: PLR2004
        raise DomainError(ServiceError.SCORE)
    try:
        first = dt.date(year, month, 1)
    except ValueError as exc:
        raise DomainError(ServiceError.CHOICE_INVALID, detail={"month": f"{year}-{month}"}) from exc
    if first > clock.local_now().date():
        raise DomainError(ServiceError.CHOICE_INVALID, detail={"month": f"{year}-{month:02d}"})
    if SelfEvaluation.objects.filter(centre=centre, month=first, service=service).exists():
        raise DomainError(ServiceError.ALREADY_RATED)
    improvements = _bounded(improvements, SelfEvaluation, "improvements", MAX_TEXT)
    evaluation = SelfEvaluation.objects.create(
        centre=centre,
        month=first,
        service=service,
        score=score,
        findings=_text(findings),
        improvements=improvements,
        by=actor,
        at=clock.now(),
    )
    _event(
        ServiceEvents.SELF_EVALUATION_RECORDED,
        centre,
        actor,
        {"month": first.isoformat(), "service": service, "score": score},
    )
    return evaluation
