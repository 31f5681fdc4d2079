"""The public portal's reads (standard 4.1.4 一张网, 4.2.5): the home page's latest notices by trading
category and region, today's and the coming week's openings, the service commitments and complaint
channels; a tender project's public page and timeline; a notice's related notices and its proof in the
witness log.

Everything here is public, so everything is read as the anonymous public reads it:

* a notice only from its publication instant (`selectors.published_q`), a tender project only once one of
  its notices is published (`access_announced_tender_project`: a registered but unannounced one answers
  exactly like a missing one);
* a section's opening only when the tender (procurement, invitation) notice announcing it is published —
  a bid window set before its notice is public shows nowhere; never a bid, a bidder or a count of them
  (docs/secrecy.md);
* the publication's event in the witness log through the events' one read path for the anonymous viewer
  (`witness.selectors.inclusion_proof_for(viewer=None, …)`): public once published, never while embargoed.

`home_context` is what `core.views.home` asks for through `settings.GGZY_PORTAL_CONTEXT` (core imports no
domain app). Its query count is fixed: one per trading category, one for the openings, one for the
commitments, one for the province — whatever the number of notices."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from ggzy.accounts.selectors import centre_list, region_prefix
from ggzy.core import clock, regions
from ggzy.core.context_processors import TRADING_CATEGORIES
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import PLATFORM_ZONE, local_date, local_time
from ggzy.core.types import JSONDict
from ggzy.events.selectors import events_visible_to
from ggzy.notices.event_types import NoticesEvents
from ggzy.notices.models import Notice, NoticeType
from ggzy.notices.selectors import is_published, published_q
from ggzy.notices.services.deadlines import ANNOUNCING
from ggzy.registry.models import Section, TenderProject
from ggzy.sealing.models import BidWindow

#: How many notices the home page shows per trading category.
HOME_ROWS = 8
#: Openings shown on the home page: today and this many days after it (Asia/Shanghai).
OPENING_DAYS = 7
#: At most this many openings on the home page (the list links on to each notice).
OPENINGS_MAX = 50
#: Commitments shown in brief on the home page (the service hall has them all).
COMMITMENTS_BRIEF = 6
#: The notices that end or decide a procedure: results, and its termination.
OUTCOMES = frozenset(
    {
        NoticeType.CANDIDATES,
        NoticeType.DEAL_PUBLICITY,
        NoticeType.AWARD,
        NoticeType.DEAL,
        NoticeType.TERMINATION,
    }
)
#: The embargo kind a notice's events wait under until its instant (`services.notices._event`).
PUBLICATION_EMBARGO = "notice.publication"


def _published(now: dt.datetime) -> QuerySet[Notice]:
    return Notice.objects.filter(published_q(now))


def _region_q(region: str, prefix: str = "tender_project__project__") -> Q:
    return Q(**{f"{prefix}region__startswith": region_prefix(region)}) if region else Q()


# --- the home page ------------------------------------------------------------------------------------
def province() -> str:
    """The province the platform serves: that of its top centre (the one under no other)."""
    region = centre_list().filter(parent__isnull=True).values_list("region", flat=True).first()
    return f"{region[:2]}0000" if region else ""


def cities(of_province: str) -> list[tuple[str, str]]:
    """(code, name) of the prefectures (cities) of a province, in code order (GB/T 2260)."""
    if not of_province:
        return []
    return [
        (code, regions.name(code))
        for code in regions.divisions(under=of_province, max_depth=regions.PREFECTURE)
        if code != of_province
    ]


@dataclass(frozen=True)
class NoticeRow:
    uid: uuid.UUID
    title: str
    type_label: str
    region: str
    date: str


def _row(notice: Notice) -> NoticeRow:
    assert notice.publish_at is not None  # noqa: S101  (a published notice has its instant)
    return NoticeRow(
        uid=notice.uid,
        title=notice.title,
        type_label=str(notice.get_type_display()),
        region=regions.name(notice.tender_project.project.region),
        date=local_date(notice.publish_at),
    )


def latest(*, category: str, region: str = "", now: dt.datetime, limit: int = HOME_ROWS) -> list[NoticeRow]:
    """The newest published notices of a trading category (and a region with the regions within it)."""
    found = (
        _published(now)
        .filter(_region_q(region), tender_project__project__category_id=category)
        .select_related("tender_project__project")
        .order_by("-publish_at", "-pk")[:limit]
    )
    return [_row(n) for n in found]


@dataclass(frozen=True)
class Opening:
    tender_project: str
    project: str
    section: str
    opening_at: str
    today: bool
    notice_uid: uuid.UUID


def _announcing(now: dt.datetime) -> QuerySet[Notice]:
    """The published notices announcing the outer row's section: a tender, procurement or invitation
    notice of its tender project naming it, or naming no section (every section)."""
    return (
        _published(now)
        .filter(type__in=ANNOUNCING, tender_project=OuterRef("section__tender_project"))
        .filter(Q(sections=OuterRef("section")) | Q(sections__isnull=True))
        .order_by("publish_at", "pk")
    )


def openings(*, region: str = "", now: dt.datetime, days: int = OPENING_DAYS) -> list[Opening]:
    """The sections whose opening falls today or in the next `days` days (Asia/Shanghai), each with the
    published notice that announced it. A window whose notice is not public is not shown."""
    today = now.astimezone(PLATFORM_ZONE).date()
    start = dt.datetime.combine(today, dt.time(0), PLATFORM_ZONE)
    end = start + dt.timedelta(days=days + 1)
    found = (
        BidWindow.objects.filter(opening_at__gte=start, opening_at__lt=end)
        .filter(_region_q(region, prefix="section__tender_project__project__"))
        .annotate(notice_uid=Subquery(_announcing(now).values("uid")[:1]))
        .filter(notice_uid__isnull=False)
        .select_related("section__tender_project__project")
        .order_by("opening_at", "section_code")[:OPENINGS_MAX]
    )
    return [
        Opening(
            tender_project=w.section.tender_project.name,
            project=w.section.tender_project.project.name,
            section=w.section.name,
            opening_at=local_time(w.opening_at),
            today=w.opening_at.astimezone(PLATFORM_ZONE).date() == today,
            notice_uid=w.notice_uid,
        )
        for w in found
    ]


def home_context(request: HttpRequest) -> dict[str, Any]:
    """What the portal's home page shows (`settings.GGZY_PORTAL_CONTEXT`, asked by `core.views.home`):
    the latest notices per trading category, narrowed to a city of the province by `?region=`; the
    openings of today and the coming week; the service commitments in brief and the complaint channels."""
    from ggzy.service import selectors as service_selectors
    from ggzy.service.selectors import complaint_channels

    now = clock.now()
    choices = cities(province())
    region = request.GET.get("region", "")
    if region not in dict(choices):
        region = ""  # an unknown region narrows nothing (the home page is never an error)
    list_url = reverse("notices:public-list")
    categories = []
    for code, label in TRADING_CATEGORIES:
        more = f"{list_url}?category={code}" + (f"&region={region}" if region else "")
        categories.append(
            {
                "code": code,
                "label": label,
                "notices": latest(category=code, region=region, now=now),
                "more": more,
            }
        )
    return {
        "portal": True,
        "categories": categories,
        "regions": choices,
        "region": region,
        "region_name": regions.name(region) if region else "",
        "openings": openings(region=region, now=now),
        "openings_from": local_date(now),
        "openings_until": local_date(now + dt.timedelta(days=OPENING_DAYS)),
        "commitments": list(service_selectors.commitments()[:COMMITMENTS_BRIEF]),
        "channels": complaint_channels(),
    }


# --- a tender project's public page ---------------------------------------------------------------------
def access_announced_tender_project(*, code: str, now: dt.datetime | None = None) -> TenderProject:
    """A tender project by its code, once one of its notices is published; a registered but unannounced
    one raises the same not-found error as a missing one (its registration is not public)."""
    now = now or clock.now()
    found = (
        TenderProject.objects.filter(code=code, pk__in=_published(now).values("tender_project"))
        .select_related("project__category", "project__centre")
        .first()
        if code
        else None
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def notices_of(tender_project: TenderProject, *, now: dt.datetime | None = None) -> list[Notice]:
    """The tender project's published notices in publication order, with their sections."""
    return list(
        _published(now or clock.now())
        .filter(tender_project=tender_project)
        .select_related("corrects")
        .prefetch_related("sections")
        .order_by("publish_at", "pk")
    )


@dataclass
class Moment:
    """One line of a tender project's timeline: an instant and what happens at it."""

    at: dt.datetime
    kind: str  # published | documents | application | deadline | opening | now (where the present falls)
    label: str
    notices: list[Notice] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    detail: str = ""
    superseded: bool = False
    past: bool = False
    current: bool = False  # the notice the page shows

    @property
    def when(self) -> str:
        return local_time(self.at)


#: Order of kinds at one instant (a notice is published before what it announces).
_ORDER = {"published": 0, "documents": 1, "application": 2, "deadline": 3, "opening": 4}


def _instant(notice: Notice, key: str) -> dt.datetime | None:
    value = notice.content.get(key)
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _covered(notices: Iterable[Notice], tender_project: TenderProject) -> list[Section]:
    """The sections announced by published tender, procurement or invitation notices."""
    every: list[Section] | None = None
    found: dict[int, Section] = {}
    for notice in notices:
        if notice.type not in ANNOUNCING:
            continue
        named = list(notice.sections.all())
        if not named:
            every = every if every is not None else list(tender_project.sections.all())
            named = every
        found.update({s.pk: s for s in named})
    return sorted(found.values(), key=lambda s: s.code)


def timeline(
    tender_project: TenderProject,
    *,
    notices: list[Notice] | None = None,
    now: dt.datetime | None = None,
    current: Notice | None = None,
) -> list[Moment]:
    """The tender project's published notices and the dates they announce (documents issued, application
    and bid deadlines, openings; postponements by corrections), with the sections' bid windows as they
    stand — each marked past or to come at `now`, with a line "now" where the present falls. An announced
    deadline or opening that no window holds any more (a correction or a pause moved it) is marked
    superseded."""
    now = now or clock.now()
    notices = notices if notices is not None else notices_of(tender_project, now=now)
    moments: dict[tuple[str, dt.datetime], Moment] = {}

    def add(
        kind: str, at: dt.datetime | None, label: str, notice: Notice | None = None, **extra: Any
    ) -> None:
        if at is None:
            return
        key = f"{kind}:{notice.pk}" if kind == "published" and notice is not None else kind
        moment = moments.setdefault((key, at), Moment(at=at, kind=kind, label=label, **extra))
        if notice is not None and notice not in moment.notices:
            moment.notices.append(notice)

    for notice in notices:
        assert notice.publish_at is not None  # noqa: S101  (published)
        add(
            "published",
            notice.publish_at,
            _("%(type)s published") % {"type": notice.get_type_display()},
            notice,
            current=current is not None and notice.pk == current.pk,
        )
        if notice.type in ANNOUNCING:
            add(
                "documents",
                notice.publish_at,
                _("Tender documents issued (from the notice's publication)"),
                notice,
                detail=str(notice.content.get("documents_obtain") or ""),
            )
            add("deadline", _instant(notice, "bid_deadline"), _("Bid deadline"), notice)
            add("opening", _instant(notice, "opening_at"), _("Opening time"), notice)
        if notice.type in (NoticeType.PREQUALIFICATION, NoticeType.LAND_OFFER):
            add(
                "application",
                _instant(notice, "application_deadline"),
                _("Deadline for prequalification applications"),
                notice,
            )
        if notice.type == NoticeType.CORRECTION:
            add("deadline", _instant(notice, "new_bid_deadline"), _("Bid deadline (postponed)"), notice)
            add("opening", _instant(notice, "new_opening_at"), _("Opening time (postponed)"), notice)
    sections = _covered(notices, tender_project)
    windows = list(
        BidWindow.objects.filter(section__in=[s.pk for s in sections])
        .select_related("section")
        .order_by("section_code")
    )
    in_force = {"deadline": {w.deadline for w in windows}, "opening": {w.opening_at for w in windows}}
    for window in windows:
        label = f"{window.section.code} {window.section.name}"
        for kind, at, name in (
            ("deadline", window.deadline, _("Bid deadline")),
            ("opening", window.opening_at, _("Opening time")),
        ):
            add(kind, at, name)
            moments[(kind, at)].sections.append(label)
    for moment in moments.values():
        moment.past = moment.at <= now
        if windows and moment.kind in in_force and moment.at not in in_force[moment.kind]:
            moment.superseded = True
    ordered = sorted(moments.values(), key=lambda m: (m.at, _ORDER[m.kind]))
    here = next((i for i, m in enumerate(ordered) if not m.past), len(ordered))
    ordered.insert(here, Moment(at=now, kind="now", label=_("Now"), past=True))
    return ordered


# --- a notice's related notices ---------------------------------------------------------------------------
@dataclass
class Related:
    corrects: Notice | None
    corrections: list[Notice]
    outcomes: list[Notice]

    def __bool__(self) -> bool:
        return bool(self.corrects or self.corrections or self.outcomes)


def related(notice: Notice, *, now: dt.datetime | None = None) -> Related:
    """The notice it corrects (published: a correction names only a published one), its published
    corrections and terminations, and the published results and terminations of its tender project."""
    now = now or clock.now()
    corrections = list(_published(now).filter(corrects=notice).order_by("publish_at", "pk"))
    outcomes = list(
        _published(now)
        .filter(tender_project_id=notice.tender_project_id, type__in=OUTCOMES)
        .exclude(pk__in=[notice.pk, *(c.pk for c in corrections)])
        .order_by("publish_at", "pk")
    )
    original = notice.corrects
    if original is not None and not is_published(original, now):
        original = None
    return Related(corrects=original, corrections=corrections, outcomes=outcomes)


# --- the proof of a notice's publication in the witness log ---------------------------------------------
@dataclass(frozen=True)
class ProofStatus:
    """Where a notice's publication stands in the witness log."""

    state: str  # pending | signed (under a head not yet co-signed enough) | cosigned
    leaf_index: int | None = None
    tree_size: int | None = None
    cosignatures: int = 0
    threshold: int = 0


def publication_event_uid(notice: Notice, *, now: dt.datetime | None = None) -> str | None:
    """The uid of the event recording the notice's publication, as the anonymous public may see it (its
    embargo lifts at the notice's instant); None before it is recorded or while it is embargoed."""
    found = (
        events_visible_to(None, now=now)
        .filter(
            type=NoticesEvents.PUBLISHED.type, embargo_kind=PUBLICATION_EMBARGO, embargo_ref=notice.reference
        )
        .values_list("uid", flat=True)
        .first()
    )
    return str(found) if found else None


def notice_proof(notice: Notice) -> JSONDict:
    """The inclusion proof (`ggzy-inclusion-v1`, as `ggzy-verify` takes it) of the notice's publication
    event, read as the public reads it; the not-found error until the event is in the log under a head."""
    from ggzy.witness.selectors import inclusion_proof_for

    event_uid = publication_event_uid(notice)
    if event_uid is None:
        raise DomainError(CoreError.NOT_FOUND)
    return inclusion_proof_for(viewer=None, event_uid=event_uid)


def proof_status(notice: Notice) -> ProofStatus:
    from ggzy.witness.services import threshold

    try:
        bundle = notice_proof(notice)
    except DomainError:
        return ProofStatus(state="pending")
    cosignatures = len(bundle["tree_head"]["cosignatures"])
    needed = threshold()
    return ProofStatus(
        state="cosigned" if cosignatures >= needed else "signed",
        leaf_index=int(bundle["leaf_index"]),
        tree_size=int(bundle["tree_size"]),
        cosignatures=cosignatures,
        threshold=needed,
    )
