"""What a centre's staff keep for the public (standard 6.1.2, 12.1.3, 12.1.4): service guides and service
commitments — written and edited as drafts, published in the service hall, withdrawn — and the technical
staff who take supervisors' technical questions (6.1.2.4). A list page names its centre by code (`?centre=`,
default the first of the user's centres); a form names it in the POST; a guide or a commitment is
addressed by its uid. Another centre's is not found, as a missing one is."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts.models import Centre
from ggzy.core.access import actor_of, allow
from ggzy.core.formatting import person_name, yuan
from ggzy.core.pages import form_again, page_action
from ggzy.core.roles import Role
from ggzy.core.states import next_state
from ggzy.registry import selectors as registry_selectors
from ggzy.service import selectors, services
from ggzy.service.forms import CommitmentForm, GuideForm, TechnicalStaffForm
from ggzy.service.services import CommitmentIn, GuideIn
from ggzy.service.states import PUBLISH_TRANSITIONS


def _list_url(name: str, centre: Centre) -> str:
    return f"{reverse(name)}?centre={centre.code}"


def _centre_of_page(request: HttpRequest) -> tuple[Centre | None, list[Centre]]:
    """The centre a list or form page shows (`?centre=`: one the user is staff of, else not found; none
    named: the first of theirs) and all their centres (for the chooser)."""
    centres = selectors.staff_centres(user=request.user)
    code = request.GET.get("centre", "")
    if code:
        return selectors.access_desk(viewer=request.user, code=code), centres
    return (centres[0] if centres else None), centres


def _posted_centre(request: HttpRequest) -> Centre:
    """The centre named in a form's POST (`centre`): one the user is staff of; another is not found."""
    return selectors.access_desk(viewer=request.user, code=request.POST.get("centre", ""))


def _can(state: str) -> dict[str, bool]:
    """Which of edit, publish and withdraw a guide or commitment in `state` allows."""
    return {action: next_state(PUBLISH_TRANSITIONS, state, action) is not None for action in PUBLISH_ACTIONS}


PUBLISH_ACTIONS = ("edit", "publish", "withdraw")


# --- service guides (6.1.2.1–6.1.2.3) -------------------------------------------------------------------


@allow(Role.CENTRE_STAFF)
def guides(request: HttpRequest) -> HttpResponse:
    centre, centres = _centre_of_page(request)
    rows = (
        [{"g": g, "can": _can(g.state)} for g in selectors.guides_of(centre=centre)]
        if centre is not None
        else []
    )
    context = {"centre": centre, "centres": centres, "rows": rows, "page": "service:guides"}
    return render(request, "service/guides.html", context)


def _guide_in(form: GuideForm) -> GuideIn:
    data = form.cleaned_data
    return GuideIn(kind=data["kind"], title=data["title"], body=data["body"], category=data["category"])


def _form_page(
    request: HttpRequest, template: str, context: Mapping[str, object]
) -> Callable[[], HttpResponse]:
    def page() -> HttpResponse:
        status = 400 if request.method == "POST" else 200
        return render(request, template, context, status=status)

    return page


@allow(Role.CENTRE_STAFF)
def guide_new(request: HttpRequest) -> HttpResponse:
    centre: Centre | None
    if request.method == "POST":
        centre = _posted_centre(request)
    else:
        centre, _centres = _centre_of_page(request)
    form = GuideForm(request.POST or None)
    page = _form_page(request, "service/guide_form.html", {"form": form, "centre": centre, "guide": None})
    if centre is None or request.method != "POST":
        return page()
    return page_action(
        request,
        lambda: services.guide_write(actor=actor_of(request), centre=centre, data=_guide_in(form)),
        success=_("The guide is saved as a draft: publish it to show it in the service hall."),
        to=_list_url("service:guides", centre),
        failure=form_again(form, page),
        form=form,
    )


@allow(Role.CENTRE_STAFF)
def guide_edit(request: HttpRequest, guide_uid: uuid.UUID) -> HttpResponse:
    guide = selectors.access_guide(viewer=request.user, uid=guide_uid)
    initial = {"kind": guide.kind, "category": guide.category_id, "title": guide.title, "body": guide.body}
    form = GuideForm(request.POST or None, initial=initial)
    context = {"form": form, "centre": guide.centre, "guide": guide, "can": _can(guide.state)}
    page = _form_page(request, "service/guide_form.html", context)
    if request.method != "POST":
        return page()
    return page_action(
        request,
        lambda: services.guide_edit(actor=actor_of(request), guide=guide, data=_guide_in(form)),
        success=_("The draft is saved."),
        to=_list_url("service:guides", guide.centre),
        failure=form_again(form, page),
        form=form,
    )


def _guide_move(request: HttpRequest, guide_uid: uuid.UUID, action: str) -> HttpResponse:
    guide = selectors.access_guide(viewer=request.user, uid=guide_uid)
    move = services.guide_publish if action == "publish" else services.guide_withdraw
    said = (
        _("The guide is published in the service hall.")
        if action == "publish"
        else _("The guide is withdrawn from the service hall.")
    )
    return page_action(
        request,
        lambda: move(actor=actor_of(request), guide=guide),
        success=said,
        to=_list_url("service:guides", guide.centre),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def guide_publish(request: HttpRequest, guide_uid: uuid.UUID) -> HttpResponse:
    return _guide_move(request, guide_uid, "publish")


@require_POST
@allow(Role.CENTRE_STAFF)
def guide_withdraw(request: HttpRequest, guide_uid: uuid.UUID) -> HttpResponse:
    return _guide_move(request, guide_uid, "withdraw")


# --- service commitments (12.1.3, 12.1.4) -----------------------------------------------------------------


@allow(Role.CENTRE_STAFF)
def commitments(request: HttpRequest) -> HttpResponse:
    centre, centres = _centre_of_page(request)
    rows = (
        [
            {"c": c, "can": _can(c.state), "fee": yuan(c.fee_fen) if c.fee_fen else ""}
            for c in selectors.commitments_of(centre=centre)
        ]
        if centre is not None
        else []
    )
    context = {"centre": centre, "centres": centres, "rows": rows, "page": "service:commitments"}
    return render(request, "service/commitments.html", context)


def _commitment_in(form: CommitmentForm) -> CommitmentIn:
    data = form.cleaned_data
    return CommitmentIn(
        service=data["service"],
        title=data["title"],
        steps=data["steps"],
        time_limit=data["time_limit"],
        materials=data["materials"],
        fee_yuan=data["fee_yuan"],
        fee_basis=data["fee_basis"],
    )


@allow(Role.CENTRE_STAFF)
def commitment_new(request: HttpRequest) -> HttpResponse:
    centre: Centre | None
    if request.method == "POST":
        centre = _posted_centre(request)
    else:
        centre, _centres = _centre_of_page(request)
    form = CommitmentForm(request.POST or None)
    context = {"form": form, "centre": centre, "commitment": None}
    page = _form_page(request, "service/commitment_form.html", context)
    if centre is None or request.method != "POST":
        return page()
    return page_action(
        request,
        lambda: services.commitment_write(actor=actor_of(request), centre=centre, data=_commitment_in(form)),
        success=_("The commitment is saved as a draft: publish it to show it in the service hall."),
        to=_list_url("service:commitments", centre),
        failure=form_again(form, page),
        form=form,
    )


@allow(Role.CENTRE_STAFF)
def commitment_edit(request: HttpRequest, commitment_uid: uuid.UUID) -> HttpResponse:
    commitment = selectors.access_commitment(viewer=request.user, uid=commitment_uid)
    initial = {
        "service": commitment.service,
        "title": commitment.title,
        "steps": commitment.steps,
        "time_limit": commitment.time_limit,
        "materials": commitment.materials,
        "fee_yuan": yuan(commitment.fee_fen, grouping=False),
        "fee_basis": commitment.fee_basis,
    }
    form = CommitmentForm(request.POST or None, initial=initial)
    context = {
        "form": form,
        "centre": commitment.centre,
        "commitment": commitment,
        "can": _can(commitment.state),
    }
    page = _form_page(request, "service/commitment_form.html", context)
    if request.method != "POST":
        return page()
    return page_action(
        request,
        lambda: services.commitment_edit(
            actor=actor_of(request), commitment=commitment, data=_commitment_in(form)
        ),
        success=_("The draft is saved."),
        to=_list_url("service:commitments", commitment.centre),
        failure=form_again(form, page),
        form=form,
    )


def _commitment_move(request: HttpRequest, commitment_uid: uuid.UUID, action: str) -> HttpResponse:
    commitment = selectors.access_commitment(viewer=request.user, uid=commitment_uid)
    move = services.commitment_publish if action == "publish" else services.commitment_withdraw
    said = (
        _("The commitment is published in the service hall.")
        if action == "publish"
        else _("The commitment is withdrawn from the service hall.")
    )
    return page_action(
        request,
        lambda: move(actor=actor_of(request), commitment=commitment),
        success=said,
        to=_list_url("service:commitments", commitment.centre),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def commitment_publish(request: HttpRequest, commitment_uid: uuid.UUID) -> HttpResponse:
    return _commitment_move(request, commitment_uid, "publish")


@require_POST
@allow(Role.CENTRE_STAFF)
def commitment_withdraw(request: HttpRequest, commitment_uid: uuid.UUID) -> HttpResponse:
    return _commitment_move(request, commitment_uid, "withdraw")


# --- technical staff (6.1.2.4) ----------------------------------------------------------------------------


@allow(Role.CENTRE_STAFF)
def technical(request: HttpRequest) -> HttpResponse:
    centre, centres = _centre_of_page(request)
    rows, form = [], None
    if centre is not None:
        designated = selectors.technical_staff(centre=centre)
        taken = {t.user_id for t in designated}
        rows = [{"t": t, "name": person_name(t.user)} for t in designated]
        offered = [u for u in registry_selectors.centre_staff(centre=centre) if u.pk not in taken]
        form = TechnicalStaffForm(offered=offered, auto_id="id_technical_%s")
    context = {"centre": centre, "centres": centres, "rows": rows, "form": form, "page": "service:technical"}
    return render(request, "service/technical.html", context)


def _technical_change(request: HttpRequest, *, remove: bool) -> HttpResponse:
    centre = _posted_centre(request)
    form = TechnicalStaffForm(request.POST)

    def run() -> object:
        user = form.cleaned_data["user"]
        if remove:
            services.technical_staff_remove(actor=actor_of(request), centre=centre, user=user)
        else:
            services.technical_staff_designate(actor=actor_of(request), centre=centre, user=user)
        return user

    said = _("%(name)s is no longer technical staff.") if remove else _("%(name)s is technical staff now.")
    return page_action(
        request,
        run,
        success=lambda user: said % {"name": person_name(user)},
        to=_list_url("service:technical", centre),
        form=form,
        invalid=_("Choose a member of staff of this centre."),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def technical_designate(request: HttpRequest) -> HttpResponse:
    return _technical_change(request, remove=False)


@require_POST
@allow(Role.CENTRE_STAFF)
def technical_remove(request: HttpRequest) -> HttpResponse:
    return _technical_change(request, remove=True)
