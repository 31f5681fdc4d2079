"""The public page of the witness log: recent signed tree heads with both signatures, and how to
verify them with the offline verifier."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ggzy.core import keystore
from ggzy.core.access import public
from ggzy.witness import selectors, services
from ggzy.witness.models import TreeHead


@public
def witness_page(request: HttpRequest) -> HttpResponse:
    heads = list(
        TreeHead.objects.annotate(n_cosignatures=Count("cosignatures")).order_by("-epoch", "-size")[:20]
    )
    keys = {k: keystore.verification_key(k).hex() for k in {h.key_id for h in heads}}  # per key, not per head
    pinned = services.trust()
    cosigners = [{"name": n, "key": k.hex()} for n, k in pinned.cosigners] if pinned else []
    return render(
        request,
        "witness/witness.html",
        {
            "heads": heads,
            "keys": keys,
            "epochs": selectors.epochs_out(),
            "cosigners": cosigners,
            "threshold": pinned.threshold if pinned else 0,
        },
    )
