"""Who may take part in a section: the invited list of an invitation tender and consortia (standard 6.5.1;
招标投标法 §17, §31; 政府采购法 §34).

* `invitation_send`: the initiator or its agent invites organisations to a tender project whose sections
  are traded by invitation (`registry.methods`: `invited_only`); the documents are issued only once at
  least `min_invited` are invited (3: 招标投标法 §17), and only the invited obtain them
  (`invited_check`, called by `services.documents_obtain`). The invited list is secret before the
  opening (its events are for the supervisors, embargoed on each section's opening).
* `consortium_form`: a verified bidder forms a consortium for a section whose documents accept one, as
  its lead, with the other members and their shares (per mille, adding up to 1,000); an organisation is
  in at most one consortium per section (a database constraint).
* `consortium_conflict`: what the bid submission (issue 28) asks before it takes a bid — a member of a
  consortium bidding alone, or in another consortium, for the same section is refused.

Control relationships between bidders (the same responsible person, 实施条例 §34; 政府采购法实施条例 §18)
need the market-entity library (issue 27); its check will sit beside `consortium_conflict`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction

from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.embargo import Embargo
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.registry import methods
from ggzy.registry.models import Blob, Section, TenderProject
from ggzy.tendering import selectors
from ggzy.tendering.errors import TenderingError
from ggzy.tendering.event_types import TenderingEvents
from ggzy.tendering.models import Consortium, ConsortiumMember, DocumentsHolder, Invitation, TenderDocuments

WHOLE = 1000  # shares are per mille


def invited_only(sections: Iterable[Section]) -> bool:
    return any(methods.rules_of(s.method_id).invited_only for s in sections)


def min_invited(sections: Iterable[Section]) -> int:
    return max((methods.rules_of(s.method_id).min_invited for s in sections), default=0)


def section_event(type_: EventType, section: Section, actor: Actor | None, data: JSONDict) -> Event:
    """One event about a section, embargoed on its opening (who takes part is secret until then): the
    one recorder of the app's per-section events (`services` uses it for holders, questions, the told)."""
    project = section.tender_project.project
    return event_record(
        type=type_,
        actor=actor,
        section=section.code,
        project=project.code,
        centre=project.centre.code,
        region=project.region,
        category=str(project.category_id),
        data={"section": section.code, **data},
        embargo=Embargo("section.opening", section.code),
    )


@transaction.atomic
def invitation_send(
    *, actor: Actor, tender_project: TenderProject, organisation_ids: Sequence[int]
) -> list[Invitation]:
    """Invite organisations (verified bidders) to an invitation tender one acts for; again: no change."""
    if not selectors.acts_for(actor, tender_project):
        raise DomainError(CoreError.NOT_FOUND)
    sections = list(tender_project.sections.order_by("code"))
    if not invited_only(sections):
        raise DomainError(TenderingError.NOT_INVITATION)
    bidders = set(selectors.verified_bidders(organisation_ids))
    if not organisation_ids or bidders != set(organisation_ids):
        raise DomainError(TenderingError.NOT_A_BIDDER)
    made = []
    for organisation in sorted(bidders):
        invitation, created = Invitation.objects.get_or_create(
            tender_project=tender_project,
            organisation_id=organisation,
            defaults={"invited_by": actor, "invited_at": clock.now()},
        )
        made.append(invitation)
        if created:
            for section in sections:
                section_event(TenderingEvents.INVITED, section, actor, {"invitation": str(invitation.uid)})
    return made


def invited_check(documents: TenderDocuments, organisation_id: int) -> None:
    """An invitation tender's documents go to the invited only."""
    if (
        invited_only(selectors.sections_of(documents))
        and not Invitation.objects.filter(
            tender_project=documents.tender_project, organisation_id=organisation_id
        ).exists()
    ):
        raise DomainError(TenderingError.NOT_INVITED)


def enough_invited(documents: TenderDocuments) -> None:
    """Before an invitation tender's documents are issued: at least `min_invited` invited."""
    sections = selectors.sections_of(documents)
    if not invited_only(sections):
        return
    needed = min_invited(sections)
    if Invitation.objects.filter(tender_project=documents.tender_project).count() < needed:
        raise DomainError(TenderingError.TOO_FEW_INVITED, detail={"min": needed})


@transaction.atomic
def consortium_form(
    *,
    actor: Actor,
    section: Section,
    name: str,
    lead_id: int,
    members: Sequence[tuple[int, int, str]],
    agreement: Blob | None = None,
) -> Consortium:
    """Form a consortium for `section`, led by `lead_id` (an organisation `actor` is a verified bidder
    of); `members`: (organisation id, share in ‰, part of the work), the lead among them."""
    if lead_id not in selectors.bidder_organisations(actor):
        raise DomainError(TenderingError.NOT_A_BIDDER)
    documents = selectors.documents_of_section(section)
    if documents is None or not documents.criteria.get(section.code, {}).get("consortium_allowed"):
        raise DomainError(TenderingError.CONSORTIUM_NOT_ALLOWED)
    ids = [m[0] for m in members]
    shares = [m[1] for m in members]
    if (
        len(members) < 2  # noqa: PLR2004
        or lead_id not in ids
        or len(set(ids)) != len(ids)
        or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shares)
        or sum(shares) != WHOLE
    ):
        raise DomainError(TenderingError.CONSORTIUM_SHARES)
    if set(selectors.verified_bidders(ids)) != set(ids):
        raise DomainError(TenderingError.NOT_A_BIDDER)
    name = (name or "").strip()[:200]
    if not name:
        raise DomainError(TenderingError.TITLE_MISSING)
    try:
        with transaction.atomic():
            consortium = Consortium.objects.create(
                section=section, name=name, lead_id=lead_id, agreement=agreement, formed_by=actor,
                formed_at=clock.now(),
            )  # fmt: skip
            ConsortiumMember.objects.bulk_create(
                [
                    ConsortiumMember(
                        consortium=consortium,
                        section=section,
                        organisation_id=org,
                        share_permille=share,
                        work=(work or "").strip()[:200],
                    )
                    for org, share, work in members
                ]
            )
    except IntegrityError as exc:
        raise DomainError(TenderingError.CONSORTIUM_TWICE) from exc
    section_event(
        TenderingEvents.CONSORTIUM_FORMED, section, actor,
        {"consortium": str(consortium.uid), "members": len(members)},
    )  # fmt: skip
    return consortium


def bid_admission(section: Section, organisation_id: int) -> str | None:
    """Who may bid (registered with `sealing.admission`): where the section's documents were issued on
    the platform, only an organisation that obtained them — for an invitation tender only the invited
    could. A consortium bids through its lead, whose header names the lead: whether it bid alone or for
    the consortium is read from the agreement in the opened documents (evaluation), not here."""
    documents = selectors.documents_of_section(section)
    if documents is None:  # no documents issued here (registered before the platform issued them)
        return None
    if not DocumentsHolder.objects.filter(documents=documents, organisation_id=organisation_id).exists():
        return "documents_not_obtained"
    return None


def consortium_conflict(
    *, section: Section, organisation_id: int, consortium: Consortium | None = None
) -> None:
    """Refuse a bid for `section` by `organisation_id` alone (consortium None) when it is a member of a
    consortium there, or by `consortium` when one of its members is also in another one there."""
    if consortium is None:
        if ConsortiumMember.objects.filter(section=section, organisation_id=organisation_id).exists():
            raise DomainError(TenderingError.CONSORTIUM_TWICE)
        return
    members = consortium.members.values_list("organisation_id", flat=True)
    if (
        ConsortiumMember.objects.filter(section=section, organisation_id__in=members)
        .exclude(consortium=consortium)
        .exists()
    ):
        raise DomainError(TenderingError.CONSORTIUM_TWICE)
