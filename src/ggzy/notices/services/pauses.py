"""The one suspend / resume / terminate service (standard 6.5.8, 6.5.9).

Every pause of a procedure goes through here, except an objection's, which the objection service starts
and its answer ends (the same registry facts): a platform fault or force majeure near the deadline
(6.5.9), a supervising department's order (政府采购法 §57: at most 30 days), another reason the
initiator gives, and termination (招标投标法实施条例 §31).

* **Who acts** (6.5.9, 11.2.1): the initiator or its agent for any basis; the centre's staff assist by
  recording a platform fault or force majeure; a supervisor whose jurisdiction covers the project's
  region and category orders a pause. Anyone else gets the not-found answer a missing project gets.
* **Its effect**: the steps it names (opening, evaluation, award, contract by default) are refused by
  their services (`registry.selectors.pause_check`) until it ends. A pause or a resumption may postpone
  the bid deadline and the opening (never earlier) through `sealing.window_set`, which sends the
  custodians the signed notice they honour.
* **Everyone is told** (inbox and SMS): the initiator's and the agent's members, and each bidder of the
  sections one by one, under the section's opening embargo (no list of bidders exists for anyone to
  read before the opening); and the notice is drafted for the parties to publish — a special matters
  notice (特殊事项公告) for a pause or a resumption, a termination notice (终止公告) naming the notice it
  ends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext

from ggzy.accounts.selectors import supervises
from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.types import Actor, JSONDict
from ggzy.events.embargo import Embargo
from ggzy.events.services import event_record
from ggzy.notices import selectors
from ggzy.notices.errors import NoticesError
from ggzy.notices.event_types import NoticesEvents
from ggzy.notices.models import Notice, NoticeType
from ggzy.notices.services.notices import TITLE_MAX, draft_for
from ggzy.notices.services.objections import _at, _parties, full_name, tell
from ggzy.registry import selectors as registry_selectors
from ggzy.registry import services as registry
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Pause, PauseBasis, PauseState, PauseStep, Section, TenderProject
from ggzy.sealing import selectors as sealing_selectors
from ggzy.sealing import services as sealing

#: Who may start (and end) a pause on which basis.
PARTY_BASES = frozenset({PauseBasis.PLATFORM_FAULT, PauseBasis.FORCE_MAJEURE, PauseBasis.OTHER})
STAFF_BASES = frozenset({PauseBasis.PLATFORM_FAULT, PauseBasis.FORCE_MAJEURE})
SUPERVISOR_BASES = frozenset({PauseBasis.SUPERVISOR_ORDER})


def _standing(actor: Actor, tender_project: TenderProject) -> frozenset[PauseBasis]:
    """The bases `actor` may pause the tender project on; none at all: the not-found answer."""
    project = tender_project.project
    allowed: set[PauseBasis] = set()
    if selectors.is_party(actor, tender_project):
        allowed |= PARTY_BASES
    if registry_selectors.is_staff_of(actor, project.centre):
        allowed |= STAFF_BASES
    if supervises(actor, region=project.region, category=str(project.category_id)):
        allowed |= SUPERVISOR_BASES
    if not allowed:
        raise DomainError(CoreError.NOT_FOUND)
    return frozenset(allowed)


def _sections_of(tender_project: TenderProject, codes: Iterable[str]) -> list[Section]:
    wanted = sorted(set(codes))
    found = list(Section.objects.filter(tender_project=tender_project, code__in=wanted).order_by("code"))
    if len(found) != len(wanted):
        raise DomainError(NoticesError.SECTION_INVALID, detail={"sections": wanted})
    return found


def _postpone(actor: Actor, sections: list[Section], to: dt.datetime | None) -> JSONDict:
    """Postpone each section's deadline (and its opening by as much) to `to`; sections whose deadline
    has passed keep it (bids closed then: only the opening may move, 6.5.9)."""
    moved: JSONDict = {}
    if to is None:
        return moved
    if to.tzinfo is None or to <= clock.now():
        raise DomainError(NoticesError.PUBLISH_AT_PAST)
    for section in sections:
        window = sealing_selectors.window_of(section)
        if window is None:
            continue
        if clock.now() >= window.deadline:
            opening = max(to, window.opening_at)
            sealing.window_set(actor=actor, section=section, deadline=window.deadline, opening_at=opening)
            moved[section.code] = {"deadline": window.deadline, "opening_at": opening}
            continue
        opening = to + (window.opening_at - window.deadline)
        sealing.window_set(actor=actor, section=section, deadline=to, opening_at=opening)
        moved[section.code] = {"deadline": to, "opening_at": opening}
    return moved


def _tell(
    *,
    template: str,
    tender_project: TenderProject,
    sections: list[Section],
    context: JSONDict,
    event_data: JSONDict,
) -> None:
    """Tell the initiator's and agent's members, and each section's bidders under its opening embargo."""
    project = tender_project.project
    told = event_record(
        type=NoticesEvents.PARTIES_TOLD,
        actor=None,
        project=project.code,
        centre=project.centre.code,
        region=project.region,
        category=project.category_id,
        data={"tender_project": tender_project.code, "template": template, **event_data},
    )
    tell(template=template, users=_parties(tender_project), context=context, event=told)
    for section in sections:
        window = sealing_selectors.window_of(section)
        if window is None:
            continue
        # recorded for every section with a window, bidders or none: the log's size says nothing
        event = event_record(
            type=NoticesEvents.BIDDERS_TOLD,
            actor=None,
            section=section.code,
            project=project.code,
            centre=project.centre.code,
            region=project.region,
            category=project.category_id,
            data={"section": section.code, "template": template, **event_data},
            embargo=Embargo("section.opening", section.code),
        )
        bidders = sealing_selectors.bidding_users(sections=[section])
        users = list(get_user_model().objects.filter(pk__in=bidders).order_by("pk"))
        tell(template=template, users=users, context=context, event=event)


def _latest_published(tender_project: TenderProject) -> Notice | None:
    return (
        selectors.correctable(tender_project=tender_project)
        .exclude(type__in=[NoticeType.CORRECTION, NoticeType.TERMINATION])
        .first()
    )


def _contacts(tender_project: TenderProject) -> str:
    latest = _latest_published(tender_project)
    found = latest.content.get("contacts") if latest is not None else None
    project = tender_project.project
    return str(found or f"{project.initiator.name}")


def _steps_text(steps: Iterable[str]) -> str:
    return "、".join(str(PauseStep(s).label) for s in steps) if steps else ""


def _deadline_text(moved: JSONDict) -> str:
    return "；".join(f"{code} {_at(m['deadline'])}" for code, m in moved.items() if isinstance(m, dict))


def _announce(
    actor: Actor,
    pause: Pause,
    template: str,
    context: JSONDict,
    *,
    matter: str,
    moved: JSONDict,
    title: str,
    sections: list[Section],
    named: list[Section],
) -> None:
    """Tell every party of a pause or a resumption and draft the special matters notice (naming the
    moved deadline, if any) for the parties to publish."""
    tender_project = pause.tender_project
    _tell(
        template=template, tender_project=tender_project, sections=sections, context=context,
        event_data={"pause": str(pause.uid)},
    )  # fmt: skip
    if moved:
        matter += gettext(" The bid deadline moves: %(deadline)s.") % context
    draft_for(
        actor=actor,
        tender_project=tender_project,
        notice_type=NoticeType.SPECIAL,
        title=title[:TITLE_MAX],
        content={"matter": matter, "contacts": _contacts(tender_project)},
        sections=[s.code for s in named],
    )


@transaction.atomic
def procedure_pause(
    *,
    actor: Actor,
    tender_project: TenderProject,
    basis: str,
    reason: str,
    sections: Iterable[str] = (),
    steps: Iterable[str] = (),
    until: dt.datetime | None = None,
    postpone_to: dt.datetime | None = None,
) -> Pause:
    """Pause a tender project's procedure (or some sections) on `basis`; optionally postpone the bid
    deadline to `postpone_to`. Every party is told and a special matters notice is drafted."""
    tender_project = TenderProject.objects.select_related("project__centre", "project__initiator").get(
        pk=tender_project.pk
    )
    allowed = _standing(actor, tender_project)
    if basis not in allowed:
        raise DomainError(NoticesError.PAUSE_NOT_ALLOWED, detail={"basis": basis})
    chosen = _sections_of(tender_project, sections)
    affected = chosen or list(tender_project.sections.order_by("code"))
    pause = registry.pause_start(
        actor=actor,
        tender_project=tender_project,
        basis=basis,
        reason=reason,
        steps=list(steps) or list(PauseStep.values),
        sections=chosen,
        until=until,
    )
    moved = _postpone(actor, affected, postpone_to)
    context: JSONDict = {
        "name": full_name(tender_project),
        "tender_project": tender_project.code,
        "basis": str(PauseBasis(basis).label),
        "reason": pause.reason,
        "steps": _steps_text(pause.steps),
        "deadline": _deadline_text(moved),
    }
    matter = gettext("The procedure is paused (%(basis)s): %(reason)s Stopped: %(steps)s.") % context
    _announce(
        actor, pause, "notices.procedure_paused", context, matter=matter, moved=moved,
        title=gettext("Pause of %(name)s") % context, sections=affected, named=chosen,
    )  # fmt: skip
    return pause


@transaction.atomic
def procedure_resume(
    *, actor: Actor, pause: Pause, reason: str, postpone_to: dt.datetime | None = None
) -> Pause:
    """End a pause (not an objection's: its answer ends it); optionally postpone the bid deadline."""
    pause = Pause.objects.select_related("tender_project__project__centre").get(pk=pause.pk)
    tender_project = pause.tender_project
    allowed = _standing(actor, tender_project)
    if pause.basis not in allowed:
        raise DomainError(NoticesError.PAUSE_NOT_ALLOWED, detail={"basis": pause.basis})
    if pause.state != PauseState.ACTIVE:
        raise DomainError(RegistryError.PAUSE_STATE)
    registry.pause_end(actor=actor, pause=pause, reason=reason)
    sections = list(pause.sections.order_by("code")) or list(tender_project.sections.order_by("code"))
    moved = _postpone(actor, sections, postpone_to)
    context: JSONDict = {
        "name": full_name(tender_project),
        "tender_project": tender_project.code,
        "reason": (reason or "").strip(),
        "deadline": _deadline_text(moved),
    }
    _announce(
        actor, pause, "notices.procedure_resumed", context, moved=moved,
        matter=gettext("The procedure goes on: %(reason)s") % context,
        title=gettext("Resumption of %(name)s") % context, sections=sections,
        named=list(pause.sections.order_by("code")),
    )  # fmt: skip
    pause.refresh_from_db()
    return pause


@transaction.atomic
def procedure_terminate(*, actor: Actor, tender_project: TenderProject, reason: str) -> Pause:
    """Terminate a tender project's procedure (the initiator or its agent, 招标投标法实施条例 §31): every
    step is refused for good, every party is told (document fees and bid securities are refunded), and
    a termination notice naming the notice it ends is drafted."""
    tender_project = TenderProject.objects.select_related("project__centre", "project__initiator").get(
        pk=tender_project.pk
    )
    if not selectors.is_party(actor, tender_project):
        raise DomainError(CoreError.NOT_FOUND)
    ended = registry.procedure_terminate(actor=actor, tender_project=tender_project, reason=reason)
    context: JSONDict = {
        "name": full_name(tender_project),
        "tender_project": tender_project.code,
        "reason": ended.reason,
    }
    _tell(
        template="notices.procedure_terminated", tender_project=tender_project,
        sections=list(tender_project.sections.order_by("code")), context=context,
        event_data={"pause": str(ended.uid)},
    )  # fmt: skip
    original = _latest_published(tender_project)
    if original is not None:
        draft_for(
            actor=actor,
            tender_project=tender_project,
            notice_type=NoticeType.TERMINATION,
            title=(gettext("Termination: %(title)s") % {"title": original.title})[:TITLE_MAX],
            content={"reason": ended.reason, "contacts": _contacts(tender_project)},
            sections=[s.code for s in original.sections.all()],
            corrects=original,
        )
    return ended
