"""The public pages of verifiable random draws: the recent draws, and one draw with its parties'
commitments and reveals, its value and how to recompute it offline."""

from __future__ import annotations

import json
import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ggzy.core.access import public
from ggzy.randomness import selectors


def _shown(result: object) -> str:
    """A result as people read it: a chosen option as itself, a permutation or anything else as JSON."""
    if result is None:
        return ""
    return result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)


@public
def draws(request: HttpRequest) -> HttpResponse:
    return render(request, "randomness/draws.html", {"draws": selectors.draws_recent()})


@public
def draw(request: HttpRequest, draw_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_draw(viewer=request.user, uid=draw_uid)
    record = selectors.draw_record(found, proofs=False)
    return render(
        request,
        "randomness/draw.html",
        {
            "draw": found,
            "record": record,
            "parties": found.parties.order_by("position"),
            "result": json.dumps(record["result"], ensure_ascii=False)
            if record["result"] is not None
            else "",
        },
    )
