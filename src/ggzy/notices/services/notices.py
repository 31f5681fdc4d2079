"""The notices' writes (standard 6.4.1, 6.4.2), one transaction each, each recorded.

* `notice_draft`, `notice_edit`: the initiator or its agent writes a notice of its tender project; its
  required content is checked item by item (`notices.content`); a correction or termination names the
  published notice it changes, any other type names none.
* `notice_form_remark`: the centre's staff note a remark on a draft's form; they never approve content.
* `notice_schedule`: the text and the publication instant (now or later) are fixed with the SM3 of the
  canonical text. The first notice of a tender project needs the project's registration accepted and
  the 容缺 promises due before the step `notice` kept (`registry.services.step_check`).
* `notice_withdraw`: a scheduled notice, before its instant only.
* Scheduling writes the notice's portal row (`services.index`), withdrawing deletes it.
* `medium_add`: where else the notice was published (6.4.2).
* `published_catch_up`: the tick job recording, once, that a notice's instant passed.

A refusal raises `DomainError` before anything is written. Another's project or notice is the same
not-found error as a missing one."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils.translation import gettext

from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.states import advance, require
from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.embargo import Embargo
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.notices import content as schema
from ggzy.notices import selectors
from ggzy.notices.errors import NoticesError
from ggzy.notices.event_types import NoticesEvents
from ggzy.notices.feed import change_record
from ggzy.notices.models import Notice, NoticeMedium, NoticeState, NoticeType
from ggzy.notices.services.deadlines import deadline_check, windows_announce
from ggzy.notices.services.index import notice_index, notice_unindex
from ggzy.notices.states import NOTICE_TRANSITIONS
from ggzy.registry import services as registry
from ggzy.registry.models import Registration, Section, State, TenderProject
from ggzy_sm.canonical import dumps
from ggzy_sm.sm3 import sm3

#: The registry checklist's step key for items needed before the notice (`ChecklistItem.needed_before`).
NOTICE_STEP = "notice"
#: How far in the past a chosen instant may lie and still mean "now" (the form's round trip).
NOW_TOLERANCE = dt.timedelta(minutes=1)
TITLE_MAX = 200


def _event(
    type_: EventType, notice: Notice, actor: Actor | None, data: JSONDict, *, embargoed: bool = False
) -> Event:
    project = notice.tender_project.project
    return event_record(
        type=type_,
        actor=actor,
        project=project.code,
        centre=notice.centre.code,
        region=project.region,
        category=project.category_id,
        organisation=project.initiator.uscc,
        data={"notice": str(notice.uid), "type": notice.type, **data},
        embargo=Embargo("notice.publication", notice.reference) if embargoed else None,
    )


def _party_or_not_found(actor: Actor, tender_project: TenderProject) -> None:
    if not selectors.is_party(actor, tender_project):
        raise DomainError(CoreError.NOT_FOUND)


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise DomainError(NoticesError.TITLE_MISSING, gettext("Give the notice a title."))
    return title


def _sections(tender_project: TenderProject, codes: Iterable[str]) -> list[Section]:
    wanted = sorted(set(codes))
    found = list(Section.objects.filter(tender_project=tender_project, code__in=wanted).order_by("code"))
    if len(found) != len(wanted):
        raise DomainError(NoticesError.SECTION_INVALID, detail={"sections": wanted})
    return found


def _corrects(notice_type: str, tender_project: TenderProject, corrects: Notice | None) -> Notice | None:
    if NoticeType(notice_type) in schema.CHANGING:
        if corrects is None:
            raise DomainError(NoticesError.CORRECTS_REQUIRED)
        corrects = Notice.objects.get(pk=corrects.pk)  # as stored, not as the caller holds it
        if corrects.tender_project_id != tender_project.pk or not selectors.is_published(corrects):
            raise DomainError(NoticesError.CORRECTS_INVALID)
        return corrects
    if corrects is not None:
        raise DomainError(NoticesError.CORRECTS_REFUSED)
    return None


@transaction.atomic
def notice_draft(
    *,
    actor: Actor,
    tender_project: TenderProject,
    notice_type: str,
    title: str,
    content: Mapping[str, object],
    sections: Iterable[str] = (),
    corrects: Notice | None = None,
) -> Notice:
    """A new draft of `notice_type` for a tender project `actor` acts for (initiator or agent)."""
    _party_or_not_found(actor, tender_project)
    return draft_for(
        actor=actor, tender_project=tender_project, notice_type=notice_type, title=title, content=content,
        sections=sections, corrects=corrects,
    )  # fmt: skip


def draft_for(
    *,
    actor: Actor,
    tender_project: TenderProject,
    notice_type: str,
    title: str,
    content: Mapping[str, object],
    sections: Iterable[str] = (),
    corrects: Notice | None = None,
) -> Notice:
    """The draft itself, for the services that draft a notice on the parties' behalf after checking who
    acts (a pause ordered by a supervisor, a fault the centre records): the parties publish it."""
    cleaned = schema.check(notice_type, content)
    title = _title(title)
    original = _corrects(notice_type, tender_project, corrects)
    chosen = _sections(tender_project, sections)
    now = clock.now()
    uid = uuid.uuid4()
    notice = Notice.objects.create(
        uid=uid,
        reference=str(uid),
        type=notice_type,
        tender_project=tender_project,
        centre=tender_project.project.centre,
        title=title,
        content=cleaned,
        corrects=original,
        drafted_by=actor,
        drafted_at=now,
        edited_at=now,
    )
    notice.sections.set(chosen)
    _event(NoticesEvents.DRAFTED, notice, actor, {"title": title})
    return notice


def _locked(notice: Notice) -> Notice:
    return (
        Notice.objects.select_for_update(of=("self",))
        .select_related("tender_project__project__initiator", "centre", "corrects")
        .get(pk=notice.pk)
    )


def _not_published(notice: Notice) -> None:
    if selectors.is_published(notice):
        raise DomainError(NoticesError.PUBLISHED)


@transaction.atomic
def notice_edit(
    *,
    actor: Actor,
    notice: Notice,
    title: str,
    content: Mapping[str, object],
    sections: Iterable[str] = (),
) -> Notice:
    """Change a draft's title, content and sections (drafts only; a published text never changes)."""
    notice = _locked(notice)
    _party_or_not_found(actor, notice.tender_project)
    _not_published(notice)
    require(notice, NOTICE_TRANSITIONS, "edit", error=NoticesError.STATE)
    cleaned = schema.check(notice.type, content)
    title = _title(title)
    chosen = _sections(notice.tender_project, sections)
    advance(
        notice, NOTICE_TRANSITIONS, "edit", error=NoticesError.STATE,
        title=title, content=cleaned, edited_at=clock.now(),
    )  # fmt: skip
    notice.sections.set(chosen)
    _event(NoticesEvents.EDITED, notice, actor, {"title": title})
    return notice


@transaction.atomic
def notice_form_remark(*, actor: Actor, notice: Notice, remark: str) -> Notice:
    """Centre staff of the notice's centre note a remark on a draft's form (6.4.2: the centre checks
    form, never content, and approves nothing)."""
    notice = _locked(notice)
    if not selectors.is_staff_of_centre(actor, notice):
        raise DomainError(CoreError.NOT_FOUND)
    if notice.state != NoticeState.DRAFT:
        raise DomainError(NoticesError.STATE)
    remark = (remark or "").strip()
    if not remark:
        raise DomainError(NoticesError.REMARK_MISSING)
    notice.form_remark, notice.form_checked_by, notice.form_checked_at = remark, actor, clock.now()
    notice.save(update_fields=["form_remark", "form_checked_by", "form_checked_at"])
    _event(NoticesEvents.FORM_REMARKED, notice, actor, {"remark": remark})
    return notice


def _attachment_rows(notice: Notice) -> list[tuple[str, str, int]]:
    return [(a.file_name, a.blob.sm3, a.blob.size) for a in notice.attachments.select_related("blob")]


def published_text(notice: Notice, publish_at: dt.datetime) -> JSONDict:
    """What a notice publishes, as the canonical document its SM3 is taken of."""
    return {
        "profile": "ggzy-notice-v1",
        "notice": str(notice.uid),
        "type": notice.type,
        "title": notice.title,
        "centre": notice.centre.code,
        "project": notice.tender_project.project.code,
        "tender_project": notice.tender_project.code,
        "tender_project_name": notice.tender_project.name,
        "sections": sorted(s.code for s in notice.sections.all()),
        "content": notice.content,
        "corrects": str(notice.corrects.uid) if notice.corrects else None,
        "publish_at": publish_at,
        # [file name, SM3, size] of each attachment (`services.attachments`), sorted: the SM3 covers them
        "attachments": [list(row) for row in sorted(_attachment_rows(notice))],
    }


def text_sm3(notice: Notice, publish_at: dt.datetime) -> str:
    return sm3(dumps(published_text(notice, publish_at))).hex()


def _registration_ready(tender_project: TenderProject, notice: Notice) -> None:
    registration = Registration.objects.filter(project=tender_project.project).first()
    if registration is None or registration.state != State.ACCEPTED:
        raise DomainError(NoticesError.NOT_ACCEPTED)
    if selectors.first_notice(tender_project, excluding=notice):
        registry.step_check(registration, NOTICE_STEP)


@transaction.atomic
def notice_schedule(*, actor: Actor, notice: Notice, publish_at: dt.datetime) -> Notice:
    """Fix a draft's text and publication instant (now, or later), with the SM3 of its text."""
    notice = _locked(notice)
    _party_or_not_found(actor, notice.tender_project)
    require(notice, NOTICE_TRANSITIONS, "schedule", error=NoticesError.STATE)
    now = clock.now()
    if publish_at.tzinfo is None or publish_at < now - NOW_TOLERANCE:
        raise DomainError(NoticesError.PUBLISH_AT_PAST)
    publish_at = max(publish_at, now)
    if notice.corrects is not None and not selectors.is_published(notice.corrects, now):
        raise DomainError(NoticesError.CORRECTS_INVALID)
    _registration_ready(notice.tender_project, notice)
    deadline_check(notice, publish_at)
    digest = text_sm3(notice, publish_at)
    advance(
        notice, NOTICE_TRANSITIONS, "schedule", error=NoticesError.STATE,
        publish_at=publish_at, scheduled_by=actor, scheduled_at=now, text_sm3=digest,
    )  # fmt: skip
    notice_index(notice)
    _event(NoticesEvents.SCHEDULED, notice, actor, {"publish_at": publish_at, "sm3": digest}, embargoed=True)
    return notice


@transaction.atomic
def notice_withdraw(*, actor: Actor, notice: Notice) -> Notice:
    """Withdraw a scheduled notice before its publication instant; a published one stays as it is."""
    notice = _locked(notice)
    _party_or_not_found(actor, notice.tender_project)
    _not_published(notice)
    advance(notice, NOTICE_TRANSITIONS, "withdraw", error=NoticesError.STATE, withdrawn_at=clock.now())
    notice_unindex(notice)
    _event(NoticesEvents.WITHDRAWN, notice, actor, {}, embargoed=True)
    return notice


@transaction.atomic
def medium_add(*, actor: Actor, notice: Notice, name: str, url: str, published_on: dt.date) -> NoticeMedium:
    """Record where else a scheduled or published notice appears (the legal medium, 6.4.2)."""
    notice = _locked(notice)
    _party_or_not_found(actor, notice.tender_project)
    if notice.state != NoticeState.SCHEDULED:
        raise DomainError(NoticesError.STATE)
    name, url = (name or "").strip(), (url or "").strip()
    if not name or not url.startswith(("https://", "http://")) or len(name) > 100 or len(url) > 500:  # noqa: PLR2004
        raise DomainError(NoticesError.MEDIUM_INVALID)
    medium = NoticeMedium.objects.create(
        notice=notice, name=name, url=url, published_on=published_on, added_by=actor, added_at=clock.now()
    )
    _event(
        NoticesEvents.MEDIUM_ADDED, notice, actor,
        {"medium": name, "url": url, "published_on": published_on}, embargoed=True,
    )  # fmt: skip
    return medium


def published_catch_up(limit: int = 500) -> int:
    """Tick job: record, once, each notice whose publication instant has passed. "Published" itself is
    derived from `publish_at` at every read; this catches up on the side effect (the public event)."""
    done = 0
    now = clock.now()
    due = Notice.objects.filter(selectors.published_q(now), published_recorded=False)
    for notice_id in due.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            notice = (
                Notice.objects.select_for_update()
                .filter(selectors.published_q(now), pk=notice_id, published_recorded=False)
                .first()
            )
            if notice is None:
                continue
            Notice.objects.filter(pk=notice.pk).update(published_recorded=True)
            notice = Notice.objects.select_related("tender_project__project__initiator", "centre").get(
                pk=notice.pk
            )
            _event(
                NoticesEvents.PUBLISHED,
                notice,
                None,
                {"title": notice.title, "publish_at": notice.publish_at, "sm3": notice.text_sm3},
                embargoed=True,
            )
            change_record(notice, at=notice.publish_at)  # the public change feed, in this transaction
            windows_announce(notice)
            done += 1
    return done
