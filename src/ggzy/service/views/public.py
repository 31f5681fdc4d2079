"""The public service pages (standard 6.1, 12): the service hall (each centre's published commitments,
complaint channels, FAQ and each centre's published service guides, with search) and the monthly figures
of ratings with the published follow-ups."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ggzy.accounts.models import Centre
from ggzy.core import clock, search
from ggzy.core.access import public
from ggzy.core.formatting import yuan
from ggzy.registry import selectors as registry_selectors
from ggzy.registry.models import TradingCategory
from ggzy.service import indexing, selectors
from ggzy.service.models import FaqEntry, Guide, ServiceType

SEARCH_LIMIT = 50
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
NO_CATEGORY = gettext_lazy("All trading categories")


def _by_category(
    rows: Sequence[FaqEntry | Guide], categories: Sequence[TradingCategory] | None = None
) -> list[dict[str, object]]:
    """FAQ entries or guides grouped by trading category (category order, then those for all); the
    categories in order may be given (read once for several groupings)."""
    groups: dict[str | None, list[FaqEntry | Guide]] = {}
    for row in rows:
        groups.setdefault(row.category_id, []).append(row)
    if categories is None:
        categories = list(registry_selectors.categories_in_order([k for k in groups if k]))
    categories = [c for c in categories if c.pk in groups]
    found: list[dict[str, object]] = [
        {"label": c.label, "code": c.code, "rows": groups[c.pk]} for c in categories
    ]
    if None in groups:
        found.append({"label": NO_CATEGORY, "code": "all", "rows": groups[None]})
    return found


def _by_centre(guides: Sequence[Guide]) -> list[dict[str, object]]:
    """Published guides under their centre (by code), each centre's grouped by trading category."""
    centres: dict[str, tuple[Centre, list[Guide]]] = {}
    for guide in guides:
        centres.setdefault(guide.centre.code, (guide.centre, []))[1].append(guide)
    categories = list(
        registry_selectors.categories_in_order([g.category_id for g in guides if g.category_id])
    )
    return [
        {"centre": centre, "groups": _by_category(rows, categories)}
        for _code, (centre, rows) in sorted(centres.items())
    ]


@public
def hall(request: HttpRequest) -> HttpResponse:
    commitments = [
        {"commitment": c, "fee": yuan(c.fee_fen) if c.fee_fen else ""} for c in selectors.commitments()
    ]
    context = {
        "commitments": commitments,
        "channels": selectors.complaint_channels(),
        "faq": _by_category(selectors.faq_latest()),
        "guides": _by_centre(selectors.guides()),
        "centres": selectors.centres(),
    }
    return render(request, "service/hall.html", context)


@public
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    kinds = {
        indexing.FAQ: _("FAQ"),
        indexing.GUIDE: _("Service guide"),
        indexing.QUESTION: _("Answered question (staff only)"),
    }
    hits: list[dict[str, object]] = []
    if query:
        for hit in search.search(
            query, kinds=[indexing.FAQ, indexing.GUIDE], visibility="public", limit=SEARCH_LIMIT
        ):
            anchor = "faq" if hit.kind == indexing.FAQ else "guide"
            url = f"{reverse('service:hall')}#{anchor}-{hit.object_id}"
            hits.append({"hit": hit, "url": url, "kind": kinds.get(hit.kind, hit.kind)})
        centres = [c.code for c in selectors.staff_centres(user=request.user)]
        if centres:  # staff also find their centre's answered questions
            for hit in search.search(
                query,
                kinds=[indexing.QUESTION],
                visibility=indexing.STAFF,
                centre=centres,
                limit=SEARCH_LIMIT,
            ):
                hits.append({"hit": hit, "url": "", "kind": kinds.get(hit.kind, hit.kind)})
    return render(request, "service/search.html", {"query": query, "hits": hits})


def _month(text: str) -> tuple[int, int]:
    found = MONTH.match(text or "")
    if found and 1 <= int(found.group(2)) <= 12:  # noqa: PLR2004
        return int(found.group(1)), int(found.group(2))
    now = clock.local_now()
    return now.year, now.month


@public
def figures(request: HttpRequest) -> HttpResponse:
    centres = list(selectors.centres())
    code = request.GET.get("centre", "")
    centre = next((c for c in centres if c.code == code), centres[0] if centres else None)
    year, month = _month(request.GET.get("month", ""))
    labels = dict(ServiceType.choices)
    rows, follow_ups = [], []
    if centre is not None:
        rows = [
            {"label": labels.get(f.service, f.service), "f": f}
            for f in selectors.monthly_figures(centre=centre, year=year, month=month)
        ]
        follow_ups = [
            {
                "label": labels.get(f.rating.service, f.rating.service),
                "score": f.rating.score,
                "rated_at": f.rating.rated_at,
                "text": f.text,
                "at": f.at,
                "late": bool(f.late_reason),
            }
            for f in selectors.published_follow_ups(centre=centre, year=year, month=month)
        ]
    evaluations = (
        [
            {"label": labels.get(e.service, e.service), "e": e}
            for e in selectors.self_evaluations(centre=centre, year=year, month=month)
        ]
        if centre is not None
        else []
    )
    context = {
        "centres": centres,
        "centre": centre,
        "month": f"{year:04d}-{month:02d}",
        "rows": rows,
        "follow_ups": follow_ups,
        "evaluations": evaluations,
    }
    return render(request, "service/figures.html", context)
