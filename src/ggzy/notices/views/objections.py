"""The objection pages (standard 6.4.3, 6.5.8): a bidder raises an objection, challenge or inquiry from a
published notice; the initiator and its agent answer it; the filer withdraws it or carries it on as a
complaint; supervisors read the complaints routed to their jurisdiction. Every POST hands one service to
`core.pages.page_action`; every objection is fetched through `selectors.access_objection` (404 alike for
"missing" and "not yours")."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.core import clock
from ggzy.core.access import actor_of, allow
from ggzy.core.pages import form_again, page_action
from ggzy.core.roles import Role
from ggzy.notices import selectors, services
from ggzy.notices.forms import AnswerForm, ComplaintForm, ObjectionForm
from ggzy.notices.models import Notice, ObjectionKind, ObjectionStage
from ggzy.notices.services.objections import STAGE_HELP

READERS = (Role.RESPONDER, Role.INITIATOR, Role.AGENT, Role.SUPERVISOR)


def _stage_choices(notice: Notice) -> list[tuple[str, str]]:
    return [
        (f"{kind}:{stage}", f"{ObjectionKind(kind).label}：{ObjectionStage(stage).label}")
        for kind, stage in services.stages_for(notice)
    ]


@allow(Role.RESPONDER)
def new(request: HttpRequest, notice_uid: uuid.UUID) -> HttpResponse:
    """Raise an objection against a published notice (the notice before its instant: not found)."""
    user = actor_of(request)
    notice = selectors.access_published_notice(viewer=user, uid=notice_uid)
    sections = list(notice.sections.all()) or list(notice.tender_project.sections.order_by("code"))
    form = ObjectionForm(
        request.POST or None,
        stages=_stage_choices(notice),
        sections=[(s.code, f"{s.code} {s.name}") for s in sections],
    )

    def page() -> HttpResponse:
        helps = [
            (f"{ObjectionKind(k).label}：{ObjectionStage(s).label}", STAGE_HELP[(k, s)])
            for k, s in services.stages_for(notice)
        ]
        context = {"notice": notice, "form": form, "helps": helps}
        return render(
            request, "notices/objection_form.html", context, status=400 if request.method == "POST" else 200
        )

    if request.method == "POST" and form.is_valid():
        kind, _sep, stage = form.cleaned_data["stage"].partition(":")
        code = form.cleaned_data["section"]
        section = next((s for s in sections if s.code == code), None)
        return page_action(
            request,
            lambda: services.objection_file(
                actor=user,
                notice=notice,
                kind=kind,
                stage=stage,
                text=form.cleaned_data["text"],
                section=section,
            ),
            success=_("It is filed; the initiator must answer it in time. You are told of the answer."),
            to=lambda objection: reverse("notices:objection", args=[objection.uid]),
            failure=form_again(form, page),
        )
    return page()


@allow(*READERS)
def mine(request: HttpRequest) -> HttpResponse:
    """The objections one filed, those awaiting one's answer, and the complaints of one's jurisdiction."""
    user = actor_of(request)
    return render(request, "notices/objections.html", {"objections": selectors.objections_for(viewer=user)})


@allow(*READERS)
def detail(request: HttpRequest, objection_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    objection = selectors.access_objection(viewer=user, uid=objection_uid)
    party = selectors.is_party(user, objection.tender_project)
    filer = selectors.is_filer(user, objection)
    opens, until = (None, None)
    if objection.kind != ObjectionKind.INQUIRY:
        opens, until = services.complaint_window(objection)
    context = {
        "objection": objection,
        "party": party,
        "filer": filer,
        "help": STAGE_HELP.get((ObjectionKind(objection.kind), ObjectionStage(objection.stage)), ""),
        "answer_form": AnswerForm(),
        "complaint_form": ComplaintForm(),
        "complaint_opens": opens,
        "complaint_until": until,
        "now": clock.now(),  # the complaint form shows once its window opens
    }
    return render(request, "notices/objection.html", context)


def _back(objection_uid: uuid.UUID) -> str:
    return reverse("notices:objection", args=[objection_uid])


@require_POST
@allow(Role.INITIATOR, Role.AGENT)
def answer(request: HttpRequest, objection_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    objection = selectors.access_objection(viewer=user, uid=objection_uid)
    form = AnswerForm(request.POST)
    return page_action(
        request,
        lambda: services.objection_answer(
            actor=user,
            objection=objection,
            answer=form.cleaned_data["answer"],
            changes_documents=form.cleaned_data["changes_documents"],
        ),
        success=_("The answer is recorded and sent to the filer."),
        to=_back(objection_uid),
        form=form,
        invalid=_("Write the answer (at most 5,000 characters)."),
    )


@require_POST
@allow(Role.RESPONDER)
def withdraw(request: HttpRequest, objection_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    objection = selectors.access_objection(viewer=user, uid=objection_uid)
    return page_action(
        request,
        lambda: services.objection_withdraw(actor=user, objection=objection),
        success=_("It is withdrawn."),
        to=_back(objection_uid),
    )


@require_POST
@allow(Role.RESPONDER)
def complain(request: HttpRequest, objection_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    objection = selectors.access_objection(viewer=user, uid=objection_uid)
    form = ComplaintForm(request.POST)
    return page_action(
        request,
        lambda: services.objection_complain(actor=user, objection=objection, text=form.cleaned_data["text"]),
        success=_("The complaint is recorded and routed to the supervising department."),
        to=_back(objection_uid),
        form=form,
        invalid=_("Write what you object to and why (at most 5,000 characters)."),
    )
