"""The Atom feed of published notices, for everyone (standard 6.4.2: what the platform publishes, to be
followed by readers and other systems): `/notices/feed.atom`, optionally one category (`?category=`) and
one region with the regions within it (`?region=`, a GB/T 2260 code); the newest 50. An unknown category
or region is the not-found answer, never an empty feed that looks like "nothing published"."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from ggzy.accounts.selectors import region_prefix
from ggzy.core import regions
from ggzy.core.access import public
from ggzy.core.context_processors import TRADING_CATEGORIES
from ggzy.core.errors import CoreError, DomainError
from ggzy.notices import selectors

FEED_SIZE = 50


@public
def feed(request: HttpRequest) -> HttpResponse:
    category, region = request.GET.get("category", ""), request.GET.get("region", "")
    found = selectors.published()
    title = _("Notices")
    if category:
        if category not in dict(TRADING_CATEGORIES):
            raise DomainError(CoreError.NOT_FOUND)
        found = found.filter(tender_project__project__category_id=category)
        title += f" · {dict(TRADING_CATEGORIES)[category]}"
    if region:
        if not regions.known(region):
            raise DomainError(CoreError.NOT_FOUND)
        found = found.filter(tender_project__project__region__startswith=region_prefix(region))
        title += f" · {regions.full_name(region)}"
    atom = Atom1Feed(
        title=title,
        link=request.build_absolute_uri(reverse("notices:public-list")),
        description=_("Notices published on the platform, newest first."),
        language="zh-hans",
        feed_url=request.build_absolute_uri(),
    )
    for notice in found[:FEED_SIZE]:
        link = request.build_absolute_uri(reverse("notices:public-detail", args=[notice.uid]))
        atom.add_item(
            title=notice.title,
            link=link,
            description=f"{notice.get_type_display()} · {notice.tender_project.project.name}"
            f" · SM3 {notice.text_sm3}",
            unique_id=f"urn:uuid:{notice.uid}",
            pubdate=notice.publish_at,
            updateddate=notice.publish_at,
            categories=[str(notice.tender_project.project.category_id), notice.tender_project.project.region],
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    atom.write(response, "utf-8")
    return response
