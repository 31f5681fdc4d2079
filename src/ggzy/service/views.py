"""The service pages (standard 6.1, 12): the public service hall (commitments, complaint channels, FAQ and
service guides with search, the monthly figures of ratings and the published follow-ups), asking,
one's own questions and the services one may rate, service complaints and suggestions, and the
centre staff's desk — questions with first-question responsibility (take, hand over formally, answer,
also outside the remit, promote to the FAQ), calls and visits logged, complaints answered, bad ratings
followed up, one's own monthly figures, services given recorded."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ggzy.accounts.models import Centre
from ggzy.core import clock, search
from ggzy.core.access import allow, public, signed_in
from ggzy.core.errors import DomainError
from ggzy.core.formatting import local_time, person_name, yuan
from ggzy.core.pages import form_again, page_action
from ggzy.core.roles import Role
from ggzy.registry import selectors as registry_selectors
from ggzy.registry.models import TradingCategory
from ggzy.service import indexing, selectors, services
from ggzy.service.errors import ServiceError
from ggzy.service.forms import (
    AnswerForm,
    AskForm,
    FaqForm,
    FeedbackAnswerForm,
    FeedbackForm,
    FollowUpForm,
    HandOverForm,
    LogQuestionForm,
    RatingForm,
    RecordForm,
    SelfEvaluationForm,
)
from ggzy.service.models import (
    Commitment,
    FaqEntry,
    Feedback,
    FeedbackChannel,
    Guide,
    Question,
    ServiceType,
)

DEFAULT_PHONE = "12345"
DEFAULT_MAILBOX = "fuwu@ggzy.example.cn"
SEARCH_LIMIT = 50
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
NO_CATEGORY = gettext_lazy("All trading categories")


def _when(instant: dt.datetime | None) -> str:
    return local_time(instant) if instant else "—"


def _channels() -> dict[str, Any]:
    """Where to complain about or comment on the centre's service (12.2.1)."""
    return {
        "phone": getattr(settings, "GGZY_SERVICE_PHONE", DEFAULT_PHONE),
        "mailbox": getattr(settings, "GGZY_SERVICE_MAILBOX", DEFAULT_MAILBOX),
    }


# --- public: the service hall, search, the monthly figures ----------------------------------------------
def _by_category(rows: list[Any]) -> list[dict[str, Any]]:
    """FAQ entries or guides grouped by trading category (category order, then those for all)."""
    groups: dict[str | None, list[Any]] = {}
    for row in rows:
        groups.setdefault(row.category_id, []).append(row)
    categories = TradingCategory.objects.filter(pk__in=[k for k in groups if k]).order_by("order")
    found: list[dict[str, Any]] = [
        {"label": c.label, "code": c.code, "rows": groups[c.pk]} for c in categories
    ]
    if None in groups:
        found.append({"label": NO_CATEGORY, "code": "all", "rows": groups[None]})
    return found


@public
def hall(request: HttpRequest) -> HttpResponse:
    commitments = [
        {"commitment": c, "fee": yuan(c.fee_fen) if c.fee_fen else ""}
        for c in Commitment.objects.select_related("centre").order_by("centre__code", "order", "pk")
    ]
    context = {
        "commitments": commitments,
        "channels": _channels(),
        "faq": _by_category(list(FaqEntry.objects.order_by("-published_at")[:200])),
        "guides": _by_category(list(Guide.objects.all())),
        "centres": Centre.objects.order_by("code"),
    }
    return render(request, "service/hall.html", context)


@public
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    hits: list[dict[str, Any]] = []
    if query:
        for hit in search.search(
            query, kinds=[indexing.FAQ, indexing.GUIDE], visibility="public", limit=SEARCH_LIMIT
        ):
            anchor = "faq" if hit.kind == indexing.FAQ else "guide"
            hits.append({"hit": hit, "url": f"{reverse('service:hall')}#{anchor}-{hit.object_id}"})
        centres = (
            [c.code for c in selectors.staff_centres(user=request.user)]
            if request.user.is_authenticated
            else []
        )
        if centres:  # staff also find their centre's answered questions
            for hit in search.search(
                query,
                kinds=[indexing.QUESTION],
                visibility=indexing.STAFF,
                centre=centres,
                limit=SEARCH_LIMIT,
            ):
                hits.append({"hit": hit, "url": ""})
    kinds = {
        indexing.FAQ: _("FAQ"),
        indexing.GUIDE: _("Service guide"),
        indexing.QUESTION: _("Answered question (staff only)"),
    }
    for row in hits:
        row["kind"] = kinds.get(row["hit"].kind, row["hit"].kind)
    return render(request, "service/search.html", {"query": query, "hits": hits})


def _month(text: str) -> tuple[int, int]:
    found = MONTH.match(text or "")
    if found and 1 <= int(found.group(2)) <= 12:  # noqa: PLR2004
        return int(found.group(1)), int(found.group(2))
    now = clock.local_now()
    return now.year, now.month


@public
def figures(request: HttpRequest) -> HttpResponse:
    centres = list(Centre.objects.order_by("code"))
    code = request.GET.get("centre", "")
    centre = next((c for c in centres if c.code == code), centres[0] if centres else None)
    year, month = _month(request.GET.get("month", ""))
    labels = dict(ServiceType.choices)
    rows, follow_ups = [], []
    if centre is not None:
        rows = [
            {"label": labels.get(f.service, f.service), "f": f}
            for f in selectors.monthly_figures(centre=centre, year=year, month=month)
        ]
        follow_ups = [
            {
                "label": labels.get(f.rating.service, f.rating.service),
                "score": f.rating.score,
                "rated_at": f.rating.rated_at,
                "text": f.text,
                "at": f.at,
                "late": bool(f.late_reason),
            }
            for f in selectors.published_follow_ups(centre=centre, year=year, month=month)
        ]
    evaluations = (
        [
            {"label": labels.get(e.service, e.service), "e": e}
            for e in selectors.self_evaluations(centre=centre, year=year, month=month)
        ]
        if centre is not None
        else []
    )
    context = {
        "centres": centres,
        "centre": centre,
        "month": f"{year:04d}-{month:02d}",
        "rows": rows,
        "follow_ups": follow_ups,
        "evaluations": evaluations,
    }
    return render(request, "service/figures.html", context)


# --- signed in: ask, mine, rate, feedback ------------------------------------------------------------------
@signed_in
def ask(request: HttpRequest) -> HttpResponse:
    initial = {"centre": request.GET.get("centre", "")}
    form = AskForm(request.POST or None, initial=initial)

    def page() -> HttpResponse:
        status = 400 if request.method == "POST" else 200
        return render(request, "service/ask.html", {"form": form}, status=status)

    if request.method == "POST" and form.is_valid():
        return page_action(
            request,
            lambda: services.question_ask(
                asker=request.user,
                centre=form.cleaned_data["centre"],
                category=form.cleaned_data["category"],
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
            ),
            success=lambda question: (
                _("Your question is received. The centre answers it by %(due)s.")
                % {"due": _when(question.deadline.due_at if question.deadline else None)}
            ),
            to="service:mine",
            failure=form_again(form, page),
        )
    return page()


@signed_in
def mine(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    received = [
        {
            "r": r,
            "label": dict(ServiceType.choices).get(r.service, r.service),
            "form": RatingForm(
                initial={"service": r.service, "reference": r.reference},
                auto_id=f"id_rate{n}_%s",
            )
            if r.rating is None
            else None,
        }
        for n, r in enumerate(selectors.services_received(user=user))
    ]
    context = {
        "questions": Question.objects.filter(asker=user).select_related("centre", "deadline", "category"),
        "feedback": Feedback.objects.filter(author=user).select_related("centre"),
        "received": received,
    }
    return render(request, "service/mine.html", context)


@require_POST
@signed_in
def rate(request: HttpRequest) -> HttpResponse:
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(ServiceError.SCORE.message))
        return redirect("service:mine")
    return page_action(
        request,
        lambda: services.rating_give(
            rater=request.user,
            service=form.cleaned_data["service"],
            reference=form.cleaned_data["reference"],
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        ),
        success=lambda rating: (
            _("Thank you. The centre follows up a bad rating and publishes what it did.")
            if rating.bad
            else _("Thank you for your rating.")
        ),
        to=reverse("service:mine"),
    )


@signed_in
def feedback(request: HttpRequest) -> HttpResponse:
    form = FeedbackForm(request.POST or None, initial={"centre": request.GET.get("centre", "")})

    def page() -> HttpResponse:
        status = 400 if request.method == "POST" else 200
        return render(
            request, "service/feedback.html", {"form": form, "channels": _channels()}, status=status
        )

    if request.method == "POST" and form.is_valid():
        return page_action(
            request,
            lambda: services.feedback_submit(
                author=request.user,
                centre=form.cleaned_data["centre"],
                kind=form.cleaned_data["kind"],
                channel=FeedbackChannel.ONLINE,
                content=form.cleaned_data["content"],
                contact=form.cleaned_data["contact"],
            ),
            success=_("Thank you. The centre answers you within its limit."),
            to="service:mine",
            failure=form_again(form, page),
        )
    return page()


# --- centre staff: the desk ------------------------------------------------------------------------------
def _desk_url(centre: Centre) -> str:
    return f"{reverse('service:desk')}?centre={centre.code}"


def _overdue(deadline: Any, now: dt.datetime) -> bool:
    return deadline is not None and deadline.due_at < now


@allow(Role.CENTRE_STAFF)
def desk(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    centres = selectors.staff_centres(user=user)
    code = request.GET.get("centre", "")
    centre = next((c for c in centres if c.code == code), centres[0] if centres else None)
    if centre is None:
        return render(request, "service/desk.html", {"centre": None, "centres": centres})
    now = clock.now()
    local = clock.local_now()
    colleagues = [u for u in registry_selectors.centre_staff(centre=centre) if u.pk != user.pk]
    open_questions = Question.objects.filter(centre=centre, answered_at__isnull=True).select_related(
        "owner", "deadline", "category"
    )
    unowned, own, others = [], [], []
    for q in open_questions.order_by("asked_at"):
        row: dict[str, Any] = {"q": q, "overdue": _overdue(q.deadline, now)}
        if q.owner_id is None:
            unowned.append(row)
        elif q.owner_id == user.pk:
            row["answer_form"] = AnswerForm(auto_id=f"id_a{q.pk}_%s")
            row["handover_form"] = HandOverForm(staff=colleagues, auto_id=f"id_h{q.pk}_%s")
            own.append(row)
        else:
            row["owner"] = person_name(q.owner)
            others.append(row)
    promoted = FaqEntry.objects.filter(source__isnull=False).values("source")
    to_promote = [
        {"q": q, "form": FaqForm(initial={"question": q.text, "answer": q.answer}, auto_id=f"id_f{q.pk}_%s")}
        for q in Question.objects.filter(centre=centre, answered_by=user)
        .exclude(pk__in=promoted)
        .order_by("-answered_at")[:10]
    ]
    feedback_rows = [
        {"f": f, "overdue": _overdue(f.deadline, now), "form": FeedbackAnswerForm(auto_id=f"id_fb{f.pk}_%s")}
        for f in Feedback.objects.filter(centre=centre, answered_at__isnull=True)
        .select_related("deadline")
        .order_by("received_at")
    ]
    labels = dict(ServiceType.choices)
    bad = [
        {
            "r": r,
            "label": labels.get(r.service, r.service),
            "staff": person_name(r.staff) if r.staff else "—",
            "late": _overdue(r.deadline, now),
            "form": FollowUpForm(auto_id=f"id_r{r.pk}_%s"),
        }
        for r in selectors.bad_ratings_open(centre=centre)
    ]
    my_figures = [
        {"label": labels.get(f.service, f.service), "f": f}
        for f in selectors.monthly_figures(centre=centre, year=local.year, month=local.month, staff=user)
    ]
    context = {
        "centre": centre,
        "centres": centres,
        "unowned": unowned,
        "own": own,
        "others": others,
        "to_promote": to_promote,
        "feedback_rows": feedback_rows,
        "bad": bad,
        "my_figures": my_figures,
        "month": f"{local.year:04d}-{local.month:02d}",
        "log_form": LogQuestionForm(auto_id="id_log_%s"),
        "record_form": RecordForm(auto_id="id_record_%s"),
        "self_form": SelfEvaluationForm(auto_id="id_self_%s"),
    }
    return render(request, "service/desk.html", context)


def _staff_centre(request: HttpRequest) -> Centre:
    """The desk's centre named in the POST (`centre`): one the user is staff of, else a refusal."""
    code = request.POST.get("centre", "")
    for centre in selectors.staff_centres(user=request.user):
        if centre.code == code:
            return centre
    raise DomainError(ServiceError.NOT_STAFF)


@require_POST
@allow(Role.CENTRE_STAFF)
def question_take(request: HttpRequest, pk: int) -> HttpResponse:
    question = selectors.access_question(viewer=request.user, id=pk)
    to = _desk_url(question.centre)
    return page_action(
        request,
        lambda: services.question_take(actor=request.user, question=question),
        success=_("The question is yours now: answer it, or hand it over formally."),
        to=to,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def question_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    question = selectors.access_question(viewer=request.user, id=pk)
    to = _desk_url(question.centre)
    staff = registry_selectors.centre_staff(centre=question.centre)
    form = HandOverForm(request.POST, staff=staff)
    if not form.is_valid():
        messages.error(request, _("Choose a colleague of this centre and give the reason."))
        return redirect(to)
    return page_action(
        request,
        lambda: services.question_hand_over(
            actor=request.user,
            question=question,
            to=form.cleaned_data["to"],
            reason=form.cleaned_data["reason"],
        ),
        success=lambda handover: (
            _("The question is handed over to %(name)s.") % {"name": person_name(handover.to_user)}
        ),
        to=to,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    question = selectors.access_question(viewer=request.user, id=pk)
    to = _desk_url(question.centre)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(ServiceError.EMPTY.message))
        return redirect(to)
    return page_action(
        request,
        lambda: services.question_answer(
            actor=request.user,
            question=question,
            answer=form.cleaned_data["answer"],
            outside_remit=form.cleaned_data["outside_remit"],
            authority=form.cleaned_data["authority"],
        ),
        success=_("The answer is recorded; a signed-in asker is told at once."),
        to=to,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def faq_promote(request: HttpRequest, pk: int) -> HttpResponse:
    question = selectors.access_question(viewer=request.user, id=pk)
    to = _desk_url(question.centre)
    form = FaqForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(ServiceError.EMPTY.message))
        return redirect(to)
    return page_action(
        request,
        lambda: services.faq_promote(
            actor=request.user,
            question=question,
            question_text=form.cleaned_data["question"],
            answer=form.cleaned_data["answer"],
        ),
        success=_("The question and its answer are published in the FAQ."),
        to=to,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def question_log(request: HttpRequest) -> HttpResponse:
    centre = _staff_centre(request)
    to = _desk_url(centre)
    form = LogQuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the question and say how it was asked."))
        return redirect(to)
    return page_action(
        request,
        lambda: services.question_ask(
            asker=None,
            centre=centre,
            category=form.cleaned_data["category"],
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            channel=form.cleaned_data["channel"],
            taken_by=request.user,
            asker_name=form.cleaned_data["asker_name"],
            asker_contact=form.cleaned_data["asker_contact"],
        ),
        success=_("The question is logged and yours to answer (first-question responsibility)."),
        to=to,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def feedback_answer(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.access_feedback(viewer=request.user, id=pk)
    to = _desk_url(found.centre)
    form = FeedbackAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(ServiceError.EMPTY.message))
        return redirect(to)
    return page_action(
        request,
        lambda: services.feedback_answer(
            actor=request.user, feedback=found, answer=form.cleaned_data["answer"]
        ),
        success=_("The answer is recorded; a signed-in author is told at once."),
        to=to,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    rating = selectors.access_rating(viewer=request.user, id=pk)
    to = _desk_url(rating.centre)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(ServiceError.EMPTY.message))
        return redirect(to)
    return page_action(
        request,
        lambda: services.follow_up_record(
            actor=request.user,
            rating=rating,
            text=form.cleaned_data["text"],
            late_reason=form.cleaned_data["late_reason"],
        ),
        success=_("The follow-up is recorded and published with the month's figures."),
        to=to,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def record(request: HttpRequest) -> HttpResponse:
    centre = _staff_centre(request)
    to = _desk_url(centre)
    form = RecordForm(request.POST)
    if not form.is_valid():
        errors = form.errors.get("username")
        messages.error(request, str(errors[0]) if errors else _("Choose the service and describe it."))
        return redirect(to)
    return page_action(
        request,
        lambda: services.service_record(
            actor=request.user,
            centre=centre,
            service=form.cleaned_data["service"],
            for_user=form.cleaned_data["username"],
            description=form.cleaned_data["description"],
        ),
        success=_("The service is recorded: %(name)s may now rate it.")
        % {"name": person_name(form.cleaned_data["username"])},
        to=to,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def self_evaluation(request: HttpRequest) -> HttpResponse:
    """This month's self-evaluation of a service (12.2.2), published on the figures page."""
    centre = _staff_centre(request)
    to = _desk_url(centre)
    form = SelfEvaluationForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(ServiceError.EMPTY.message))
        return redirect(to)
    today = clock.local_now()
    return page_action(
        request,
        lambda: services.self_evaluation_record(
            actor=request.user,
            centre=centre,
            year=today.year,
            month=today.month,
            service=form.cleaned_data["service"],
            score=form.cleaned_data["score"],
            findings=form.cleaned_data["findings"],
            improvements=form.cleaned_data["improvements"],
        ),
        success=_("The self-evaluation is recorded and published with the month's figures."),
        to=to,
    )
