"""Reads of notices with visibility applied (docs/architecture.md §3f).

* The public sees a notice from its `publish_at` on, and a notice before that instant (scheduled for
  later, drafted, withdrawn) answers exactly like one that does not exist: not listed, not counted, 404.
* The initiator and its agent (members of the organisation holding the role for the project) see every
  notice of their projects, in every state.
* Centre staff see the notices of their centres, drafts included, to check their form (never their
  content, 6.4.2, 11.2.1).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet

from ggzy.core import clock, regions, search
from ggzy.core.access import is_signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.roles import Role
from ggzy.core.types import Actor, Viewer
from ggzy.notices.models import (
    Notice,
    NoticeAttachment,
    NoticeIndex,
    NoticeMedium,
    NoticeState,
    NoticeType,
    Objection,
)
from ggzy.registry import selectors as registry_selectors
from ggzy.registry.models import Section, TenderProject

_RELATED = (
    "tender_project__project__initiator",
    "tender_project__project__agent",
    "tender_project__project__category",
    "centre",
    "corrects",
)


def published_q(now: dt.datetime) -> Q:
    """Notices published at `now`: scheduled, and their instant has come (derived, never stored)."""
    return Q(state=NoticeState.SCHEDULED, publish_at__lte=now)


def is_published(notice: Notice, now: dt.datetime | None = None) -> bool:
    now = now or clock.now()
    return (
        notice.state == NoticeState.SCHEDULED and notice.publish_at is not None and notice.publish_at <= now
    )


def _with_rows(found: QuerySet[Notice]) -> QuerySet[Notice]:
    return found.select_related(*_RELATED).prefetch_related(
        Prefetch("sections", queryset=Section.objects.order_by("code")),
        Prefetch("media", queryset=NoticeMedium.objects.order_by("published_on", "name")),
        "attachments__blob",
    )


def party_q(viewer: Viewer, *, prefix: str = "") -> Q:
    """The projects `viewer` acts for: its organisations' as initiator (holding INITIATOR for it) or as
    the project's agent (holding AGENT for it). `prefix`: the path from the queried model to Project."""
    if not is_signed_in(viewer):
        return Q(pk__in=[])
    initiators = registry_selectors.organisations_with_role(user=viewer, role=Role.INITIATOR)
    agents = registry_selectors.organisations_with_role(user=viewer, role=Role.AGENT)
    return Q(**{f"{prefix}initiator__in": initiators}) | Q(**{f"{prefix}agent__in": agents})


def drafted_for(*, viewer: Viewer) -> QuerySet[Notice]:
    """Every notice of the projects `viewer` acts for (initiator or agent), newest first."""
    return _with_rows(Notice.objects.filter(party_q(viewer, prefix="tender_project__project__"))).order_by(
        "-drafted_at", "-pk"
    )


def centre_notices(*, viewer: Viewer) -> QuerySet[Notice]:
    """The notices of the centres `viewer` is staff of, drafts included, newest first."""
    return _with_rows(Notice.objects.filter(centre__in=registry_selectors.staff_centres(viewer))).order_by(
        "-drafted_at", "-pk"
    )


def access_notice(*, viewer: Viewer, uid: uuid.UUID) -> Notice:
    """A notice `viewer` drafts for (initiator or agent) or hosts (centre staff), in any state; another's
    raises the same not-found error as a missing one."""
    if not is_signed_in(viewer):
        raise DomainError(CoreError.NOT_FOUND)
    found = (
        _with_rows(Notice.objects.filter(uid=uid))
        .filter(
            party_q(viewer, prefix="tender_project__project__")
            | Q(centre__in=registry_selectors.staff_centres(viewer))
        )
        .first()
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def access_drafted_notice(*, viewer: Viewer, uid: uuid.UUID) -> Notice:
    """A notice of a project `viewer` acts for (initiator or agent): what drafting, scheduling and
    withdrawing act on. Staff of the centre, and everyone else, get the not-found error."""
    found = drafted_for(viewer=viewer).filter(uid=uid).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def access_published_notice(*, viewer: Viewer, uid: uuid.UUID, now: dt.datetime | None = None) -> Notice:
    """A published notice, for anyone; before its instant (or never scheduled, or withdrawn) it raises
    the same not-found error as a missing one."""
    found = _with_rows(Notice.objects.filter(published_q(now or clock.now()), uid=uid)).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def published(*, now: dt.datetime | None = None) -> QuerySet[Notice]:
    """Published notices, newest first (by their instant)."""
    return _with_rows(Notice.objects.filter(published_q(now or clock.now()))).order_by("-publish_at", "-pk")


def party_tender_projects(*, viewer: Viewer) -> QuerySet[TenderProject]:
    """The tender projects of the projects `viewer` acts for, by code."""
    return (
        TenderProject.objects.filter(party_q(viewer, prefix="project__"))
        .select_related("project")
        .order_by("code")
    )


def access_tender_project(*, viewer: Viewer, code: str) -> TenderProject:
    """A tender project `viewer` acts for, by its code; another's raises the not-found error."""
    found = party_tender_projects(viewer=viewer).filter(code=code).first() if code else None
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def is_party(viewer: Viewer, tender_project: TenderProject) -> bool:
    return party_tender_projects(viewer=viewer).filter(pk=tender_project.pk).exists()


def is_staff_of_centre(viewer: Viewer, notice: Notice) -> bool:
    return registry_selectors.is_staff_of(viewer, notice.centre)


def correctable(*, tender_project: TenderProject, now: dt.datetime | None = None) -> QuerySet[Notice]:
    """The published notices of a tender project a correction or termination may name."""
    return Notice.objects.filter(published_q(now or clock.now()), tender_project=tender_project).order_by(
        "-publish_at"
    )


def first_notice(tender_project: TenderProject, *, excluding: Notice) -> bool:
    """Whether no other notice of the tender project is scheduled or published (withdrawn ones do not
    count): the one that needs the registration's promised items for the step `notice`."""
    return (
        not Notice.objects.filter(tender_project=tender_project, state=NoticeState.SCHEDULED)
        .exclude(pk=excluding.pk)
        .exists()
    )


def access_attachment(*, viewer: Viewer, notice_uid: uuid.UUID, uid: uuid.UUID) -> NoticeAttachment:
    """An attachment of a notice `viewer` may read it from: anyone's once the notice is published; its
    drafters' and its centre's staff's in every state. Otherwise (or missing) the not-found error."""
    visible = published_q(clock.now())
    if is_signed_in(viewer):
        visible |= party_q(viewer, prefix="tender_project__project__") | Q(
            centre__in=registry_selectors.staff_centres(viewer)
        )
    found = (
        NoticeAttachment.objects.select_related("blob")
        .filter(uid=uid, notice__in=Notice.objects.filter(visible, uid=notice_uid))
        .first()
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


# --- objections, challenges and inquiries (6.4.3) ------------------------------------------------------

_OBJECTION_RELATED = (
    "tender_project__project__initiator",
    "tender_project__project__agent",
    "tender_project__project__centre",
    "section",
    "notice",
    "organisation",
    "pause",
)


def _filer_q(viewer: Actor) -> Q:
    """The objections filed by `viewer`'s bidder organisations (any member of the filer sees it)."""
    organisations = registry_selectors.organisations_with_role(user=viewer, role=Role.RESPONDER)
    return Q(organisation__in=organisations)


def _supervised_q(viewer: Actor) -> Q:
    """The objections carried on as complaints to a supervisor whose jurisdiction covers them."""
    from ggzy.accounts.models import RoleGrant
    from ggzy.accounts.selectors import region_prefix

    found = Q(pk__in=[])
    grants = RoleGrant.objects.filter(user=viewer, role=Role.SUPERVISOR, revoked_at__isnull=True)
    for region, category in grants.values_list("region", "category"):
        mine = Q(
            complained_at__isnull=False, complaint_region__startswith=region_prefix(region) if region else ""
        )
        if category:
            mine &= Q(complaint_category=category)
        found |= mine
    return found


def objections_q(viewer: Viewer) -> Q:
    """The objections `viewer` may read: its organisations' own, those of the projects it acts for (to
    answer them), and the complaints routed to its jurisdiction. No one else learns who objected."""
    if not is_signed_in(viewer):
        return Q(pk__in=[])
    return _filer_q(viewer) | party_q(viewer, prefix="tender_project__project__") | _supervised_q(viewer)


def objections_for(*, viewer: Viewer) -> QuerySet[Objection]:
    return (
        Objection.objects.filter(objections_q(viewer))
        .select_related(*_OBJECTION_RELATED)
        .order_by("-filed_at", "-pk")
    )


def access_objection(*, viewer: Viewer, uid: uuid.UUID) -> Objection:
    """An objection `viewer` may read; another's raises the same not-found error as a missing one."""
    found = objections_for(viewer=viewer).filter(uid=uid).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def is_filer(viewer: Viewer, objection: Objection) -> bool:
    return (
        Objection.objects.filter(_filer_q(viewer), pk=objection.pk).exists()
        if is_signed_in(viewer)
        else False
    )


# --- pauses of a procedure (6.5.8, 6.5.9) --------------------------------------------------------------


def pausable_tender_projects(*, viewer: Viewer) -> QuerySet[TenderProject]:
    """The tender projects `viewer` may pause or see the pauses of: those it acts for, those of the
    centres it is staff of, those in its supervising jurisdiction."""
    if not is_signed_in(viewer):
        return TenderProject.objects.none()
    from ggzy.accounts.models import RoleGrant
    from ggzy.accounts.selectors import region_prefix

    found = party_q(viewer, prefix="project__") | Q(
        project__centre__in=registry_selectors.staff_centres(viewer)
    )
    grants = RoleGrant.objects.filter(user=viewer, role=Role.SUPERVISOR, revoked_at__isnull=True)
    for region, category in grants.values_list("region", "category"):
        mine = Q(project__region__startswith=region_prefix(region) if region else "")
        if category:
            mine &= Q(project__category_id=category)
        found |= mine
    return (
        TenderProject.objects.filter(found)
        .select_related("project__centre", "project__initiator")
        .order_by("code")
    )


def access_pausable(*, viewer: Viewer, code: str) -> TenderProject:
    found = pausable_tender_projects(viewer=viewer).filter(code=code).first() if code else None
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


# --- the portal's list and search (NoticeIndex, written by services.index) -------------------------
PORTAL_PAGE_SIZE = 20
PORTAL_PAGES_MAX = 50  # deeper than 1,000 notices: narrow the search instead (an OFFSET costs its rows)
PORTAL_COUNT_CAP = 1000  # "1,000+": counting every match of a common word costs what the page does not


@dataclass(frozen=True)
class PortalFilter:
    """What the public list may be narrowed by; empty values narrow nothing."""

    query: str = ""
    category: str = ""
    type: str = ""
    region: str = ""  # a GB/T 2260 code: a province, a prefecture (its city column) or a county
    published_from: dt.date | None = None  # Beijing days, both ends included
    published_to: dt.date | None = None
    min_fen: int | None = None
    max_fen: int | None = None


def _beijing_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo("Asia/Shanghai"))


def portal_notices(f: PortalFilter, *, now: dt.datetime | None = None) -> QuerySet[NoticeIndex]:
    """Published notices narrowed by `f`, newest first: one query on one table, through its indexes
    (the full-text one for `f.query`, via `ggzy.core.search.match`). A query with nothing to look for
    (punctuation, operators only) finds nothing."""
    found = NoticeIndex.objects.filter(publish_at__lte=now or clock.now())
    if f.category:
        found = found.filter(category=f.category)
    if f.type:
        found = found.filter(type=f.type)
    if f.region:
        depth = regions.depth(f.region)
        if depth == regions.PROVINCE:
            found = found.filter(city__startswith=f.region[:2])
        else:
            found = found.filter(city=f.region[:4])
            if depth == regions.COUNTY:
                found = found.filter(region=f.region)
    if f.published_from is not None:
        found = found.filter(publish_at__gte=_beijing_midnight(f.published_from))
    if f.published_to is not None:
        found = found.filter(publish_at__lt=_beijing_midnight(f.published_to + dt.timedelta(days=1)))
    if f.min_fen is not None:
        found = found.filter(amount_fen__gte=f.min_fen)
    if f.max_fen is not None:
        found = found.filter(amount_fen__lte=f.max_fen)
    if f.query.strip():
        matched = search.match(found, f.query, stored=True)  # migration 0004: a stored vector
        found = matched if matched is not None else found.none()
    return found.defer("tokens").order_by("-publish_at", "-id")  # the list never shows the tokens


@dataclass(frozen=True)
class PortalPage:
    rows: list[NoticeIndex]
    number: int
    has_previous: bool
    has_next: bool
    count: int  # at most PORTAL_COUNT_CAP
    more: bool  # more than PORTAL_COUNT_CAP match


def portal_page(found: QuerySet[NoticeIndex], number: int = 1) -> PortalPage:
    """One page of `found` (1 … PORTAL_PAGES_MAX; out-of-range numbers are clamped) and its capped count."""
    number = min(max(number, 1), PORTAL_PAGES_MAX)
    start = (number - 1) * PORTAL_PAGE_SIZE
    rows = list(found[start : start + PORTAL_PAGE_SIZE + 1])
    count = found[: PORTAL_COUNT_CAP + 1].count() if len(rows) > PORTAL_PAGE_SIZE or number > 1 else len(rows)
    return PortalPage(
        rows=rows[:PORTAL_PAGE_SIZE],
        number=number,
        has_previous=number > 1,
        has_next=len(rows) > PORTAL_PAGE_SIZE and number < PORTAL_PAGES_MAX,
        count=min(count, PORTAL_COUNT_CAP),
        more=count > PORTAL_COUNT_CAP,
    )


def opening_notice(section: Section, *, now: dt.datetime | None = None) -> Notice | None:
    """The published notice an objection at `section`'s opening is filed against (招标投标法实施条例 §44):
    its tender notice (or invitation), the newest, naming the section or every section of its project."""
    now = now or clock.now()
    found = (
        Notice.objects.filter(published_q(now), tender_project=section.tender_project_id)
        .filter(type__in=[NoticeType.TENDER, NoticeType.INVITATION])
        .filter(Q(sections=section) | Q(sections__isnull=True))
        .order_by("-publish_at", "-pk")
    )
    return found.first()


def opening_objections(section: Section) -> QuerySet[Objection]:
    """The objections raised at `section`'s opening, oldest first (shown in its hall to its parties)."""
    return (
        Objection.objects.filter(section=section, stage="opening")
        .select_related("organisation")
        .order_by("filed_at", "pk")
    )
