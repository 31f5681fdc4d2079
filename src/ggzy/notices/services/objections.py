"""Objections (异议), challenges (质疑) and inquiries (询问): one service, each stage with its anchor, its
window, its answer limit and its effect (standard 6.4.3, 6.5.8).

The table `STAGES` says, for each (kind, stage):

* **sector**: engineering objections (招标投标法实施条例 §22, §44, §54) or procurement challenges and
  inquiries (政府采购法 §51–§53, 政府采购法实施条例 §52–§54);
* **window**: the rule of the calendar's rule table bounding the filing and the anchor it counts from —
  the section's bid deadline (documents: ≥ 10 days before it, §22), the prequalification application
  deadline (≥ 2 days before it), the candidates' publicity (during it, §54), the end of the procurement
  notice's period (documents: within 7 working days of it, 实施条例 §53(一)), the opening (the process:
  within 7 working days of the end of that stage, §53(二)), the **end of the result announcement**
  (within 7 working days of it, §53(三)); an opening objection is raised during the opening (§44);
  an inquiry has no window;
* **who** may file: any verified bidder organisation (a potential bidder or supplier) for the documents
  and inquiries — the document download arrives with the documents issue, which narrows documents
  challenges to the holders of the documents [94号令 §11, verify] — and only organisations holding a
  bid for the section for the opening, the candidates, the process and the result;
* **answer**: within 3 days (§22, §54), 7 working days (政府采购法 §53), 3 working days (询问, 实施条例
  §52); on the spot at the opening (§44: the opening hall calls this service);
* **effect**: an engineering objection to the documents or the candidates pauses the procedure until it
  is answered (§22, §54: opening, evaluation, award and contract are refused); a challenge to the
  process or the result suspends contract signing only (实施条例 §54); the others pause nothing.

An answer that changes the documents is a clarification: the bid deadline moves so that at least 15
days remain (§21; 实施条例 §31 for procurement) through `sealing.window_set`, which sends the custodians
the signed postponement they honour, and a correction notice is drafted for the initiator to publish.
Unanswered after its limit, or answered and disputed, an objection can be carried on as a complaint to
the supervising department (§60: within 10 days; 政府采购法 §55: within 15 working days of the end of
the answer period), routed by the project's region and category; handling it is the supervision work.

Who objected is known to the filer and to the initiator and agent who must answer (pages read the
objection through `selectors.access_objection`); the events name the filer only as their actor, and an
objection before the opening is embargoed on the section's opening, so that no one — staff and other
bidders included — learns from it who is taking part."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.policy import phone_on_record
from ggzy.calendar import calc
from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.roles import Role
from ggzy.core.states import advance
from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.embargo import Embargo
from ggzy.events.models import Event
from ggzy.events.notifications import Recipient, notify
from ggzy.events.services import event_record
from ggzy.events.states import DeliveryChannel
from ggzy.notices import selectors
from ggzy.notices.errors import NoticesError
from ggzy.notices.event_types import NoticesEvents
from ggzy.notices.models import (
    Notice,
    NoticeType,
    Objection,
    ObjectionKind,
    ObjectionStage,
    ObjectionState,
)
from ggzy.notices.services.deadlines import clarification_postpone
from ggzy.notices.services.notices import TITLE_MAX, notice_draft
from ggzy.notices.states import OBJECTION_TRANSITIONS
from ggzy.registry import selectors as registry_selectors
from ggzy.registry import services as registry
from ggzy.registry.models import PauseBasis, PauseStep, Section, TenderProject
from ggzy.sealing import selectors as sealing_selectors

ENGINEERING, PROCUREMENT = "engineering", "procurement"
TEXT_MAX = 5000
ALL_STEPS = tuple(PauseStep.values)


class Anchor:
    """How a stage's window is anchored (`_anchor`)."""

    BID_DEADLINE = "bid_deadline"
    APPLICATION_DEADLINE = "application_deadline"
    PUBLICITY = "publicity"
    NOTICE_PERIOD_END = "notice_period_end"
    OPENING = "opening"
    OPENING_DAY = "opening_day"
    RESULT_END = "result_announcement_end"
    NONE = ""


@dataclass(frozen=True)
class Stage:
    sector: str
    window_rule: str  # the rule table's row bounding the filing ("" = none)
    anchor: str  # an `Anchor`
    answer_rule: str  # the row bounding the answer ("" = on the spot)
    took_part: bool  # only organisations holding a bid for the section may file
    pauses: tuple[str, ...]  # the steps refused until the answer
    notice_types: frozenset[NoticeType]  # the notices it is raised against
    basis: str


OBJ, CHAL, INQ = ObjectionKind.OBJECTION, ObjectionKind.CHALLENGE, ObjectionKind.INQUIRY
S = ObjectionStage
TENDERING = frozenset({NoticeType.TENDER, NoticeType.INVITATION})
BUYING = frozenset({NoticeType.PROCUREMENT})
RESULTS = frozenset({NoticeType.AWARD, NoticeType.DEAL})
SSL, GPL, GPR = "招标投标法实施条例", "政府采购法", "政府采购法实施条例"

STAGES: dict[tuple[ObjectionKind, ObjectionStage], Stage] = {
    (OBJ, S.DOCUMENTS): Stage(
        ENGINEERING, "tender-objection-docs", Anchor.BID_DEADLINE, "objection-answer", False, ALL_STEPS,
        TENDERING, f"{SSL} §22",
    ),
    (OBJ, S.PREQUALIFICATION): Stage(
        ENGINEERING, "prequal-objection-docs", Anchor.APPLICATION_DEADLINE, "objection-answer", False,
        ALL_STEPS, frozenset({NoticeType.PREQUALIFICATION}), f"{SSL} §22",
    ),
    (OBJ, S.OPENING): Stage(
        ENGINEERING, "", Anchor.OPENING_DAY, "", True, (), TENDERING, f"{SSL} §44",
    ),
    (OBJ, S.CANDIDATES): Stage(
        ENGINEERING, "candidate-publicity", Anchor.PUBLICITY, "objection-answer", True, ALL_STEPS,
        frozenset({NoticeType.CANDIDATES}), f"{SSL} §54",
    ),
    (CHAL, S.DOCUMENTS): Stage(
        PROCUREMENT, "procurement-challenge-documents", Anchor.NOTICE_PERIOD_END,
        "procurement-challenge-answer", False, (), BUYING, f"{GPL} §52；{GPR} §53（一）",
    ),
    (CHAL, S.PROCESS): Stage(
        PROCUREMENT, "procurement-challenge-process", Anchor.OPENING, "procurement-challenge-answer", True,
        (PauseStep.CONTRACT,), BUYING, f"{GPL} §52；{GPR} §53（二）、§54",
    ),
    (CHAL, S.RESULT): Stage(
        PROCUREMENT, "procurement-challenge", Anchor.RESULT_END, "procurement-challenge-answer", True,
        (PauseStep.CONTRACT,), RESULTS, f"{GPL} §52；{GPR} §53（三）、§54",
    ),
    (INQ, S.ANY): Stage(
        PROCUREMENT, "", Anchor.NONE, "procurement-inquiry-answer", False, (),
        frozenset({NoticeType.PROCUREMENT, NoticeType.AWARD, NoticeType.DEAL, NoticeType.SINGLE_SOURCE}),
        f"{GPL} §51；{GPR} §52",
    ),
}  # fmt: skip

#: The rows bounding a complaint to the supervising department (§60; 政府采购法 §55).
COMPLAINT_RULE = {ENGINEERING: "complaint-filing", PROCUREMENT: "procurement-complaint"}


def full_name(tender_project: TenderProject) -> str:
    """A tender project as notices name it: its project's name, then its own."""
    return f"{tender_project.project.name}{tender_project.name}"


def sector_of(tender_project: TenderProject) -> str:
    return str(tender_project.project.category_id)


def stages_for(notice: Notice) -> list[tuple[ObjectionKind, ObjectionStage]]:
    """The (kind, stage) pairs one may raise against a published notice, in the table's order."""
    sector = sector_of(notice.tender_project)
    return [
        key for key, stage in STAGES.items() if stage.sector == sector and notice.type in stage.notice_types
    ]


def _stage(kind: str, stage: str) -> Stage:
    try:
        return STAGES[(ObjectionKind(kind), ObjectionStage(stage))]
    except (ValueError, KeyError) as exc:
        raise DomainError(NoticesError.OBJECTION_STAGE, detail={"kind": kind, "stage": stage}) from exc


def _at(instant: dt.datetime) -> str:
    """An instant as people read it; a day's end is "that day 24:00"."""
    return calc.local_text(calc.LegalBound("", "latest", "act", instant, calc.day_of(instant), False, ""))


def _too_early(earliest: dt.datetime) -> DomainError:
    return DomainError(
        NoticesError.OBJECTION_WINDOW,
        gettext("It cannot be raised yet: from %(at)s on.") % {"at": _at(earliest)},
        detail={"earliest": earliest.isoformat()},
    )


def _too_late(latest: dt.datetime, rule_code: str, basis: str) -> DomainError:
    rule = calc.rule_get(rule_code) if rule_code else None
    return DomainError(
        NoticesError.OBJECTION_WINDOW,
        gettext("%(rule)s (%(basis)s): the last time to raise it was %(at)s.")
        % {"rule": rule.name if rule else gettext("During the opening"), "basis": basis, "at": _at(latest)},
        detail={"rule": rule_code, "latest": latest.isoformat(), "legal_basis": basis},
    )


def _result_end(notice: Notice, centre: str) -> dt.datetime:
    """The end of a result announcement: its period (1 working day, 87号令 §69 [verify]) from publication."""
    assert notice.publish_at is not None  # noqa: S101
    return calc.earliest_legal("procurement-result-notice", anchor_at=notice.publish_at, centre=centre).at


def window_of(  # noqa: PLR0911  (one return per anchor of the table)
    stage: Stage, notice: Notice, section: Section | None, centre: str
) -> tuple[dt.datetime | None, dt.datetime | None, dt.datetime | None]:
    """(anchor instant, earliest filing, latest filing) of a stage against a notice ("None": unbounded)."""
    assert notice.publish_at is not None  # noqa: S101
    window = sealing_selectors.window_of(section) if section is not None else None
    if stage.anchor in {Anchor.BID_DEADLINE, Anchor.OPENING, Anchor.OPENING_DAY} and window is None:
        raise DomainError(NoticesError.OBJECTION_NO_DEADLINE)
    if stage.anchor == Anchor.BID_DEADLINE:
        assert window is not None  # noqa: S101
        latest = calc.latest_legal(stage.window_rule, anchor_at=window.deadline, centre=centre)
        return window.deadline, notice.publish_at, latest.at
    if stage.anchor == Anchor.APPLICATION_DEADLINE:
        deadline = dt.datetime.fromisoformat(str(notice.content["application_deadline"]))
        latest = calc.latest_legal(stage.window_rule, anchor_at=deadline, centre=centre)
        return deadline, notice.publish_at, latest.at
    if stage.anchor == Anchor.PUBLICITY:  # during the publicity: from publication to its end
        publicity_end = calc.earliest_legal(stage.window_rule, anchor_at=notice.publish_at, centre=centre)
        return notice.publish_at, notice.publish_at, publicity_end.at
    if stage.anchor == Anchor.NOTICE_PERIOD_END:
        end = calc.earliest_legal("procurement-notice", anchor_at=notice.publish_at, centre=centre).at
        latest = calc.latest_legal(stage.window_rule, anchor_at=end, centre=centre)
        return end, notice.publish_at, latest.at
    if stage.anchor == Anchor.OPENING:  # the process up to the opening: from the opening on
        assert window is not None  # noqa: S101
        latest = calc.latest_legal(stage.window_rule, anchor_at=window.opening_at, centre=centre)
        return window.opening_at, window.opening_at, latest.at
    if stage.anchor == Anchor.OPENING_DAY:  # §44: at the opening, answered on the spot
        assert window is not None  # noqa: S101
        day_end = dt.datetime.combine(
            calc.day_of(window.opening_at) + dt.timedelta(days=1), dt.time(0), calc.SHANGHAI
        )
        return window.opening_at, window.opening_at, day_end
    if stage.anchor == Anchor.RESULT_END:  # from the announcement to 7 working days after its end
        end = _result_end(notice, centre)
        latest = calc.latest_legal(stage.window_rule, anchor_at=end, centre=centre)
        return end, notice.publish_at, latest.at
    return None, notice.publish_at, None


def _check_window(
    stage: Stage, notice: Notice, section: Section | None, centre: str, now: dt.datetime
) -> dt.datetime | None:
    anchor_at, earliest, latest = window_of(stage, notice, section, centre)
    if earliest is not None and now < earliest:
        raise _too_early(earliest)
    if latest is not None and now > latest:
        basis = calc.rule_get(stage.window_rule).legal_basis if stage.window_rule else stage.basis
        raise _too_late(latest, stage.window_rule, basis)
    return anchor_at


def _filer(actor: Actor, organisation_id: int | None) -> int:
    """The bidder organisation `actor` files for (a verified bidder organisation it belongs to)."""
    organisations = list(
        registry_selectors.organisations_with_role(user=actor, role=Role.RESPONDER).values_list(
            "pk", flat=True
        )
    )
    if not organisations or (organisation_id is not None and organisation_id not in organisations):
        raise DomainError(NoticesError.OBJECTION_NOT_ALLOWED)
    return organisation_id if organisation_id is not None else organisations[0]


def _text(text: str, code: NoticesError) -> str:
    text = (text or "").strip()
    if not text or len(text) > TEXT_MAX:
        raise DomainError(code)
    return text


def _event(
    type_: EventType, objection: Objection, actor: Actor | None, data: JSONDict, *, embargoed: bool
) -> Event:
    project = objection.tender_project.project
    return event_record(
        type=type_,
        actor=actor,
        project=project.code,
        centre=project.centre.code,
        region=project.region,
        category=project.category_id,
        organisation=project.initiator.uscc,
        data={
            "objection": str(objection.uid),
            "kind": objection.kind,
            "stage": objection.stage,
            "section": objection.section.code if objection.section else "",
            **data,
        },
        embargo=Embargo("section.opening", objection.section.code)
        if embargoed and objection.section
        else None,
    )


def _before_opening(objection: Objection) -> bool:
    """Whether the objection is raised before its section's opening (its events are embargoed on it)."""
    if objection.section is None:
        return False
    window = sealing_selectors.window_of(objection.section)
    return window is not None and objection.filed_at < window.opening_at


def _parties(tender_project: TenderProject) -> list[Actor]:
    """The members of the initiator and the agent: who must answer."""
    project = tender_project.project
    users: dict[int, Actor] = {}
    for organisation in (project.initiator, project.agent):
        if organisation is not None:
            for member in organisation.members.select_related("user"):
                users[member.user.pk] = member.user
    return [u for _pk, u in sorted(users.items())]


def tell(*, template: str, users: list[Actor], context: JSONDict, event: Event) -> None:
    """Each user in the inbox, and by SMS those with a phone on record (under the event's embargo)."""
    if not users:
        return
    notify(template=template, recipients=[Recipient(user=u) for u in users], context=context, event=event)
    phones = [Recipient(user=u, phone=phone) for u in users if (phone := phone_on_record(u))]
    if phones:
        notify(
            template=template, recipients=phones, context=context, channels=[DeliveryChannel.SMS], event=event
        )


@transaction.atomic
def objection_file(
    *,
    actor: Actor,
    notice: Notice,
    kind: str,
    stage: str,
    text: str,
    section: Section | None = None,
    organisation_id: int | None = None,
) -> Objection:
    """File an objection, challenge or inquiry against a published notice, in its stage's window."""
    now = clock.now()
    notice = Notice.objects.select_related(
        "tender_project__project__centre", "tender_project__project__initiator"
    ).get(pk=notice.pk)
    if not selectors.is_published(notice, now):
        raise DomainError(CoreError.NOT_FOUND)  # before its instant a notice answers as a missing one
    rules = _stage(kind, stage)
    tender_project = notice.tender_project
    if rules.sector != sector_of(tender_project) or notice.type not in rules.notice_types:
        raise DomainError(NoticesError.OBJECTION_STAGE, detail={"kind": kind, "stage": stage})
    sections = list(notice.sections.all()) or list(tender_project.sections.all())
    if section is not None and section.pk not in {s.pk for s in sections}:
        raise DomainError(NoticesError.SECTION_INVALID)
    if section is None and rules.anchor in {Anchor.BID_DEADLINE, Anchor.OPENING, Anchor.OPENING_DAY}:
        if len(sections) != 1:
            raise DomainError(NoticesError.OBJECTION_SECTION_REQUIRED)
        section = sections[0]
    organisation = _filer(actor, organisation_id)
    if rules.took_part and not sealing_selectors.took_part(
        organisation_ids=[organisation], sections=[section] if section else sections
    ):
        raise DomainError(NoticesError.OBJECTION_NOT_ALLOWED)
    body = _text(text, NoticesError.OBJECTION_TEXT)
    centre = tender_project.project.centre.code
    anchor_at = _check_window(rules, notice, section, centre, now)
    due = calc.latest_legal(rules.answer_rule, anchor_at=now, centre=centre).at if rules.answer_rule else now
    objection = Objection.objects.create(
        kind=kind,
        stage=stage,
        tender_project=tender_project,
        section=section,
        notice=notice,
        organisation_id=organisation,
        filed_by=actor,
        filed_at=now,
        text=body,
        anchor_at=anchor_at,
        window_rule=rules.window_rule,
        answer_rule=rules.answer_rule,
        answer_due_at=due,
    )
    embargoed = _before_opening(objection)
    event = _event(
        NoticesEvents.OBJECTION_FILED, objection, actor,
        {"answer_due_at": due, "basis": rules.basis}, embargoed=embargoed,
    )  # fmt: skip
    if rules.pauses:
        objection.pause = registry.pause_start(
            actor=None,  # the rule pauses, not the filer: the public pause names no objector
            tender_project=tender_project,
            basis=PauseBasis.OBJECTION if kind == ObjectionKind.OBJECTION else PauseBasis.CHALLENGE,
            reason=gettext("%(kind)s against %(stage)s awaiting its answer (%(basis)s).")
            % {
                "kind": objection.get_kind_display(),
                "stage": objection.get_stage_display(),
                "basis": rules.basis,
            },
            steps=rules.pauses,
            sections=[section] if section is not None else (),
            cause=f"notices.objection:{objection.uid}",
        )
        objection.save(update_fields=["pause"])
    tell(
        template="notices.objection_filed",
        users=_parties(tender_project),
        context={
            "kind": objection.get_kind_display(),
            "stage": objection.get_stage_display(),
            "name": full_name(tender_project),
            "tender_project": tender_project.code,
            "due": _at(due),
        },
        event=event,
    )
    return objection


def _locked(objection: Objection) -> Objection:
    return (
        Objection.objects.select_for_update(of=("self",))
        .select_related(
            "tender_project__project__centre",
            "tender_project__project__initiator",
            "section",
            "pause",
            "notice",
        )
        .get(pk=objection.pk)
    )


def _postpone(objection: Objection, actor: Actor, now: dt.datetime) -> JSONDict | None:
    """An answer changing the documents is a clarification: the bid deadline moves so that the rule's
    days remain (never earlier), with the custodians' signed notice (`deadlines.clarification_postpone`)."""
    sections = (
        [objection.section]
        if objection.section is not None
        else list(objection.notice.sections.all() if objection.notice else [])
        or list(objection.tender_project.sections.all())
    )
    return clarification_postpone(
        actor=actor, tender_project=objection.tender_project, sections=sections, now=now
    )


def _correction_draft(objection: Objection, actor: Actor, moved: JSONDict | None) -> Notice | None:
    """The correction notice the changed documents call for, drafted for the initiator to publish."""
    original = objection.notice
    if original is None or original.type in {NoticeType.CORRECTION, NoticeType.TERMINATION}:
        return None
    changes = gettext("The documents change in answer to an objection: %(answer)s") % {
        "answer": objection.answer
    }
    for code, move in (moved or {}).items():
        assert isinstance(move, Mapping)  # noqa: S101
        changes += gettext(" Section %(section)s: the bid deadline moves to %(to)s.") % {
            "section": code,
            "to": _at(move["to"]),
        }
    contacts = str(original.content.get("contacts") or gettext("See the original notice."))
    return notice_draft(
        actor=actor,
        tender_project=objection.tender_project,
        notice_type=NoticeType.CORRECTION,
        title=(gettext("Correction: %(title)s") % {"title": original.title})[:TITLE_MAX],
        content={"changes": changes, "contacts": contacts},
        sections=[s.code for s in original.sections.all()],
        corrects=original,
    )


@transaction.atomic
def objection_answer(
    *, actor: Actor, objection: Objection, answer: str, changes_documents: bool = False
) -> Objection:
    """The initiator or its agent answers; the pause it put in force ends; an answer changing the
    documents moves the deadline by the clarification rule and drafts the correction notice."""
    objection = _locked(objection)
    if not selectors.is_party(actor, objection.tender_project):
        raise DomainError(CoreError.NOT_FOUND)
    text = _text(answer, NoticesError.ANSWER_TEXT)
    if changes_documents and objection.stage not in {
        ObjectionStage.DOCUMENTS,
        ObjectionStage.PREQUALIFICATION,
    }:
        raise DomainError(NoticesError.OBJECTION_STAGE, detail={"changes_documents": True})
    now = clock.now()
    advance(
        objection, OBJECTION_TRANSITIONS, "answer", error=NoticesError.OBJECTION_STATE,
        answer=text, answered_by=actor, answered_at=now, changes_documents=changes_documents,
    )  # fmt: skip
    moved = _postpone(objection, actor, now) if changes_documents else None
    correction = _correction_draft(objection, actor, moved) if changes_documents else None
    event = _event(
        NoticesEvents.OBJECTION_ANSWERED, objection, actor,
        {"late": now > objection.answer_due_at, "changes_documents": changes_documents, "moved": moved,
         "correction": str(correction.uid) if correction else None},
        embargoed=_before_opening(objection),
    )  # fmt: skip
    if objection.pause is not None and objection.pause.state == "active":
        registry.pause_end(actor=actor, pause=objection.pause, reason=gettext("The objection is answered."))
    # the inbox only: an SMS enters the delivery log, which the centre's staff read, and would name the
    # objector to them (docs/secrecy.md: who objected is known to the initiator and agent only)
    notify(
        template="notices.objection_answered",
        recipients=[Recipient(user=objection.filed_by)],
        context={
            "kind": objection.get_kind_display(),
            "name": full_name(objection.tender_project),
            "answer": text,
        },
        event=event,
    )
    return objection


@transaction.atomic
def objection_withdraw(*, actor: Actor, objection: Objection) -> Objection:
    """The filer withdraws an objection not yet answered; the pause it put in force ends."""
    objection = _locked(objection)
    if not selectors.is_filer(actor, objection):  # a member of the filing organisation
        raise DomainError(CoreError.NOT_FOUND)
    advance(objection, OBJECTION_TRANSITIONS, "withdraw", error=NoticesError.OBJECTION_STATE)
    _event(NoticesEvents.OBJECTION_WITHDRAWN, objection, actor, {}, embargoed=_before_opening(objection))
    if objection.pause is not None and objection.pause.state == "active":
        registry.pause_end(actor=None, pause=objection.pause, reason=gettext("The objection is withdrawn."))
    return objection


def complaint_window(objection: Objection) -> tuple[dt.datetime, dt.datetime]:
    """(from, until) the filer may carry the objection on as a complaint: from its answer (disputed) or
    the end of its answer period, whichever comes first; engineering within 10 days of knowing, the
    objection's time not counted (§60: from the answer, or the end of the answer period); procurement
    within 15 working days after the answer period ends (政府采购法 §55)."""
    sector = sector_of(objection.tender_project)
    centre = objection.tender_project.project.centre.code
    due = objection.answer_due_at
    opens = min(objection.answered_at, due) if objection.answered_at is not None else due
    anchor = due if sector == PROCUREMENT or objection.answered_at is None else objection.answered_at
    return opens, calc.latest_legal(COMPLAINT_RULE[sector], anchor_at=anchor, centre=centre).at


@transaction.atomic
def objection_complain(*, actor: Actor, objection: Objection, text: str) -> Objection:
    """The filer carries an answered (disputed) or unanswered objection on to the supervising department:
    recorded and routed by the project's region and category (handled in the supervision work)."""
    objection = _locked(objection)
    if not selectors.is_filer(actor, objection):  # a member of the filing organisation
        raise DomainError(CoreError.NOT_FOUND)
    if objection.complained_at is not None or objection.state == ObjectionState.WITHDRAWN:
        raise DomainError(NoticesError.OBJECTION_STATE)
    if objection.kind == ObjectionKind.INQUIRY:
        raise DomainError(NoticesError.OBJECTION_STAGE, detail={"complaint": "inquiry"})
    now = clock.now()
    opens, latest = complaint_window(objection)
    if now < opens:
        raise _too_early(opens)
    if now > latest:
        rule = calc.rule_get(COMPLAINT_RULE[sector_of(objection.tender_project)])
        raise _too_late(latest, rule.code, rule.legal_basis)
    project = objection.tender_project.project
    objection.complaint = _text(text, NoticesError.OBJECTION_TEXT)
    objection.complained_at = now
    objection.complaint_region, objection.complaint_category = project.region, str(project.category_id)
    objection.save(update_fields=["complaint", "complained_at", "complaint_region", "complaint_category"])
    _event(
        NoticesEvents.COMPLAINT_FILED, objection, actor,
        {"region": project.region, "category": project.category_id}, embargoed=_before_opening(objection),
    )  # fmt: skip
    return objection


#: For pages: a stage's label and its window in words.
STAGE_HELP = {
    (OBJ, S.DOCUMENTS): _(
        "At least 10 days before the bid deadline; answered within 3 days; the procedure pauses meanwhile."
    ),
    (OBJ, S.PREQUALIFICATION): _(
        "At least 2 days before the application deadline; answered within 3 days; the procedure pauses"
        " meanwhile."
    ),
    (OBJ, S.OPENING): _("During the opening; answered on the spot."),
    (OBJ, S.CANDIDATES): _("During the publicity; answered within 3 days; the procedure pauses meanwhile."),
    (CHAL, S.DOCUMENTS): _(
        "Within 7 working days of the end of the notice period; answered within 7 working days."
    ),
    (CHAL, S.PROCESS): _(
        "Within 7 working days of the end of the stage; contract signing is suspended until answered."
    ),
    (CHAL, S.RESULT): _(
        "Within 7 working days of the end of the result announcement; contract signing is suspended until"
        " answered."
    ),
    (INQ, S.ANY): _("Any time; answered within 3 working days."),
}
