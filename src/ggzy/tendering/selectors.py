"""Reads of the tender documents with visibility applied (docs/architecture.md §3f, docs/secrecy.md).

* The initiator and its agent see their tender projects' documents in every state, the questions asked
  (never who asked) and the clarifications — never who holds the documents, nor how many.
* A verified bidder sees issued documents' title and sections (enough to obtain them); their criteria
  record, files and clarifications once its organisation holds them.
* The list of holders and the askers are read only by the services that tell the holders."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from ggzy.accounts.models import Organisation
from ggzy.core.access import is_signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.roles import Role
from ggzy.core.types import Viewer
from ggzy.notices import selectors as notices_selectors
from ggzy.notices.services.deadlines import ANNOUNCING
from ggzy.registry import selectors as registry_selectors
from ggzy.registry.models import Project, Section, TenderProject
from ggzy.tendering.models import (
    ConsortiumMember,
    DocumentsFile,
    DocumentsHolder,
    DocumentsState,
    DocumentsVersion,
    Invitation,
    Question,
    TenderDocuments,
)


def acts_for(viewer: Viewer, tender_project: TenderProject) -> bool:
    """Whether `viewer` is the initiator or its agent for this tender project."""
    return Project.objects.filter(notices_selectors.party_q(viewer), pk=tender_project.project_id).exists()


def sections_of(documents: TenderDocuments) -> list[Section]:
    return list(documents.sections.order_by("code"))


def announced(tender_project: TenderProject, sections: list[Section]) -> bool:
    """Whether a published tender (procurement, invitation) notice announces these sections."""
    published = notices_selectors.correctable(tender_project=tender_project).filter(type__in=ANNOUNCING)
    for notice in published.prefetch_related("sections"):
        named = {s.pk for s in notice.sections.all()}
        if not named or {s.pk for s in sections} <= named:
            return True
    return False


def drafted_for(*, viewer: Viewer) -> QuerySet[TenderDocuments]:
    """The documents of the tender projects `viewer` acts for, newest first."""
    return TenderDocuments.objects.filter(
        notices_selectors.party_q(viewer, prefix="tender_project__project__")
    ).order_by("-drafted_at", "-pk")


def access_drafted_documents(*, viewer: Viewer, uid: uuid.UUID) -> TenderDocuments:
    found = drafted_for(viewer=viewer).filter(uid=uid).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def bidder_organisations(viewer: Viewer) -> list[int]:
    """The verified bidder organisations `viewer` belongs to (ids)."""
    if not is_signed_in(viewer):
        return []
    return list(
        registry_selectors.organisations_with_role(user=viewer, role=Role.RESPONDER).values_list(
            "pk", flat=True
        )
    )


def access_issued_documents(*, viewer: Viewer, uid: uuid.UUID) -> TenderDocuments:
    """Issued documents, for a verified bidder (to obtain them); a draft, or anyone else: not found."""
    if not bidder_organisations(viewer):
        raise DomainError(CoreError.NOT_FOUND)
    found = TenderDocuments.objects.filter(uid=uid, state=DocumentsState.ISSUED).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def holding_of(*, viewer: Viewer, documents: TenderDocuments) -> DocumentsHolder | None:
    """The holding of `viewer`'s bidder organisation, if it obtained the documents (its own only)."""
    organisations = bidder_organisations(viewer)
    return DocumentsHolder.objects.filter(documents=documents, organisation_id__in=organisations).first()


def holding_users(documents: TenderDocuments) -> list[int]:
    """The users of every holder organisation (for the services that tell them; shown to no one)."""
    from ggzy.accounts.models import Membership

    organisations = DocumentsHolder.objects.filter(documents=documents).values_list("organisation_id")
    return list(
        Membership.objects.filter(organisation_id__in=organisations)
        .values_list("user_id", flat=True)
        .distinct()
    )


def verified_bidders(organisation_ids: Iterable[int]) -> list[int]:
    """Those of `organisation_ids` that are verified bidder organisations (holding the bidder role)."""
    from ggzy.accounts.models import RoleGrant

    return list(
        RoleGrant.objects.filter(organisation_id__in=list(organisation_ids), role=Role.RESPONDER)
        .values_list("organisation_id", flat=True)
        .distinct()
    )


def documents_of_section(section: Section) -> TenderDocuments | None:
    """The issued documents covering `section` (the newest, if ever more than one)."""
    return (
        TenderDocuments.objects.filter(sections=section, state=DocumentsState.ISSUED)
        .order_by("-issued_at", "-pk")
        .first()
    )


def questions_of(documents: TenderDocuments) -> QuerySet[Question]:
    """The questions asked about the documents, oldest first — the text, never read with who asked it
    (the pages that show them to the initiator and agent show text and time only)."""
    return Question.objects.filter(documents=documents).order_by("asked_at", "pk")


def my_questions(*, viewer: Viewer, documents: TenderDocuments) -> QuerySet[Question]:
    """The questions `viewer`'s bidder organisations asked about the documents (their own only)."""
    return questions_of(documents).filter(organisation_id__in=bidder_organisations(viewer))


def versions_of(documents: TenderDocuments) -> QuerySet[DocumentsVersion]:
    return DocumentsVersion.objects.filter(documents=documents).order_by("number")


#: The bidder's list shows at most this many documents, newest first.
OBTAINABLE_MAX = 50


def obtainable_for(*, viewer: Viewer) -> list[TenderDocuments]:
    """Issued documents `viewer`'s bidder organisations hold, or may obtain: any of an open procedure, an
    invitation tender's only when invited (whether their deadline has passed is the page's to say),
    newest first, at most `OBTAINABLE_MAX`."""
    organisations = bidder_organisations(viewer)
    if not organisations:
        return []
    invited = Invitation.objects.filter(organisation_id__in=organisations).values("tender_project_id")
    found = (
        TenderDocuments.objects.filter(state=DocumentsState.ISSUED)
        .filter(
            Q(holders__organisation_id__in=organisations)
            | Q(tender_project_id__in=invited)
            | ~Q(sections__method__invited_only=True)
        )
        .select_related("tender_project__project")
        .distinct()
        .order_by("-issued_at", "-pk")
    )
    return list(found[:OBTAINABLE_MAX])


def held_ids(*, viewer: Viewer) -> set[int]:
    """The documents (ids) `viewer`'s bidder organisations hold."""
    return set(
        DocumentsHolder.objects.filter(organisation_id__in=bidder_organisations(viewer)).values_list(
            "documents_id", flat=True
        )
    )


def access_file(*, viewer: Viewer, documents_uid: uuid.UUID, uid: uuid.UUID) -> DocumentsFile:
    """A file of documents `viewer` drafts for (any state) or whose issued version its bidder organisation
    obtained; otherwise (or missing) the not-found error, the same for both."""
    drafted = drafted_for(viewer=viewer).filter(uid=documents_uid)
    held = TenderDocuments.objects.filter(
        uid=documents_uid,
        state=DocumentsState.ISSUED,
        holders__organisation_id__in=bidder_organisations(viewer),
    )
    found = (
        DocumentsFile.objects.select_related("blob")
        .filter(Q(documents__in=drafted) | Q(documents__in=held), uid=uid)
        .first()
    )
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def consortium_members(section: Section, leads: list[int]) -> list[Organisation]:
    """The members of the consortia led by `leads` (organisation ids) in `section`, leads included. No
    visibility applied: for the expert draw's avoidance, after the deadline."""
    members = ConsortiumMember.objects.filter(section=section, consortium__lead_id__in=leads)
    return list(Organisation.objects.filter(pk__in=members.values("organisation")).order_by("pk"))
