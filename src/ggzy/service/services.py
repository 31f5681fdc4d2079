"""Consultation with first-question responsibility, the FAQ, service complaints and suggestions,
ratings and their follow-up, commitments and service guides (written as drafts, published, withdrawn),
technical staff. Every write is one transaction and records an event."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import Centre
from ggzy.calendar.services import deadline_set
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.states import advance, require
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
    GUIDE_KINDS,
    NOT_OFFERED_YET,
    Commitment,
    FaqEntry,
    Feedback,
    FeedbackChannel,
    FeedbackKind,
    FollowUp,
    Guide,
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
from ggzy.service.states import PUBLISH_TRANSITIONS

MAX_TEXT = 5000
#: A service guide may be longer than a question: at most this many characters.
MAX_GUIDE = 20000
#: Yuan as staff write it: digits, and at most two decimals.
YUAN = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
#: The largest fee a commitment may name, in yuan (a typo guard, far above any service fee).
MAX_FEE_YUAN = Decimal(1_000_000)


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


def _fee_fen(fee_yuan: str) -> int:
    """A fee in yuan, written as a decimal string ("", "0", "120", "1,120.50"), as fen: never a float, no
    exponent, no sign, at most two decimals."""
    if not isinstance(fee_yuan, str):
        raise DomainError(ServiceError.FEE_INVALID, detail={"fee": repr(fee_yuan)})
    text = fee_yuan.strip().replace(",", "") or "0"
    if not YUAN.fullmatch(text):
        raise DomainError(ServiceError.FEE_INVALID, detail={"fee": fee_yuan})
    value = Decimal(text)
    if value > MAX_FEE_YUAN:
        raise DomainError(ServiceError.FEE_INVALID, detail={"fee": fee_yuan})
    return int(value * 100)


def _offered(service: str) -> None:
    """Refuse a commitment to a service the platform does not offer yet (venues, experts, online opening
    arrive with later issues), naming it."""
    if service not in ServiceType.values:
        raise DomainError(ServiceError.CHOICE_INVALID, detail={"service": service})
    if service in NOT_OFFERED_YET:
        raise DomainError(
            ServiceError.NOT_OFFERED_YET,
            format_lazy(
                _(
                    "The platform does not offer “{service}” yet: its commitment is published when it "
                    "arrives."
                ),
                service=ServiceType(service).label,
            ),
            detail={"service": service},
        )


def _fee_allowed(fee_fen: int, fee_basis: str) -> None:
    """12.1.4: a publicly funded centre (`GGZY_PUBLICLY_FUNDED`, default on) charges no trading service
    fee; a centre that may charge names the basis of every fee above 0."""
    if not fee_fen:
        return
    if getattr(settings, "GGZY_PUBLICLY_FUNDED", True):
        raise DomainError(ServiceError.FEE_NOT_ALLOWED, detail={"fee_fen": fee_fen})
    if not fee_basis:
        raise DomainError(ServiceError.FEE_BASIS_MISSING, detail={"fee_fen": fee_fen})


@dataclass(frozen=True)
class CommitmentIn:
    """What a commitment says: the service, the item, its steps, time limit and materials, and the fee in
    yuan as a decimal string with its basis."""

    service: str
    title: str
    steps: str
    time_limit: str
    materials: str = ""
    fee_yuan: str = "0"
    fee_basis: str = ""


def _commitment_fields(data: CommitmentIn) -> dict[str, object]:
    """The checked fields of `data`; refuses a service not offered yet, a bad fee, a fee not allowed."""
    _offered(data.service)
    fee_fen = _fee_fen(data.fee_yuan)
    fee_basis = _bounded(data.fee_basis, Commitment, "fee_basis")
    _fee_allowed(fee_fen, fee_basis)
    return {
        "service": data.service,
        "title": _bounded(_text(data.title), Commitment, "title"),
        "steps": _text(data.steps),
        "time_limit": _bounded(_text(data.time_limit), Commitment, "time_limit"),
        "materials": _bounded(data.materials, Commitment, "materials", MAX_TEXT),
        "fee_fen": fee_fen,
        "fee_basis": fee_basis,
    }


def _save_fields(row: Model, fields: dict[str, object]) -> None:
    """Write the checked `fields` of a row just moved by `advance` (in the same transaction)."""
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=list(fields))


def _commitment_data(commitment: Commitment) -> JSONDict:
    return {
        "commitment": str(commitment.uid),
        "service": commitment.service,
        "title": commitment.title,
        "fee_fen": commitment.fee_fen,
    }


@transaction.atomic
def commitment_write(*, actor: Actor, centre: Centre, data: CommitmentIn) -> Commitment:
    """A new service commitment of `centre`, as a draft (the public hall shows it once published)."""
    _require_staff(actor, centre)
    fields = _commitment_fields(data)
    order = Commitment.objects.filter(centre=centre).count()
    commitment = Commitment.objects.create(centre=centre, order=order, updated_at=clock.now(), **fields)
    _event(ServiceEvents.COMMITMENT_WRITTEN, centre, actor, _commitment_data(commitment))
    return commitment


@transaction.atomic
def commitment_edit(*, actor: Actor, commitment: Commitment, data: CommitmentIn) -> Commitment:
    """Change a draft (or withdrawn) commitment; it stays a draft until published."""
    commitment = Commitment.objects.select_related("centre").get(pk=commitment.pk)
    _require_staff(actor, commitment.centre)
    require(commitment, PUBLISH_TRANSITIONS, "edit", error=ServiceError.PUBLISH_STATE)
    fields = _commitment_fields(data)
    advance(commitment, PUBLISH_TRANSITIONS, "edit", error=ServiceError.PUBLISH_STATE, updated_at=clock.now())
    _save_fields(commitment, fields)
    _event(ServiceEvents.COMMITMENT_EDITED, commitment.centre, actor, _commitment_data(commitment))
    return commitment


@transaction.atomic
def commitment_publish(*, actor: Actor, commitment: Commitment) -> Commitment:
    """Publish a commitment in the service hall (12.1.3). Its service and fee are checked again: the
    setting may have changed since it was written."""
    commitment = Commitment.objects.select_related("centre").get(pk=commitment.pk)
    _require_staff(actor, commitment.centre)
    require(commitment, PUBLISH_TRANSITIONS, "publish", error=ServiceError.PUBLISH_STATE)
    _offered(commitment.service)
    _fee_allowed(commitment.fee_fen, commitment.fee_basis)
    advance(
        commitment, PUBLISH_TRANSITIONS, "publish", error=ServiceError.PUBLISH_STATE, published_at=clock.now()
    )
    _event(ServiceEvents.COMMITMENT_PUBLISHED, commitment.centre, actor, _commitment_data(commitment))
    return commitment


@transaction.atomic
def commitment_withdraw(*, actor: Actor, commitment: Commitment) -> Commitment:
    """Take a published commitment out of the service hall (to edit it, or for good)."""
    commitment = Commitment.objects.select_related("centre").get(pk=commitment.pk)
    _require_staff(actor, commitment.centre)
    advance(commitment, PUBLISH_TRANSITIONS, "withdraw", error=ServiceError.PUBLISH_STATE)
    _event(ServiceEvents.COMMITMENT_WITHDRAWN, commitment.centre, actor, _commitment_data(commitment))
    return commitment


# --- service guides (办事指南, 6.1.2.1–6.1.2.3) ----------------------------------------------------------


@dataclass(frozen=True)
class GuideIn:
    """What a guide says: its kind (laws and policies, processes, using the system), trading category
    (None: every category), title and text."""

    kind: str
    title: str
    body: str
    category: TradingCategory | None = None


def _guide_fields(data: GuideIn) -> dict[str, object]:
    if data.kind not in GUIDE_KINDS:
        raise DomainError(ServiceError.GUIDE_KIND, detail={"kind": data.kind})
    body = (data.body or "").strip()
    if not body:
        raise DomainError(ServiceError.EMPTY)
    return {
        "kind": data.kind,
        "category": data.category,
        "title": _bounded(_text(data.title), Guide, "title"),
        "body": _bounded(body, Guide, "body", MAX_GUIDE),
    }


def _guide_data(guide: Guide) -> JSONDict:
    return {
        "guide": str(guide.uid),
        "kind": guide.kind,
        "category": guide.category_id,
        "title": guide.title,
    }


@transaction.atomic
def guide_write(*, actor: Actor, centre: Centre, data: GuideIn) -> Guide:
    """A new service guide of `centre`, as a draft: neither in the hall nor in the search until published."""
    _require_staff(actor, centre)
    guide = Guide.objects.create(centre=centre, updated_at=clock.now(), **_guide_fields(data))
    _event(ServiceEvents.GUIDE_WRITTEN, centre, actor, _guide_data(guide))
    return guide


@transaction.atomic
def guide_edit(*, actor: Actor, guide: Guide, data: GuideIn) -> Guide:
    """Change a draft (or withdrawn) guide; it stays a draft until published."""
    guide = Guide.objects.select_related("centre").get(pk=guide.pk)
    _require_staff(actor, guide.centre)
    require(guide, PUBLISH_TRANSITIONS, "edit", error=ServiceError.PUBLISH_STATE)
    fields = _guide_fields(data)
    advance(guide, PUBLISH_TRANSITIONS, "edit", error=ServiceError.PUBLISH_STATE, updated_at=clock.now())
    _save_fields(guide, fields)
    _event(ServiceEvents.GUIDE_EDITED, guide.centre, actor, _guide_data(guide))
    return guide


@transaction.atomic
def guide_publish(*, actor: Actor, guide: Guide) -> Guide:
    """Publish a guide: the public service hall shows it under its centre and the search finds it."""
    guide = Guide.objects.select_related("centre").get(pk=guide.pk)
    _require_staff(actor, guide.centre)
    now = clock.now()
    advance(guide, PUBLISH_TRANSITIONS, "publish", error=ServiceError.PUBLISH_STATE, published_at=now)
    indexing.index_guide(guide)  # searchable by everyone, in the same transaction
    _event(ServiceEvents.GUIDE_PUBLISHED, guide.centre, actor, _guide_data(guide))
    return guide


@transaction.atomic
def guide_withdraw(*, actor: Actor, guide: Guide) -> Guide:
    """Take a published guide out of the hall and the search (to edit it, or for good)."""
    guide = Guide.objects.select_related("centre").get(pk=guide.pk)
    _require_staff(actor, guide.centre)
    advance(guide, PUBLISH_TRANSITIONS, "withdraw", error=ServiceError.PUBLISH_STATE)
    indexing.unindex_guide(guide)
    _event(ServiceEvents.GUIDE_WITHDRAWN, guide.centre, actor, _guide_data(guide))
    return guide


# --- technical staff (6.1.2.4) -----------------------------------------------------------------------


@transaction.atomic
def technical_staff_designate(*, actor: Actor, centre: Centre, user: Actor) -> TechnicalStaff:
    """Designate `user`, staff of `centre`, as its technical staff: they alone take (and are handed)
    supervisors' and auditors' technical-support questions."""
    _require_staff(actor, centre)
    if not is_staff_of(user, centre):
        raise DomainError(ServiceError.TECHNICAL_NOT_STAFF, detail={"user": user.get_username()})
    if TechnicalStaff.objects.filter(centre=centre, user=user).exists():
        raise DomainError(ServiceError.ALREADY_TECHNICAL, detail={"user": user.get_username()})
    try:
        with transaction.atomic():
            row = TechnicalStaff.objects.create(centre=centre, user=user, designated_at=clock.now())
    except IntegrityError as exc:  # designated at the same moment by a colleague
        raise DomainError(ServiceError.ALREADY_TECHNICAL, detail={"user": user.get_username()}) from exc
    _event(ServiceEvents.TECHNICAL_STAFF_DESIGNATED, centre, actor, {"user": user.get_username()})
    return row


@transaction.atomic
def technical_staff_remove(*, actor: Actor, centre: Centre, user: Actor) -> None:
    """`user` is no longer technical staff of `centre`. Refused while they own unanswered technical-support
    questions: those are handed over to other technical staff first (the first taker stays responsible)."""
    _require_staff(actor, centre)
    row = TechnicalStaff.objects.select_for_update().filter(centre=centre, user=user).first()
    if row is None:
        raise DomainError(ServiceError.NOT_TECHNICAL, detail={"user": user.get_username()})
    owned = Question.objects.filter(
        centre=centre, owner=user, kind=QuestionKind.SUPERVISION, answered_at__isnull=True
    ).count()
    if owned:
        raise DomainError(
            ServiceError.TECHNICAL_OWNS_QUESTIONS, detail={"user": user.get_username(), "questions": owned}
        )
    row.delete()
    _event(ServiceEvents.TECHNICAL_STAFF_REMOVED, centre, actor, {"user": user.get_username()})


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
