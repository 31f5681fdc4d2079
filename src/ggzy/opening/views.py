"""The opening hall's pages: the halls a viewer may enter, and one hall — live (it reloads when a step
begins), each step with its scheduled and actual instants, what each step published."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.core import clock
from ggzy.core.access import actor_of, signed_in
from ggzy.core.formatting import PLATFORM_ZONE, yuan
from ggzy.core.pages import page_action
from ggzy.core.types import JSONDict
from ggzy.opening import selectors, services, steps
from ggzy.opening.envelopes import two_envelopes
from ggzy.opening.models import Hall, LineDecision
from ggzy.opening.record_pdf import SECURITY

#: A release (ggzy-release-v2) is a few hundred bytes; anything much larger is not one.
RELEASE_MAX = 16 * 1024


def why_not_opened(code: object) -> str:
    """Why a bid stayed closed, in words: the documents named no remedy, or the opener's reason."""
    from ggzy.sealing.errors import REASONS

    if not code:
        return ""
    if code == "none":
        return str(_("the documents name no remedy for a bid not released in the window"))
    return str(REASONS.get(str(code), code))


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
            "bidders": [
                {**b, "security_text": str(SECURITY.get(b.get("security", ""), b.get("security", "")))}
                for b in view.bidder_list or []
            ],
            "control_price": yuan(found.control_price_fen) if found.control_price_fen is not None else "",
            "sheet": [
                {
                    **line,
                    "price": price_text(line.get("sheet")),
                    "why": why_not_opened(line.get("not_opened")),
                }
                for line in view.sheet or []
            ],
            "server_now": clock.now().isoformat(),
            "confirming": selectors.confirming(found),
            "mine": selectors.own_lines(request.user, found),
            "decisions": selectors.decisions(found),
            "objections": selectors.objections(request.user, found),
            "may_object": selectors.may_object(request.user, found),
            "may_answer": selectors.may_answer(request.user, found),
            "attributions": selectors.attributions(request.user, found),
            "avoidances": selectors.avoidance_requests(request.user, found),
            "staff": selectors.is_centre_staff(request.user, found),
            "releases": selectors.release_states(request.user, found),
            "recordings": selectors.recordings(request.user, found),
            **_second_context(request, found),
        },
    )


def _second_context(request: HttpRequest, found: Hall) -> JSONDict:
    """Two envelopes (二次开标): the second session's steps and price sheet (prices only once its window
    closed), and for the initiator's side of a closed hall the form's candidates."""
    second = selectors.second_view(found)
    return {
        "two_envelopes": two_envelopes(found.section),
        "second": second,
        "second_rows": [(steps.SECOND_TITLES.get(s.code, s.code), s) for s in second.steps] if second else [],
        "second_sheet": [{**line, "price": price_text(line.get("sheet"))} for line in second.sheet or []]
        if second
        else [],
        "second_candidates": selectors.second_candidates(request.user, found),
    }


@require_POST
@signed_in
def second_schedule(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    """The initiator's side records the bidders that passed the technical review and when the second
    session opens (Beijing time unless the value names its offset)."""
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    try:
        opens_at: dt.datetime | None = dt.datetime.fromisoformat(str(request.POST.get("opens_at", "")))
    except ValueError:
        opens_at = None
    if opens_at is not None and opens_at.tzinfo is None:
        opens_at = opens_at.replace(tzinfo=PLATFORM_ZONE)
    return page_action(
        request,
        lambda: services.second_session_schedule(
            actor=actor_of(request),
            hall=found,
            passing=[str(code) for code in request.POST.getlist("passing")],
            opens_at=opens_at,
        ),
        success=_(
            "The second session is scheduled: only the listed bidders' price envelopes will be opened."
        ),
        to=reverse("opening:hall", args=[hall_uid]),
    )


@signed_in
def second_record(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    """The second session's record (canonical JSON), to the hall's parties, once made."""
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    second = selectors.second_view(found)
    if second is None or not second.session.record:
        from ggzy.core.errors import DomainError
        from ggzy.opening.errors import OpeningError

        raise DomainError(OpeningError.NOT_FOUND)
    response = HttpResponse(second.session.record.encode("utf-8"), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="second-opening-record-{found.section.code}.json"'
    )
    return response


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
def release(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    """A bidder's release in the decryption window: the JSON `ggzy-bid release` wrote, uploaded or pasted."""
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    upload = request.FILES.get("release_file")
    pasted = str(request.POST.get("release", "")).encode()
    text = upload.read(RELEASE_MAX + 1) if upload is not None else pasted
    try:
        given = json.loads(text) if 0 < len(text) <= RELEASE_MAX else {}
    except ValueError:
        given = {}
    return page_action(
        request,
        lambda: services.hall_release(
            actor=actor_of(request), hall=found, release=given if isinstance(given, dict) else {}
        ),
        success=_("Your bid is decrypted. Its price is read out with the others' when the window closes."),
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


@require_POST
@signed_in
def on_site(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    """The centre's staff set the opening in a room (现场开标)."""
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    return page_action(
        request,
        lambda: services.hall_on_site(
            actor=actor_of(request), hall=found, room=str(request.POST.get("room", ""))
        ),
        success=_(
            "The opening is set in the room: drive this page on its screen and relay the releases there."
        ),
        to=reverse("opening:hall", args=[hall_uid]),
    )


@require_POST
@signed_in
def avoidance_request(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    """A bidder asks at the opening that a person avoid the section's evaluation (回避申请)."""
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    return page_action(
        request,
        lambda: services.avoidance_request(
            actor=actor_of(request),
            hall=found,
            person=str(request.POST.get("person", "")),
            employer=str(request.POST.get("employer", "")),
            reason=str(request.POST.get("reason", "")),
        ),
        success=_("Your avoidance request is recorded: the initiator answers it."),
        to=reverse("opening:hall", args=[hall_uid]),
    )


@require_POST
@signed_in
def avoidance_decide(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    """The initiator's side accepts or refuses an avoidance request made at the opening."""
    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    return page_action(
        request,
        lambda: services.avoidance_decide(
            actor=actor_of(request),
            hall=found,
            request_uid=str(request.POST.get("request", "")),
            decision=str(request.POST.get("decision", "")),
            answer=str(request.POST.get("answer", "")),
        ),
        success=_("The answer is recorded; an accepted request is kept for the expert draw."),
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


@signed_in
def record_pdf(request: HttpRequest, hall_uid: uuid.UUID) -> HttpResponse:
    """The opening record as a PDF with the QR code of its verification page, to the same parties as the
    JSON (which stays the authoritative one); not found while there is no record."""
    from ggzy.opening.record_pdf import record_pdf_response

    found = selectors.access_hall(viewer=request.user, uid=hall_uid)
    if not found.record:
        from ggzy.core.errors import DomainError
        from ggzy.opening.errors import OpeningError

        raise DomainError(OpeningError.NOT_FOUND)
    return record_pdf_response(request, found)


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
