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

from django.db.models import Prefetch, Q, QuerySet

from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.roles import Role
from ggzy.core.types import Actor, Viewer
from ggzy.notices.models import Notice, NoticeAttachment, NoticeMedium, NoticeState, Objection
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
