"""The bidder's page of its sealed bids: receipts (the ciphertext's SM3), deadlines, states, withdrawal
before the deadline, and the opening sheet once opened."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.core import clock
from ggzy.core.access import actor_of, allow
from ggzy.core.formatting import local_time
from ggzy.core.pages import page_action
from ggzy.core.roles import Role
from ggzy.sealing import selectors, services
from ggzy_sm import openingsheet


@allow(Role.RESPONDER)
def mine(request: HttpRequest) -> HttpResponse:
    rows = []
    for bid in selectors.my_bids(user=request.user):
        # a technical envelope's sheet states no price (双信封: the price is in the price envelope)
        sheet = bid.opening_sheet or {}
        price = openingsheet.price_of(sheet) if sheet.get("price") else None
        rows.append({"bid": bid, "window": bid.section.bid_window, "price": price})
    # the countdowns run from the platform's time: rendered here, then the live `time:now` channel
    return render(request, "sealing/mine.html", {"rows": rows, "server_now": _instant(clock.now())})


@require_POST
@allow(Role.RESPONDER)
def withdraw(request: HttpRequest, bid_uid: uuid.UUID) -> HttpResponse:
    bid = selectors.access_bid(viewer=request.user, uid=bid_uid)
    return page_action(
        request,
        lambda: services.bid_withdraw(actor=actor_of(request), bid=bid),
        success=str(services.WITHDRAWN_MESSAGE),
        to=reverse("sealing:mine"),
    )


@allow(Role.RESPONDER)
def receipt_pdf(request: HttpRequest, bid_uid: uuid.UUID) -> HttpResponse:
    """The bid's signed receipt as a one-page PDF, with a QR code to the receipt verification page (the
    JSON receipt is the authoritative one). Another organisation's bid is not found, as a missing one."""
    from ggzy.sealing.receipt_pdf import receipt_pdf_response

    bid = selectors.access_bid(viewer=request.user, uid=bid_uid)
    return receipt_pdf_response(request, bid)


#: The browser's chunk (bytes): small enough that a dropped connection costs little, never above what the
#: upload's address takes (GGZY_BID_UPLOAD_CHUNK_MAX, its request-body limit).
BROWSER_CHUNK = 8 * 1024 * 1024
#: Stands for a bid's uid in the receipt addresses the page hands its script (replaced once the bid is known).
UID_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


def _instant(instant: dt.datetime) -> str:
    """An instant for the page's script: RFC 3339 UTC to the millisecond (what `Date.parse` reads)."""
    return instant.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _messages() -> dict[str, str]:
    """What the upload script says, in the page's language ({…} are filled in by the script)."""
    return {
        "countdown": _("Time left until the deadline: {time}"),
        "days": _("{days} d {time}"),
        "passed": _("The bid deadline has passed (the platform's clock decides)."),
        "choose_section": _("Choose a section to see its deadline."),
        "deadline": _("Bid deadline: {deadline} (Beijing time)"),
        "need_files": _("Choose the section, the sealed bid file and the acknowledgements file."),
        "not_bid": _("This file is not a sealed bid (ggzy-bid-v2)."),
        "bid_info": _("Sealed for section {section}; {size}; ciphertext SM3 {sm3}."),
        "wrong_section": _("This bid was sealed for section {section}, not for the section chosen."),
        "section_closed": _("This bid was sealed for section {section}, which takes no bids now."),
        "acks_unreadable": _("The acknowledgements file is not a list of acknowledgements in JSON."),
        "acks_other": _(
            "None of the acknowledgements is for this bid's ciphertext (the SM3 differs): "
            "is it the right file?"
        ),
        "uploading": _("Uploading: {done} of {total} sent."),
        "checking": _("Every byte is sent; the platform is checking the bid…"),
        "retrying": _("The connection dropped; resuming from where it stopped…"),
        "paused": _("Paused at {done} of {total}. Press Resume to go on."),
        "stopped": _(
            "The upload stopped: the platform cannot be reached. Press Resume to go on from where it stopped."
        ),
        "refused": _("The platform refused the upload (HTTP {status})."),
        "received": _("The platform received the bid."),
        "beijing": _("Beijing time"),
        "megabytes": _("{size} MB"),
    }


@allow(Role.RESPONDER)
def submit(request: HttpRequest) -> HttpResponse:
    """Submit a sealed bid from the browser: the open tus 1.0 upload (tus-js-client, resumable, in chunks)
    to `/api/v1/sealing/uploads/` with the session and its CSRF token; the sections taking bids now with
    their deadlines, and the platform's time (the countdown runs from it, not from the browser's clock)."""
    now = clock.now()
    windows = selectors.open_windows_for(user=request.user, now=now)
    context: dict[str, Any] = {
        "server_now": _instant(now),
        "windows": [
            {
                "code": open_.section.code,
                "name": open_.section.name,
                "deadline": _instant(open_.window.deadline),
                "deadline_shown": local_time(open_.window.deadline),
                "has_bid": open_.has_bid,
            }
            for open_ in windows
        ],
        "chunk_size": min(int(settings.GGZY_BID_UPLOAD_CHUNK_MAX), BROWSER_CHUNK),
        "receipt_json": reverse("api:bid_receipt", kwargs={"bid_uid": UID_PLACEHOLDER}),
        "receipt_pdf": reverse("sealing:receipt_pdf", args=[UID_PLACEHOLDER]),
        "placeholder": UID_PLACEHOLDER,
        "script_messages": _messages(),
    }
    return render(request, "sealing/submit.html", context)
