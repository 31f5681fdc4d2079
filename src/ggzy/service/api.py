"""The service app's API: ask and answer questions (first-question responsibility), service complaints
and suggestions, ratings and follow-ups, and the public monthly figures and commitments."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Schema, Status

from ggzy.accounts.models import Centre
from ggzy.accounts.selectors import centre_by_code
from ggzy.core.access import actor_of, allow, public, signed_in
from ggzy.core.api import PAGED, Router, paged, refuses
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.roles import Role
from ggzy.core.schemas import PageQuery
from ggzy.registry import selectors as registry_selectors
from ggzy.service import selectors, services
from ggzy.service.errors import ServiceError
from ggzy.service.models import (
    Feedback,
    FeedbackChannel,
    FeedbackKind,
    Question,
    QuestionKind,
    Rating,
    ServiceType,
)

router = Router(tags=["service"])


def _centre(code: str) -> Centre:
    found = centre_by_code(code)
    if found is None:
        raise DomainError(CoreError.NOT_FOUND, detail={"centre": code})
    return found


class QuestionIn(Schema):
    centre: str = Field(..., min_length=1, max_length=32)
    kind: QuestionKind
    text: str = Field(..., min_length=1, max_length=5000)
    category: str | None = Field(None, max_length=32)


class QuestionOut(Schema):
    uid: uuid.UUID
    centre: str
    kind: str
    channel: str
    text: str
    asked_at: dt.datetime
    owner: str | None
    due_at: dt.datetime | None
    answer: str
    answered_at: dt.datetime | None
    outside_remit: bool
    authority: str


def _question_out(q: Question) -> QuestionOut:
    return QuestionOut(
        uid=q.uid,
        centre=q.centre.code,
        kind=q.kind,
        channel=q.channel,
        text=q.text,
        asked_at=q.asked_at,
        owner=q.owner.get_username() if q.owner else None,
        due_at=q.deadline.due_at if q.deadline else None,
        answer=q.answer,
        answered_at=q.answered_at,
        outside_remit=q.outside_remit,
        authority=q.authority,
    )


@router.post("/service/questions", response={201: QuestionOut}, summary="Ask a question (online)")
@signed_in
def question_ask(request: HttpRequest, payload: QuestionIn) -> Status[QuestionOut]:
    category = registry_selectors.category_by_code(payload.category or "")
    question = services.question_ask(
        asker=actor_of(request),
        centre=_centre(payload.centre),
        kind=payload.kind,
        text=payload.text,
        category=category,
    )
    return Status(201, _question_out(question))


@router.get(
    "/service/questions",
    response=list[QuestionOut],
    summary="My questions, or my centre's (staff), the newest first, a page at a time",
    openapi_extra=PAGED,
)
@signed_in
def question_list(request: HttpRequest, response: HttpResponse, page: Query[PageQuery]) -> list[QuestionOut]:
    rows = paged(request, response, selectors.questions_for(user=actor_of(request)), page)
    return [_question_out(q) for q in rows]


@router.post(
    "/service/questions/{question_uid}/take", response=QuestionOut, summary="Take a question (首问负责)"
)
@allow(Role.CENTRE_STAFF)
@refuses(ServiceError.TAKEN, ServiceError.ANSWERED)
def question_take(request: HttpRequest, question_uid: uuid.UUID) -> QuestionOut:
    question = selectors.access_question(viewer=request.user, uid=question_uid)
    return _question_out(services.question_take(actor=actor_of(request), question=question))


class HandoverIn(Schema):
    to: str = Field(..., min_length=1, max_length=150, description="user name of other staff of the centre")
    reason: str = Field(..., min_length=1, max_length=300)


@router.post(
    "/service/questions/{question_uid}/handover",
    response=QuestionOut,
    summary="Hand a question over formally",
)
@allow(Role.CENTRE_STAFF)
@refuses(ServiceError.ANSWERED)
def question_hand_over(request: HttpRequest, payload: HandoverIn, question_uid: uuid.UUID) -> QuestionOut:
    question = selectors.access_question(viewer=request.user, uid=question_uid)
    to = get_user_model().objects.filter(username=payload.to).first()
    services.question_hand_over(actor=actor_of(request), question=question, to=to, reason=payload.reason)
    return _question_out(selectors.access_question(viewer=request.user, uid=question_uid))


class AnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=5000)
    outside_remit: bool = False
    authority: str = Field("", max_length=200)


@router.post("/service/questions/{question_uid}/answer", response=QuestionOut, summary="Answer my question")
@allow(Role.CENTRE_STAFF)
@refuses(ServiceError.ANSWERED)
def question_answer(request: HttpRequest, payload: AnswerIn, question_uid: uuid.UUID) -> QuestionOut:
    question = selectors.access_question(viewer=request.user, uid=question_uid)
    services.question_answer(
        actor=actor_of(request),
        question=question,
        answer=payload.answer,
        outside_remit=payload.outside_remit,
        authority=payload.authority,
    )
    return _question_out(selectors.access_question(viewer=request.user, uid=question_uid))


class FeedbackIn(Schema):
    centre: str = Field(..., min_length=1, max_length=32)
    kind: FeedbackKind
    content: str = Field(..., min_length=1, max_length=5000)
    contact: str = Field("", max_length=100)


class FeedbackOut(Schema):
    uid: uuid.UUID
    kind: str
    received_at: dt.datetime
    due_at: dt.datetime | None
    answered_at: dt.datetime | None


@router.post(
    "/service/feedback",
    response={201: FeedbackOut},
    summary="A service complaint or suggestion (服务投诉/意见)",
)
@signed_in
def feedback_submit(request: HttpRequest, payload: FeedbackIn) -> Status[FeedbackOut]:
    feedback: Feedback = services.feedback_submit(
        author=actor_of(request),
        centre=_centre(payload.centre),
        kind=payload.kind,
        channel=FeedbackChannel.ONLINE,
        content=payload.content,
        contact=payload.contact,
    )
    return Status(
        201,
        FeedbackOut(
            uid=feedback.uid,
            kind=feedback.kind,
            received_at=feedback.received_at,
            due_at=feedback.deadline.due_at if feedback.deadline else None,
            answered_at=feedback.answered_at,
        ),
    )


class RatingIn(Schema):
    service: ServiceType
    reference: str = Field(
        ...,
        min_length=1,
        max_length=100,
        description='the service received: "registry.registration:<uid>", "service.question:<uid>" or '
        '"service.record:<uid>"',
    )
    score: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=500)


class RatingOut(Schema):
    uid: uuid.UUID
    service: str
    score: int
    rated_at: dt.datetime
    follow_up_due_at: dt.datetime | None


@router.post("/service/ratings", response={201: RatingOut}, summary="Rate a service I received (好差评)")
@signed_in
@refuses(ServiceError.ALREADY_RATED)
def rating_give(request: HttpRequest, payload: RatingIn) -> Status[RatingOut]:
    rating: Rating = services.rating_give(
        rater=actor_of(request),
        service=payload.service,
        reference=payload.reference,
        score=payload.score,
        comment=payload.comment,
    )
    return Status(
        201,
        RatingOut(
            uid=rating.uid,
            service=rating.service,
            score=rating.score,
            rated_at=rating.rated_at,
            follow_up_due_at=rating.deadline.due_at if rating.deadline else None,
        ),
    )


class FiguresOut(Schema):
    service: str
    ratings: int
    average: float | None
    bad: int
    followed_up: int


class FollowUpOut(Schema):
    service: str
    score: int
    text: str
    at: dt.datetime
    late: bool


class MonthOut(Schema):
    centre: str
    month: str
    figures: list[FiguresOut]
    follow_ups: list[FollowUpOut]


@router.get("/service/figures", response=MonthOut, summary="Published monthly service figures (12.2.2)")
@public
def figures(
    request: HttpRequest,
    centre: str = Query(..., min_length=1, max_length=32),
    month: str = Query(..., pattern=r"^20\d{2}-(0[1-9]|1[0-2])$"),
) -> MonthOut:
    found = _centre(centre)
    year, number = (int(p) for p in month.split("-"))
    return MonthOut(
        centre=found.code,
        month=month,
        figures=[
            FiguresOut(**vars(f)) for f in selectors.monthly_figures(centre=found, year=year, month=number)
        ],
        follow_ups=[
            FollowUpOut(
                service=f.rating.service, score=f.rating.score, text=f.text, at=f.at, late=bool(f.late_reason)
            )
            for f in selectors.published_follow_ups(centre=found, year=year, month=number)
        ],
    )


class CommitmentOut(Schema):
    centre: str
    service: str
    title: str
    steps: str
    time_limit: str
    materials: str
    fee_fen: int


@router.get("/service/commitments", response=list[CommitmentOut], summary="Published service commitments")
@public
def commitments(request: HttpRequest) -> list[CommitmentOut]:
    return [
        CommitmentOut(
            centre=c.centre.code,
            service=c.service,
            title=c.title,
            steps=c.steps,
            time_limit=c.time_limit,
            materials=c.materials,
            fee_fen=c.fee_fen,
        )
        for c in selectors.commitments()
    ]
