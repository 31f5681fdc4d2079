"""The service pages of a signed-in user (standard 6.1, 12.2): asking, one's own questions and the services
one may rate, rating them, and service complaints and suggestions."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.core.access import actor_of, signed_in
from ggzy.core.formatting import local_time
from ggzy.core.pages import form_again, page_action
from ggzy.service import selectors, services
from ggzy.service.errors import ServiceError
from ggzy.service.forms import AskForm, FeedbackForm, RatingForm
from ggzy.service.models import FeedbackChannel, ServiceType
from ggzy.service.selectors import complaint_channels


def _when(instant: dt.datetime | None) -> str:
    return local_time(instant) if instant else "—"


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
                asker=actor_of(request),
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
    user = actor_of(request)
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
        "questions": selectors.questions_of(user=user),
        "feedback": selectors.feedback_of(user=user),
        "received": received,
    }
    return render(request, "service/mine.html", context)


@require_POST
@signed_in
def rate(request: HttpRequest) -> HttpResponse:
    form = RatingForm(request.POST)
    return page_action(
        request,
        lambda: services.rating_give(
            rater=actor_of(request),
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
        form=form,
        invalid=str(ServiceError.SCORE.message),
        to=reverse("service:mine"),
    )


@signed_in
def feedback(request: HttpRequest) -> HttpResponse:
    form = FeedbackForm(request.POST or None, initial={"centre": request.GET.get("centre", "")})

    def page() -> HttpResponse:
        status = 400 if request.method == "POST" else 200
        return render(
            request, "service/feedback.html", {"form": form, "channels": complaint_channels()}, status=status
        )

    if request.method == "POST" and form.is_valid():
        return page_action(
            request,
            lambda: services.feedback_submit(
                author=actor_of(request),
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
