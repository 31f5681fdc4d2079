"""The bidder's page of its sealed bids: receipts (the ciphertext's SM3), deadlines, states, withdrawal
before the deadline, and the opening sheet once opened."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ggzy.core.access import allow
from ggzy.core.errors import DomainError
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
def withdraw(request: HttpRequest, bid_id: int) -> HttpResponse:
    try:
        bid = selectors.my_bid(user=request.user, bid_id=bid_id)
        services.bid_withdraw(actor=request.user, bid=bid)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, str(services.WITHDRAWN_MESSAGE))
    return HttpResponseRedirect(reverse("sealing:mine"))
