"""The tender documents' writes (standard 6.5.1, 11.2.6, 11.2.7), one transaction each, each recorded.

* `documents_draft`, `documents_edit`: the initiator or its agent writes the documents of its tender
  project — a title, the sections they cover and the structured criteria record (`ggzy_sm.criteria`,
  docs/criteria-format.md), checked as a format and against the method table of each section
  (`registry.methods`: the bid security's cap).
* `documents_issue`: once the tender notice of their sections is published, the documents are issued:
  the criteria record is frozen as version 1 with its SM3 and the files' digests; the instant is the
  documents' first issue, the anchor of the bid period.
* `documents_obtain`: a verified bidder organisation obtains them online, free unless the notice states a
  fee (recorded, never collected by the centre: 12.1.4); no local registration, branch office, legal
  representative in person or original certificate is asked (11.2.6, 11.2.7). Who obtained them is
  secret until each section's opening (docs/secrecy.md `document_holders`): the event is for the
  supervisors, one per section, embargoed on its opening.
* `question_ask`: a holder asks before the bid deadline; the asker is known to no one but the
  supervisors (`askers`).
* `clarification_issue`: the initiator or its agent answers (naming no asker) or amends; a changed
  criteria record is a new version with its diff; a clarification that may affect bids and comes less
  than 15 days before the deadline moves it (`notices.services.deadlines.clarification_postpone`, with the
  custodians' signed notice); every holder is told in the inbox and by SMS.

A refusal raises `DomainError` before anything is written; another's tender project or documents is the
same not-found error as a missing one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from ggzy.calendar.calc import SHANGHAI
from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.states import advance, require
from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.embargo import Embargo
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.notices.services.deadlines import clarification_postpone
from ggzy.notices.services.objections import tell
from ggzy.registry.models import Section, TenderProject
from ggzy.sealing import selectors as sealing_selectors
from ggzy.tendering import criteria as criteria_rules
from ggzy.tendering import parties, selectors
from ggzy.tendering.errors import TenderingError
from ggzy.tendering.event_types import TenderingEvents
from ggzy.tendering.messages import CLARIFICATION
from ggzy.tendering.models import (
    Clarification,
    DocumentsHolder,
    DocumentsState,
    DocumentsVersion,
    Question,
    QuestionState,
    TenderDocuments,
)
from ggzy.tendering.states import DOCUMENTS_TRANSITIONS

TITLE_MAX = 200
TEXT_MAX = 5000


@dataclass(frozen=True)
class _Scope:
    project: str
    centre: str
    region: str
    category: str


def _scope(tender_project: TenderProject) -> _Scope:
    project = tender_project.project
    return _Scope(project.code, project.centre.code, project.region, str(project.category_id))


def _event(type_: EventType, documents: TenderDocuments, actor: Actor | None, data: JSONDict) -> Event:
    scope = _scope(documents.tender_project)
    return event_record(
        type=type_,
        actor=actor,
        organisation=documents.tender_project.project.initiator.uscc,
        data={"documents": str(documents.uid), "tender_project": documents.tender_project.code, **data},
        project=scope.project,
        centre=scope.centre,
        region=scope.region,
        category=scope.category,
    )


def _per_section(
    type_: EventType, documents: TenderDocuments, actor: Actor | None, data: JSONDict
) -> list[Event]:
    """One event per section the documents cover, each embargoed on that section's opening."""
    # recorded here, not through `parties.section_event`: the catalogue's test reads the recorders of each
    # module, so the types this module records stand in its own call
    scope = _scope(documents.tender_project)
    return [
        event_record(
            type=type_,
            actor=actor,
            section=section.code,
            data={"documents": str(documents.uid), "section": section.code, **data},
            embargo=Embargo("section.opening", section.code),
            project=scope.project,
            centre=scope.centre,
            region=scope.region,
            category=scope.category,
        )
        for section in selectors.sections_of(documents)
    ]


def _party_or_not_found(actor: Actor, tender_project: TenderProject) -> None:
    if not selectors.acts_for(actor, tender_project):
        raise DomainError(CoreError.NOT_FOUND)


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise DomainError(TenderingError.TITLE_MISSING)
    return title


def _text(text: str) -> str:
    text = (text or "").strip()
    if not text or len(text) > TEXT_MAX:
        raise DomainError(TenderingError.TEXT_INVALID)
    return text


def _sections(tender_project: TenderProject, codes: Iterable[str]) -> list[Section]:
    codes = list(codes)
    every = list(tender_project.sections.order_by("code"))
    if not codes:
        return every
    chosen = [s for s in every if s.code in codes]
    if len(chosen) != len(set(codes)):
        raise DomainError(TenderingError.SECTION_INVALID)
    return chosen


def _locked(documents: TenderDocuments) -> TenderDocuments:
    return (
        TenderDocuments.objects.select_for_update()
        .select_related("tender_project__project__centre", "tender_project__project__initiator")
        .get(pk=documents.pk)
    )


@transaction.atomic
def documents_draft(
    *,
    actor: Actor,
    tender_project: TenderProject,
    title: str,
    criteria: Mapping[str, object],
    sections: Iterable[str] = (),
    fee_fen: int = 0,
) -> TenderDocuments:
    """Draft the documents of a tender project one acts for (initiator or agent)."""
    _party_or_not_found(actor, tender_project)
    chosen = _sections(tender_project, sections)
    record = criteria_rules.checked(dict(criteria), chosen)
    if isinstance(fee_fen, bool) or not isinstance(fee_fen, int) or fee_fen < 0:
        raise DomainError(TenderingError.FEE_INVALID)
    documents = TenderDocuments.objects.create(
        tender_project=tender_project,
        title=_title(title),
        criteria=record,
        fee_fen=fee_fen,
        drafted_by=actor,
        drafted_at=clock.now(),
    )
    documents.sections.set(chosen)
    _event(TenderingEvents.DRAFTED, documents, actor, {"title": documents.title})
    return documents


@transaction.atomic
def documents_edit(
    *,
    actor: Actor,
    documents: TenderDocuments,
    title: str | None = None,
    criteria: Mapping[str, object] | None = None,
) -> TenderDocuments:
    """Change a draft (an issued version changes only by `clarification_issue`)."""
    documents = _locked(documents)
    _party_or_not_found(actor, documents.tender_project)
    require(documents, DOCUMENTS_TRANSITIONS, "edit", error=TenderingError.STATE)
    if title is not None:
        documents.title = _title(title)
    if criteria is not None:
        documents.criteria = criteria_rules.checked(dict(criteria), selectors.sections_of(documents))
    documents.save(update_fields=["title", "criteria"])
    _event(TenderingEvents.DRAFTED, documents, actor, {"title": documents.title, "edited": True})
    return documents


@transaction.atomic
def documents_issue(*, actor: Actor, documents: TenderDocuments) -> TenderDocuments:
    """Issue the documents: version 1 frozen with the SM3 of its criteria record, from now on."""
    documents = _locked(documents)
    _party_or_not_found(actor, documents.tender_project)
    require(documents, DOCUMENTS_TRANSITIONS, "issue", error=TenderingError.STATE)
    sections = selectors.sections_of(documents)
    if not selectors.announced(documents.tender_project, sections):
        raise DomainError(TenderingError.NO_NOTICE)
    parties.enough_invited(documents)
    record = criteria_rules.checked(documents.criteria, sections)
    now = clock.now()
    version = _version(documents, record, actor, now, diff=[])
    advance(
        documents, DOCUMENTS_TRANSITIONS, "issue", error=TenderingError.STATE,
        issued_at=now, version=version.number,
    )  # fmt: skip
    _event(TenderingEvents.ISSUED, documents, actor, {"version": 1, "criteria_sm3": version.criteria_sm3})
    return documents


def _version(
    documents: TenderDocuments, record: JSONDict, actor: Actor, now: dt.datetime, *, diff: list[object]
) -> DocumentsVersion:
    files = sorted([f.file_name, f.blob.sm3, f.blob.size] for f in documents.files.select_related("blob"))
    return DocumentsVersion.objects.create(
        documents=documents,
        number=documents.version + 1,
        criteria=record,
        criteria_sm3=criteria_rules.digest(record),
        files=files,
        diff=diff,
        created_by=actor,
        created_at=now,
    )


def _bidder_organisation(actor: Actor, organisation_id: int | None) -> int:
    """The verified bidder organisation `actor` acts for here."""
    organisations = selectors.bidder_organisations(actor)
    if not organisations or (organisation_id is not None and organisation_id not in organisations):
        raise DomainError(TenderingError.NOT_A_BIDDER)
    return organisation_id if organisation_id is not None else organisations[0]


def _open(documents: TenderDocuments, now: dt.datetime) -> None:
    """Issued, and some section it covers still before its bid deadline (a section with no window yet is
    open: its deadline is not set)."""
    if documents.state != DocumentsState.ISSUED:
        raise DomainError(CoreError.NOT_FOUND)  # a draft is not there for bidders
    windows = [sealing_selectors.window_of(s) for s in selectors.sections_of(documents)]
    if windows and all(w is not None and now >= w.deadline for w in windows):
        raise DomainError(TenderingError.CLOSED)


@transaction.atomic
def documents_obtain(
    *, actor: Actor, documents: TenderDocuments, organisation_id: int | None = None
) -> DocumentsHolder:
    """Obtain the issued documents for one's bidder organisation: once (again: the same holding)."""
    organisation = _bidder_organisation(actor, organisation_id)
    documents = _locked(documents)
    now = clock.now()
    _open(documents, now)
    parties.invited_check(documents, organisation)
    held = DocumentsHolder.objects.filter(documents=documents, organisation_id=organisation).first()
    if held is not None:
        return held
    holder = DocumentsHolder.objects.create(
        documents=documents, organisation_id=organisation, obtained_by=actor, obtained_at=now,
        version=documents.version,
    )  # fmt: skip
    _per_section(TenderingEvents.OBTAINED, documents, actor, {"holder": str(holder.uid)})
    return holder


@transaction.atomic
def question_ask(
    *, actor: Actor, documents: TenderDocuments, text: str, organisation_id: int | None = None
) -> Question:
    """A holder asks about the documents before the bid deadline."""
    organisation = _bidder_organisation(actor, organisation_id)
    documents = _locked(documents)
    now = clock.now()
    _open(documents, now)
    if not DocumentsHolder.objects.filter(documents=documents, organisation_id=organisation).exists():
        raise DomainError(TenderingError.NOT_HOLDER)
    question = Question.objects.create(
        documents=documents, organisation_id=organisation, asked_by=actor, asked_at=now, text=_text(text)
    )
    _per_section(TenderingEvents.QUESTION_ASKED, documents, actor, {"question": str(question.uid)})
    return question


@transaction.atomic
def clarification_issue(
    *,
    actor: Actor,
    documents: TenderDocuments,
    text: str,
    criteria: Mapping[str, object] | None = None,
    answers: Iterable[Question] = (),
    affects_bids: bool = False,
) -> Clarification:
    """Clarify or amend issued documents before the bid deadline, to every holder, naming no asker."""
    documents = _locked(documents)
    _party_or_not_found(actor, documents.tender_project)
    require(documents, DOCUMENTS_TRANSITIONS, "clarify", error=TenderingError.STATE)
    now = clock.now()
    _open(documents, now)
    sections = selectors.sections_of(documents)
    version = None
    if criteria is not None:
        record = criteria_rules.checked(dict(criteria), sections)
        changes = criteria_rules.changes(documents.criteria, record)
        if changes:
            version = _version(documents, record, actor, now, diff=changes)
            documents.criteria, documents.version = record, version.number
            documents.save(update_fields=["criteria", "version"])
            affects_bids = True  # a changed criteria record changes what a bid must be
    answered = [q for q in answers if q.documents_id == documents.pk and q.state == QuestionState.ASKED]
    moved = (
        clarification_postpone(
            actor=actor, tender_project=documents.tender_project, sections=sections, now=now
        )
        if affects_bids
        else None
    )
    clarification = Clarification.objects.create(
        documents=documents, text=_text(text), version=version, affects_bids=affects_bids,
        moved=_as_text(moved), issued_by=actor, issued_at=now,
    )  # fmt: skip
    Question.objects.filter(pk__in=[q.pk for q in answered]).update(
        state=QuestionState.ANSWERED, clarification=clarification
    )
    data: JSONDict = {
        "clarification": str(clarification.uid),
        "version": documents.version,
        "answers": len(answered),
        "moved": moved or {},
    }
    _event(TenderingEvents.CLARIFIED, documents, actor, data)
    _tell_holders(documents, clarification, sections, moved)
    return clarification


def _as_text(moved: JSONDict | None) -> JSONDict:
    """The moved deadlines as stored (instants as ISO 8601 text)."""
    return {
        code: {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in move.items()}
        for code, move in (moved or {}).items()
        if isinstance(move, Mapping)
    }


def _tell_holders(
    documents: TenderDocuments, clarification: Clarification, sections: list[Section], moved: JSONDict | None
) -> None:
    """Every holder's members in the inbox and by SMS, under an event per section embargoed on its
    opening — recorded whether anyone holds the documents or not, so the log's size says nothing."""
    deadline = ""
    if moved:
        first = next(iter(moved.values()))
        to = first.get("to") if isinstance(first, Mapping) else None
        deadline = f"{to.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if isinstance(to, dt.datetime) else ""
    context = {"title": documents.title, "text": clarification.text, "deadline": deadline}
    events = _per_section(
        TenderingEvents.HOLDERS_TOLD, documents, None, {"clarification": str(clarification.uid)}
    )
    users = list(get_user_model().objects.filter(pk__in=selectors.holding_users(documents)).order_by("pk"))
    if events:
        tell(template=CLARIFICATION.key, users=users, context=context, event=events[0])
