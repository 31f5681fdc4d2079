"""Published figures of service quality (12.2.2): per month and service — ratings, average score, bad
ratings and how many were followed up — and a staff member's own figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q

from ggzy.calendar.calc import SHANGHAI
from ggzy.core.errors import CoreError, DomainError
from ggzy.service.models import Feedback, FollowUp, Question, Rating, SelfEvaluation


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


def monthly_figures(*, centre: Any, year: int, month: int, staff: Any = None) -> list[MonthFigures]:
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


def published_follow_ups(*, centre: Any, year: int, month: int) -> list[FollowUp]:
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
    centre: Any
    at: dt.datetime | None
    rating: Rating | None


# --- fetch and authorise: one access_<entity> per entity, for pages and API alike ------------------------
def _mine_or_my_centres(viewer: Any, own: str) -> Q:
    """Rows whose `own` field is the viewer, or of a centre the viewer is staff of."""
    from ggzy.registry.selectors import staff_centres as centres_of

    return Q(**{own: viewer}) | Q(centre__in=centres_of(viewer))


def access_question(*, viewer: Any, id: int) -> Question:  # noqa: A002
    """A question `viewer` may see — their own, or one of their centres' (staff); "missing" and "not yours"
    raise the same not-found error."""
    found = (
        Question.objects.select_related("centre", "owner", "deadline", "category")
        .filter(_mine_or_my_centres(viewer, "asker"), pk=id)
        .first()
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def access_feedback(*, viewer: Any, id: int) -> Feedback:  # noqa: A002
    """A service complaint or suggestion `viewer` may see — their own, or one to their centres (staff)."""
    found = (
        Feedback.objects.select_related("centre", "deadline")
        .filter(_mine_or_my_centres(viewer, "author"), pk=id)
        .first()
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def access_rating(*, viewer: Any, id: int) -> Rating:  # noqa: A002
    """A rating `viewer` may see — their own, or one of their centres' (staff)."""
    found = (
        Rating.objects.select_related("centre", "deadline", "staff")
        .filter(_mine_or_my_centres(viewer, "rater"), pk=id)
        .first()
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def staff_centres(*, user: Any) -> list[Any]:
    """The centres `user` is staff of (active grants), by code."""
    from ggzy.registry.selectors import staff_centres as centres_of

    return list(centres_of(user).order_by("code"))


def services_received(*, user: Any) -> list[Received]:
    """What `user` may rate (standard 12.2.2): accepted registrations of their organisations (or filed by
    them), their answered questions, and services given to them — newest first, with their rating."""
    from ggzy.registry.models import Registration, State
    from ggzy.service.models import Question, ServiceRecord

    given = {(r.service, r.reference): r for r in Rating.objects.filter(rater=user)}
    found: list[Received] = []
    organisations = user.memberships.values("organisation")
    registrations = (
        Registration.objects.filter(state=State.ACCEPTED)
        .filter(
            Q(filed_by=user) | Q(project__initiator__in=organisations) | Q(project__agent__in=organisations)
        )
        .select_related("project__centre")
        .distinct()
    )
    for registration in registrations:
        reference = f"registry.registration:{registration.pk}"
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
        reference = f"service.question:{question.pk}"
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
        reference = f"service.record:{record.pk}"
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


def bad_ratings_open(*, centre: Any) -> list[Rating]:
    """Bad ratings (1–2) of `centre` not followed up yet, the most urgent first."""
    return list(
        Rating.objects.filter(centre=centre, score__lte=2, follow_up__isnull=True)
        .select_related("deadline", "staff")
        .order_by("rated_at")
    )


def self_evaluations(*, centre: Any, year: int, month: int) -> list[SelfEvaluation]:
    """The centre's own evaluations of the month, published beside the external ratings."""
    return list(
        SelfEvaluation.objects.filter(centre=centre, month=dt.date(year, month, 1)).order_by("service")
    )
