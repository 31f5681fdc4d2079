"""Reads of the service app: the published figures of service quality (12.2.2) — per month and service,
ratings, average score, bad ratings and how many were followed up — and a staff member's own figures;
the service hall (published commitments, FAQ, published guides); one's own questions and what one may
rate; the desk of a centre's staff; the guides, commitments and technical staff a centre's staff keep;
and the one access_<entity> per entity."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet

from ggzy.accounts.models import Centre
from ggzy.calendar.calc import SHANGHAI
from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.types import Actor, Viewer
from ggzy.registry import selectors as registry_selectors
from ggzy.service.models import (
    NOT_OFFERED_YET,
    Commitment,
    FaqEntry,
    Feedback,
    FollowUp,
    Guide,
    PublishState,
    Question,
    Rating,
    SelfEvaluation,
    ServiceRecord,
    ServiceType,
    TechnicalStaff,
)


@dataclass(frozen=True)
class MonthFigures:
    service: str
    ratings: int
    average: float | None
    bad: int
    followed_up: int


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, month, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=SHANGHAI)  # noqa: PLR2004
    return start, end


def monthly_figures(
    *, centre: Centre, year: int, month: int, staff: Actor | None = None
) -> list[MonthFigures]:
    start, end = month_bounds(year, month)
    ratings = Rating.objects.filter(centre=centre, rated_at__gte=start, rated_at__lt=end)
    if staff is not None:
        ratings = ratings.filter(staff=staff)
    rows = (
        ratings.values("service")
        .annotate(
            n=Count("id"),
            avg=Avg("score"),
            bad_n=Count("id", filter=Q(score__lte=2)),
            followed=Count("follow_up", filter=Q(score__lte=2)),
        )
        .order_by("service")
    )
    return [
        MonthFigures(
            service=r["service"],
            ratings=r["n"],
            average=round(float(r["avg"]), 2) if r["avg"] is not None else None,
            bad=r["bad_n"],
            followed_up=r["followed"],
        )
        for r in rows
    ]


def published_follow_ups(*, centre: Centre, year: int, month: int) -> list[FollowUp]:
    """Follow-ups of bad ratings given in the month (published: no rater's name)."""
    start, end = month_bounds(year, month)
    return list(
        FollowUp.objects.filter(rating__centre=centre, rating__rated_at__gte=start, rating__rated_at__lt=end)
        .select_related("rating")
        .order_by("at")
    )


# --- for the service pages ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Received:
    """A service the user received and may rate: `rating` is theirs if already given."""

    service: str
    reference: str
    title: str
    centre: Centre
    at: dt.datetime | None
    rating: Rating | None


def received(user: Actor, service: str, reference: str) -> tuple[Centre, Actor | None] | None:
    """The centre and the staff member behind a service `user` received, or None if they did not receive
    it. `reference`: "registry.registration:<uid>", "service.question:<uid>" or "service.record:<uid>"."""
    kind, _sep, text = reference.partition(":")
    try:
        key = uuid.UUID(text)
    except ValueError:
        return None
    if str(key) != text:  # one spelling per service, so one rating per service
        return None
    if service == ServiceType.REGISTRATION and kind == "registry.registration":
        registration = registry_selectors.accepted_for(user=user).filter(uid=key).first()
        return (registration.project.centre, registration.accepted_by) if registration else None
    if service == ServiceType.CONSULTATION and kind == "service.question":
        question = Question.objects.filter(uid=key, asker=user, answered_at__isnull=False).first()
        return (question.centre, question.answered_by) if question else None
    if kind == "service.record":
        record = ServiceRecord.objects.filter(uid=key, for_user=user, service=service).first()
        return (record.centre, record.by) if record else None
    return None


# --- fetch and authorise: one access_<entity> per entity, for pages and API alike ------------------------
def _mine_or_my_centres(viewer: Viewer, own: str) -> Q:
    """Rows whose `own` field is the viewer, or of a centre the viewer is staff of."""
    return Q(**{own: viewer}) | Q(centre__in=registry_selectors.staff_centres(viewer))


def access_question(*, viewer: Viewer, uid: uuid.UUID) -> Question:
    """A question `viewer` may see — their own, or one of their centres' (staff); "missing" and "not yours"
    raise the same not-found error."""
    found = (
        Question.objects.select_related("centre", "owner", "deadline", "category")
        .filter(_mine_or_my_centres(viewer, "asker"), uid=uid)
        .first()
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def access_feedback(*, viewer: Viewer, uid: uuid.UUID) -> Feedback:
    """A service complaint or suggestion `viewer` may see — their own, or one to their centres (staff)."""
    found = (
        Feedback.objects.select_related("centre", "deadline")
        .filter(_mine_or_my_centres(viewer, "author"), uid=uid)
        .first()
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def access_rating(*, viewer: Viewer, uid: uuid.UUID) -> Rating:
    """A rating `viewer` may see — their own, or one of their centres' (staff)."""
    found = (
        Rating.objects.select_related("centre", "deadline", "staff")
        .filter(_mine_or_my_centres(viewer, "rater"), uid=uid)
        .first()
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def staff_centres(*, user: Viewer) -> list[Centre]:
    """The centres `user` is staff of (active grants), by code."""
    return list(registry_selectors.staff_centres(user).order_by("code"))


def access_desk(*, viewer: Viewer, code: str) -> Centre:
    """The centre of `code` whose desk `viewer` works at (staff of it); a centre that is not theirs raises
    the same not-found error as a missing one."""
    found = registry_selectors.staff_centres(viewer).filter(code=code).first() if code else None
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def services_received(*, user: Actor) -> list[Received]:
    """What `user` may rate (standard 12.2.2): accepted registrations of their organisations (or filed by
    them), their answered questions, and services given to them — newest first, with their rating."""
    given = {(r.service, r.reference): r for r in Rating.objects.filter(rater=user)}
    found: list[Received] = []
    registrations = registry_selectors.accepted_for(user=user)
    for registration in registrations:
        reference = f"registry.registration:{registration.uid}"
        found.append(
            Received(
                "registration",
                reference,
                f"{registration.project.code} {registration.project.name}",
                registration.project.centre,
                registration.accepted_at,
                given.get(("registration", reference)),
            )
        )
    for question in Question.objects.filter(asker=user, answered_at__isnull=False).select_related("centre"):
        reference = f"service.question:{question.uid}"
        found.append(
            Received(
                "consultation",
                reference,
                question.text[:60],
                question.centre,
                question.answered_at,
                given.get(("consultation", reference)),
            )
        )
    for record in ServiceRecord.objects.filter(for_user=user).select_related("centre"):
        reference = f"service.record:{record.uid}"
        found.append(
            Received(
                record.service,
                reference,
                record.description,
                record.centre,
                record.at,
                given.get((record.service, reference)),
            )
        )
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda r: r.at or epoch, reverse=True)


def bad_ratings_open(*, centre: Centre) -> list[Rating]:
    """Bad ratings (1–2) of `centre` not followed up yet, the most urgent first."""
    return list(
        Rating.objects.filter(centre=centre, score__lte=2, follow_up__isnull=True)
        .select_related("deadline", "staff")
        .order_by("rated_at")
    )


def self_evaluations(*, centre: Centre, year: int, month: int) -> list[SelfEvaluation]:
    """The centre's own evaluations of the month, published beside the external ratings."""
    return list(
        SelfEvaluation.objects.filter(centre=centre, month=dt.date(year, month, 1)).order_by("service")
    )


# --- the service hall, one's own things, the desk ---------------------------------------------------------
def centres() -> QuerySet[Centre]:
    """Every centre, by code (the hall and the figures name each)."""
    return Centre.objects.order_by("code")


def commitments() -> QuerySet[Commitment]:
    """The published service commitments, by centre and order — never one for a service the platform
    does not offer yet."""
    return (
        Commitment.objects.filter(state=PublishState.PUBLISHED)
        .exclude(service__in=NOT_OFFERED_YET)
        .select_related("centre")
        .order_by("centre__code", "order", "pk")
    )


def faq_latest(limit: int = 200) -> list[FaqEntry]:
    """The FAQ, newest first."""
    return list(FaqEntry.objects.order_by("-published_at")[:limit])


def guides() -> list[Guide]:
    """The published service guides, by centre, category, kind and title."""
    return list(
        Guide.objects.filter(state=PublishState.PUBLISHED)
        .select_related("centre", "category")
        .order_by("centre__code", "category__order", "kind", "title")
    )


# --- what a centre's staff publish and designate -----------------------------------------------------------
def guides_of(*, centre: Centre) -> list[Guide]:
    """Every guide of `centre`, drafts and withdrawn ones too, for its staff."""
    return list(
        Guide.objects.filter(centre=centre)
        .select_related("category")
        .order_by("category__order", "kind", "title", "pk")
    )


def commitments_of(*, centre: Centre) -> list[Commitment]:
    """Every commitment of `centre`, drafts and withdrawn ones too, for its staff."""
    return list(Commitment.objects.filter(centre=centre).order_by("order", "pk"))


def technical_staff(*, centre: Centre) -> list[TechnicalStaff]:
    """The technical staff of `centre` (6.1.2.4), by user name."""
    return list(
        TechnicalStaff.objects.filter(centre=centre).select_related("user").order_by("user__username")
    )


def access_guide(*, viewer: Viewer, uid: uuid.UUID) -> Guide:
    """A guide of a centre `viewer` is staff of; another centre's raises the same not-found error as a
    missing one (the public reads published guides in the hall, never here)."""
    found = (
        Guide.objects.select_related("centre", "category")
        .filter(centre__in=registry_selectors.staff_centres(viewer), uid=uid)
        .first()
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def access_commitment(*, viewer: Viewer, uid: uuid.UUID) -> Commitment:
    """A commitment of a centre `viewer` is staff of; another centre's is not found, as a missing one."""
    found = (
        Commitment.objects.select_related("centre")
        .filter(centre__in=registry_selectors.staff_centres(viewer), uid=uid)
        .first()
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def questions_of(*, user: Actor) -> QuerySet[Question]:
    """The questions `user` asked."""
    return Question.objects.filter(asker=user).select_related("centre", "deadline", "category")


def feedback_of(*, user: Actor) -> QuerySet[Feedback]:
    """The service complaints and suggestions `user` made."""
    return Feedback.objects.filter(author=user).select_related("centre")


def questions_for(*, user: Actor) -> QuerySet[Question]:
    """The questions `user` asked and those of the centres they are staff of, the newest first (the API
    pages through them: `core.api.paged`)."""
    mine = Question.objects.filter(asker=user) | Question.objects.filter(
        centre__in=registry_selectors.staff_centres(user)
    )
    return mine.select_related("centre", "owner", "deadline").distinct().order_by("-asked_at", "-pk")


def open_questions(*, centre: Centre) -> QuerySet[Question]:
    """The centre's questions not answered yet, the oldest first."""
    return (
        Question.objects.filter(centre=centre, answered_at__isnull=True)
        .select_related("owner", "deadline", "category")
        .order_by("asked_at")
    )


def answered_not_in_faq(*, centre: Centre, by: Actor, limit: int = 10) -> list[Question]:
    """The questions `by` answered at `centre` that are not in the FAQ yet, the newest first."""
    promoted = FaqEntry.objects.filter(source__isnull=False).values("source")
    return list(
        Question.objects.filter(centre=centre, answered_by=by)
        .exclude(pk__in=promoted)
        .order_by("-answered_at")[:limit]
    )


def open_feedback(*, centre: Centre) -> QuerySet[Feedback]:
    """The centre's service complaints and suggestions not answered yet, the oldest first."""
    return (
        Feedback.objects.filter(centre=centre, answered_at__isnull=True)
        .select_related("deadline")
        .order_by("received_at")
    )


def overdue_questions(now: dt.datetime | None = None) -> QuerySet[Question]:
    """Questions past their answer limit, unanswered and not escalated yet."""
    now = now or clock.now()
    return Question.objects.filter(
        answered_at__isnull=True, escalated_at__isnull=True, deadline__due_at__lt=now
    ).select_related("centre", "deadline", "owner")


DEFAULT_PHONE = "12345"
DEFAULT_MAILBOX = "fuwu@ggzy.example.cn"


def complaint_channels() -> dict[str, str]:
    """Where to complain about or comment on the centre's service (12.2.1; shown on the portal, 4.2.5)."""
    from django.conf import settings

    return {
        "phone": getattr(settings, "GGZY_SERVICE_PHONE", DEFAULT_PHONE),
        "mailbox": getattr(settings, "GGZY_SERVICE_MAILBOX", DEFAULT_MAILBOX),
    }
