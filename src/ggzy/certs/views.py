"""My certificates: what is bound, until when, and a warning before it expires."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ggzy.certs import selectors
from ggzy.core.access import signed_in


@signed_in
def my_certificates(request: HttpRequest) -> HttpResponse:
    certificates = [(c, selectors.days_left(c)) for c in selectors.my_certificates(user=request.user)]
    return render(
        request, "certs/mine.html", {"certificates": certificates, "warn_days": max(selectors.WARN_DAYS)}
    )
