"""The desk of a centre's staff (standard 6.1, 12): questions with first-question responsibility (take,
hand over formally, answer, also outside the remit, promote to the FAQ), calls and visits logged,
complaints answered, bad ratings followed up, one's own monthly figures, services given recorded, the
month's self-evaluation. The centre is named by its code; one the user is not staff of is not found."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts.models import Centre
from ggzy.calendar.models import Deadline
from ggzy.core import clock
from ggzy.core.access import actor_of, allow
from ggzy.core.formatting import person_name
from ggzy.core.pages import page_action
from ggzy.core.roles import Role
from ggzy.registry import selectors as registry_selectors
from ggzy.service import selectors, services
from ggzy.service.errors import ServiceError
from ggzy.service.forms import (
    AnswerForm,
    FaqForm,
    FeedbackAnswerForm,
    FollowUpForm,
    HandOverForm,
    LogQuestionForm,
    RecordForm,
    SelfEvaluationForm,
)
from ggzy.service.models import ServiceType


def _desk_url(centre: Centre) -> str:
    return f"{reverse('service:desk')}?centre={centre.code}"


def _overdue(deadline: Deadline | None, now: dt.datetime) -> bool:
    return deadline is not None and deadline.due_at < now


@allow(Role.CENTRE_STAFF)
def desk(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    centres = selectors.staff_centres(user=user)
    code = request.GET.get("centre", "")
    centre = next((c for c in centres if c.code == code), centres[0] if centres else None)
    if centre is None:
        return render(request, "service/desk.html", {"centre": None, "centres": centres})
    now = clock.now()
    local = clock.local_now()
    colleagues = [u for u in registry_selectors.centre_staff(centre=centre) if u.pk != user.pk]
    unowned, own, others = [], [], []
    for q in selectors.open_questions(centre=centre):
        row: dict[str, object] = {"q": q, "overdue": _overdue(q.deadline, now)}
        if q.owner_id is None:
            unowned.append(row)
        elif q.owner_id == user.pk:
            row["answer_form"] = AnswerForm(auto_id=f"id_a{q.uid}_%s")
            row["handover_form"] = HandOverForm(staff=colleagues, auto_id=f"id_h{q.uid}_%s")
            own.append(row)
        else:
            row["owner"] = person_name(q.owner)
            others.append(row)
    to_promote = [
        {"q": q, "form": FaqForm(initial={"question": q.text, "answer": q.answer}, auto_id=f"id_f{q.uid}_%s")}
        for q in selectors.answered_not_in_faq(centre=centre, by=user)
    ]
    feedback_rows = [
        {"f": f, "overdue": _overdue(f.deadline, now), "form": FeedbackAnswerForm(auto_id=f"id_fb{f.uid}_%s")}
        for f in selectors.open_feedback(centre=centre)
    ]
    labels = dict(ServiceType.choices)
    bad = [
        {
            "r": r,
            "label": labels.get(r.service, r.service),
            "staff": person_name(r.staff) if r.staff else "—",
            "late": _overdue(r.deadline, now),
            "form": FollowUpForm(auto_id=f"id_r{r.uid}_%s"),
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
    """The desk's centre named in the POST (`centre`): one the user is staff of; another centre is not
    found, as a missing one is."""
    return selectors.access_desk(viewer=request.user, code=request.POST.get("centre", ""))


@require_POST
@allow(Role.CENTRE_STAFF)
def question_take(request: HttpRequest, question_uid: uuid.UUID) -> HttpResponse:
    question = selectors.access_question(viewer=request.user, uid=question_uid)
    to = _desk_url(question.centre)
    return page_action(
        request,
        lambda: services.question_take(actor=actor_of(request), question=question),
        success=_("The question is yours now: answer it, or hand it over formally."),
        to=to,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def question_hand_over(request: HttpRequest, question_uid: uuid.UUID) -> HttpResponse:
    question = selectors.access_question(viewer=request.user, uid=question_uid)
    to = _desk_url(question.centre)
    staff = registry_selectors.centre_staff(centre=question.centre)
    form = HandOverForm(request.POST, staff=staff)
    return page_action(
        request,
        lambda: services.question_hand_over(
            actor=actor_of(request),
            question=question,
            to=form.cleaned_data["to"],
            reason=form.cleaned_data["reason"],
        ),
        success=lambda handover: (
            _("The question is handed over to %(name)s.") % {"name": person_name(handover.to_user)}
        ),
        to=to,
        form=form,
        invalid=_("Choose a colleague of this centre and give the reason."),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def question_answer(request: HttpRequest, question_uid: uuid.UUID) -> HttpResponse:
    question = selectors.access_question(viewer=request.user, uid=question_uid)
    to = _desk_url(question.centre)
    form = AnswerForm(request.POST)
    return page_action(
        request,
        lambda: services.question_answer(
            actor=actor_of(request),
            question=question,
            answer=form.cleaned_data["answer"],
            outside_remit=form.cleaned_data["outside_remit"],
            authority=form.cleaned_data["authority"],
        ),
        success=_("The answer is recorded; a signed-in asker is told at once."),
        to=to,
        form=form,
        invalid=str(ServiceError.EMPTY.message),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def faq_promote(request: HttpRequest, question_uid: uuid.UUID) -> HttpResponse:
    question = selectors.access_question(viewer=request.user, uid=question_uid)
    to = _desk_url(question.centre)
    form = FaqForm(request.POST)
    return page_action(
        request,
        lambda: services.faq_promote(
            actor=actor_of(request),
            question=question,
            question_text=form.cleaned_data["question"],
            answer=form.cleaned_data["answer"],
        ),
        success=_("The question and its answer are published in the FAQ."),
        to=to,
        form=form,
        invalid=str(ServiceError.EMPTY.message),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def question_log(request: HttpRequest) -> HttpResponse:
    centre = _staff_centre(request)
    to = _desk_url(centre)
    form = LogQuestionForm(request.POST)
    return page_action(
        request,
        lambda: services.question_ask(
            asker=None,
            centre=centre,
            category=form.cleaned_data["category"],
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            channel=form.cleaned_data["channel"],
            taken_by=actor_of(request),
            asker_name=form.cleaned_data["asker_name"],
            asker_contact=form.cleaned_data["asker_contact"],
        ),
        success=_("The question is logged and yours to answer (first-question responsibility)."),
        to=to,
        form=form,
        invalid=_("Write the question and say how it was asked."),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def feedback_answer(request: HttpRequest, feedback_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_feedback(viewer=request.user, uid=feedback_uid)
    to = _desk_url(found.centre)
    form = FeedbackAnswerForm(request.POST)
    return page_action(
        request,
        lambda: services.feedback_answer(
            actor=actor_of(request), feedback=found, answer=form.cleaned_data["answer"]
        ),
        success=_("The answer is recorded; a signed-in author is told at once."),
        to=to,
        form=form,
        invalid=str(ServiceError.EMPTY.message),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def follow_up(request: HttpRequest, rating_uid: uuid.UUID) -> HttpResponse:
    rating = selectors.access_rating(viewer=request.user, uid=rating_uid)
    to = _desk_url(rating.centre)
    form = FollowUpForm(request.POST)
    return page_action(
        request,
        lambda: services.follow_up_record(
            actor=actor_of(request),
            rating=rating,
            text=form.cleaned_data["text"],
            late_reason=form.cleaned_data["late_reason"],
        ),
        success=_("The follow-up is recorded and published with the month's figures."),
        to=to,
        form=form,
        invalid=str(ServiceError.EMPTY.message),
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
            actor=actor_of(request),
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
            actor=actor_of(request),
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
