"""The opening hall's pages: the halls a viewer may enter, and one hall — live (it reloads when a step
begins), each step with its scheduled and actual instants, what each step published."""

from __future__ import annotations

import json
import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.core import clock
from ggzy.core.access import actor_of, signed_in
from ggzy.core.formatting import yuan
from ggzy.core.pages import page_action
from ggzy.core.types import JSONDict
from ggzy.opening import selectors, services, steps
from ggzy.opening.models import LineDecision


def price_text(sheet: JSONDict | None) -> str:
    """An opening sheet's price as read out: yuan for an amount, the percent for a rate or a discount."""
    price = (sheet or {}).get("price") or {}
    if isinstance(price.get("fen"), int):
        return f"{yuan(price['fen'])} 元"
    return f"{price['percent']}%" if price.get("percent") is not None else ""


@signed_in
def halls(request: HttpRequest) -> HttpResponse:
    return render(request, "opening/halls.html", {"halls": selectors.halls_for(request.user)})


@signed_in
def hall(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    view = selectors.hall_view(found)
    return render(
        request,
        "opening/hall.html",
        {
            "view": view,
            "hall": found,
            "rows": [(steps.TITLES.get(s.code, s.code), s) for s in view.steps],
            "control_price": yuan(found.control_price_fen) if found.control_price_fen is not None else "",
            "sheet": [{**line, "price": price_text(line.get("sheet"))} for line in view.sheet or []],
            "server_now": clock.now().isoformat(),
            "confirming": selectors.confirming(found),
            "mine": selectors.own_lines(request.user, found),
            "decisions": selectors.decisions(found),
            "objections": selectors.objections(request.user, found),
            "may_object": selectors.may_object(request.user, found),
            "may_answer": selectors.may_answer(request.user, found),
            "attributions": selectors.attributions(request.user, found),
        },
    )


@require_POST
@signed_in
def line(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    decision = str(request.POST.get("decision", ""))
    return page_action(
        request,
        lambda: services.line_decide(
            actor=actor_of(request), hall=found, decision=decision, remark=str(request.POST.get("remark", ""))
        ),
        success=_("Your line is confirmed.")
        if decision == LineDecision.CONFIRMED
        else _("Your objection is recorded."),
        to=reverse("opening:hall", args=[hall_uid]),
    )


@require_POST
@signed_in
def hall_object(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    return page_action(
        request,
        lambda: services.hall_object(
            actor=actor_of(request), hall=found, text=str(request.POST.get("text", ""))
        ),
        success=_("Your objection is filed: the initiator answers it on the spot."),
        to=reverse("opening:hall", args=[hall_uid]),
    )


@require_POST
@signed_in
def hall_answer(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    return page_action(
        request,
        lambda: services.hall_answer(
            actor=actor_of(request),
            hall=found,
            objection_uid=str(request.POST.get("objection", "")),
            answer=str(request.POST.get("answer", "")),
        ),
        success=_("The answer is recorded."),
        to=reverse("opening:hall", args=[hall_uid]),
    )


@require_POST
@signed_in
def attribute(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    evidence = [line for line in str(request.POST.get("evidence", "")).splitlines() if line.strip()]
    return page_action(
        request,
        lambda: services.bid_attribute(
            actor=actor_of(request),
            hall=found,
            uscc=str(request.POST.get("uscc", "")),
            decision=str(request.POST.get("decision", "")),
            reason=str(request.POST.get("reason", "")),
            evidence=evidence,
        ),
        success=_("The decision is recorded; the supervisors and the bidder see it."),
        to=reverse("opening:hall", args=[hall_uid]),
    )


@signed_in
def record(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    """The opening record (canonical JSON, the bytes that are sealed and signed), to the hall's parties."""
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    if not found.record:
        from ggzy.core.errors import DomainError
        from ggzy.opening.errors import OpeningError

        raise DomainError(OpeningError.NOT_FOUND)
    response = HttpResponse(found.record.encode("utf-8"), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="opening-record-{found.section.code}.json"'
    return response


@require_POST
@signed_in
def record_sign(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    try:
        signature = json.loads(str(request.POST.get("signature", "")))
    except ValueError:
        signature = {}
    return page_action(
        request,
        lambda: services.record_sign(actor=actor_of(request), hall=found, signature=signature),
        success=_("Your signature on the opening record is checked and kept."),
        to=reverse("opening:hall", args=[hall_uid]),
    )
