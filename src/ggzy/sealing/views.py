"""The bidder's page of its sealed bids: receipts (the ciphertext's SM3), deadlines, states, withdrawal
before the deadline, and the opening sheet once opened."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ggzy.core.access import actor_of, allow
from ggzy.core.pages import page_action
from ggzy.core.roles import Role
from ggzy.sealing import selectors, services
from ggzy_sm import openingsheet


@allow(Role.RESPONDER)
def mine(request: HttpRequest) -> HttpResponse:
    rows = []
    for bid in selectors.my_bids(user=request.user):
        price = openingsheet.price_of(bid.opening_sheet) if bid.opening_sheet else None
        rows.append({"bid": bid, "window": bid.section.bid_window, "price": price})
    return render(request, "sealing/mine.html", {"rows": rows})


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
