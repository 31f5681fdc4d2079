"""Preparing the trade (standard 6.5.1: 交易前做好场所、设施、技术准备，并通知发起方做好准备).

* **What each section needs** (`centre_preparation`): the sections of a centre whose bid deadline or
  opening falls in the coming days, each with its tender documents (issued, which version), the pauses in
  force, the centre's custodian set and how ready it is (what `sealing.watch_custodians` last saw of each
  custodian), the certificates that expire before the deadline — the centre's own (the electronic seal,
  its custodians') and those of the initiator's and the agent's people, **never a bidder's** — and what
  is missing, so the centre's staff see what to chase. Nothing here names or counts bidders, holders of
  the documents or askers (docs/secrecy.md): none of those facts is read. The rooms booked for each
  section come from the app that owns them (`venues`, which sits above this one in the layers and
  provides the hook `ROOMS` as it starts); without one the page says the room comes later.
* **Reminding the parties** (`parties_remind`, the tick job `tendering.remind_parties`): D days before a
  section's opening (`GGZY_OPENING_REMINDER_DAYS`, 3 by default, 1–30: a system check refuses anything
  else) the members of its initiator and of its agent are told, in the inbox and by SMS to the phones on
  record, the opening's time and place and what their side still has to do. Once per section and kind
  (`PreparationReminder`, unique), recorded as an event for the parties; nothing for a section whose
  opening is paused or terminated, or has passed.

Readers: the centre's staff (their centres) and the supervisors (the centres in their jurisdiction, the
sections of their categories). Another centre is the same not-found as a missing one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import Centre, Membership, RoleGrant
from ggzy.accounts.selectors import region_prefix
from ggzy.certs.models import BoundCertificate, CertUsage
from ggzy.certs.seal import get_backend
from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import local_time, person_name
from ggzy.core.hooks import Hook
from ggzy.core.roles import Role
from ggzy.core.types import Actor, Viewer
from ggzy.events.services import event_record
from ggzy.notices import selectors as notices_selectors
from ggzy.notices.services.deadlines import ANNOUNCING
from ggzy.notices.services.objections import tell
from ggzy.registry import selectors as registry_selectors
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Pause, PauseStep, Section
from ggzy.sealing import selectors as sealing_selectors
from ggzy.sealing.models import BidWindow, CustodianWatch
from ggzy.tendering.event_types import TenderingEvents
from ggzy.tendering.models import DocumentsState, PreparationReminder, ReminderKind, TenderDocuments
from ggzy.tendering.preparation_messages import OPENING_REMINDER
from ggzy_sm import custodians, x509

#: The page looks this many days ahead unless asked (`?days=`, 1–60).
DAYS_DEFAULT = 14
DAYS_MIN, DAYS_MAX = 1, 60
#: The parties are reminded this many days before the opening unless `GGZY_OPENING_REMINDER_DAYS` says.
REMINDER_DAYS_DEFAULT = 3
REMINDER_DAYS_MIN, REMINDER_DAYS_MAX = 1, 30
#: A custodian counts as reachable when the watcher's last successful health check of it is this recent
#: (the watcher asks every minute).
SEEN_WITHIN = dt.timedelta(minutes=10)

#: What a section may lack, in the order the page lists it, with the words staff read.
MISSING: dict[str, Promise] = {
    "terminated": _("The procedure is terminated"),
    "paused": _("The opening is paused"),
    "documents": _("Tender documents not issued"),
    "custodians": _("Not enough custodians ready"),
    "custodians_unchecked": _("The custodians' readiness has not been checked yet"),
    "certificates": _("A certificate expires before the deadline"),
}
ROOM_PENDING = _("Room: shown once venue management is available")

#: Who tells the rooms booked for sections: each provider takes the sections and answers, by section id,
#: one line per booking (the room, its purpose, its time, its state). `venues` registers one at start.
RoomProvider = Callable[[Sequence[Section]], dict[int, list[str]]]
ROOMS: Hook[RoomProvider] = Hook("tendering.rooms")


def rooms_of(sections: Sequence[Section]) -> dict[int, list[str]] | None:
    """The rooms booked for `sections` by section id; None when no app provides them."""
    if not ROOMS.providers:
        return None
    found: dict[int, list[str]] = {s.pk: [] for s in sections}
    for provider in ROOMS.providers:
        for pk, lines in provider(sections).items():
            found.setdefault(pk, []).extend(lines)
    return found


# --- what the page shows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustodianState:
    index: int
    name: str
    seen_at: dt.datetime | None  # the watcher's last successful health check; None: never
    reachable: bool


@dataclass(frozen=True)
class Readiness:
    """A centre's custodian set in force and what the watcher knows of it."""

    fingerprint: str
    k: int
    n: int
    custodians: tuple[CustodianState, ...]
    checked: bool  # the watcher has stored a health check of some custodian of this set
    certificates_until: tuple[tuple[str, dt.datetime], ...] = ()  # (custodian, earliest expiry)

    @property
    def reachable(self) -> int:
        return sum(c.reachable for c in self.custodians)

    @property
    def ready(self) -> bool:
        return self.checked and self.reachable >= self.k


@dataclass(frozen=True)
class ExpiringCertificate:
    """A certificate that expires before a section's deadline: the centre's own or a party's person's."""

    whose: str  # "seal", "custodian", "initiator", "agent"
    holder: str
    usage: str
    not_after: dt.datetime

    @property
    def party(self) -> bool:
        return self.whose in {"initiator", "agent"}

    @property
    def whose_label(self) -> Promise:
        return WHOSE[self.whose]


WHOSE: dict[str, Promise] = {
    "seal": _("The centre's electronic seal"),
    "custodian": _("Custodian"),
    "initiator": _("Initiator"),
    "agent": _("Agent"),
}


@dataclass(frozen=True)
class DocumentsStatus:
    state: str  # "issued", "draft" or "none"
    version: int = 0
    title: str = ""

    @property
    def issued(self) -> bool:
        return self.state == DocumentsState.ISSUED


@dataclass(frozen=True)
class SectionPreparation:
    section: Section
    deadline: dt.datetime
    opening_at: dt.datetime
    place: str
    documents: DocumentsStatus
    pauses: tuple[Pause, ...]
    readiness: Readiness | None
    certificates: tuple[ExpiringCertificate, ...]
    missing: tuple[str, ...] = ()

    @property
    def missing_labels(self) -> list[Promise]:
        return [MISSING[code] for code in self.missing]

    @property
    def party_missing(self) -> tuple[str, ...]:
        """What the initiator and its agent can do something about (what their reminder says)."""
        return tuple(
            code
            for code in self.missing
            if code == "documents" or (code == "certificates" and self.party_certificates)
        )

    @property
    def party_certificates(self) -> tuple[ExpiringCertificate, ...]:
        return tuple(c for c in self.certificates if c.party)


# --- who may read, and which centre ----------------------------------------------------------------------


def _supervisor_grants(viewer: Viewer) -> list[tuple[str, str]]:
    if not is_signed_in(viewer):
        return []
    grants = RoleGrant.objects.filter(user=viewer, role=Role.SUPERVISOR, revoked_at__isnull=True)
    return list(grants.values_list("region", "category"))


def preparation_centres(*, viewer: Viewer) -> list[Centre]:
    """The centres whose preparation `viewer` may read: those it is staff of, those in its supervising
    jurisdiction; by code."""
    if not is_signed_in(viewer):
        return []
    found = Q(pk__in=registry_selectors.staff_centres(viewer).values("pk"))
    for region, _category in _supervisor_grants(viewer):
        if not region:  # a jurisdiction of no region: every centre
            return list(Centre.objects.order_by("code"))
        found |= Q(region__startswith=region_prefix(region))
    return list(Centre.objects.filter(found).order_by("code"))


def access_preparation_centre(*, viewer: Viewer, code: str) -> Centre:
    """A centre `viewer` may read the preparation of, by code; another (or none) is not found."""
    found = next((c for c in preparation_centres(viewer=viewer) if c.code == code), None) if code else None
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def chosen_preparation_centre(*, viewer: Viewer, code: str) -> Centre | None:
    """The centre of `code` (not found unless `viewer` may read it), or the first one `viewer` may read."""
    if code:
        return access_preparation_centre(viewer=viewer, code=code)
    return next(iter(preparation_centres(viewer=viewer)), None)


def _sections_q(viewer: Viewer, centre: Centre, prefix: str = "") -> Q:
    """The sections of `centre` `viewer` may read: every one for its staff; for a supervisor those of
    projects in its jurisdiction (and of its category, if the grant names one)."""
    if registry_selectors.is_staff_of(viewer, centre):
        return Q()
    found = Q(pk__in=[])
    project = f"{prefix}tender_project__project__"
    for region, category in _supervisor_grants(viewer):
        if not region and not category:
            return Q()  # a grant of no region and no category covers every section
        mine = Q(**{f"{project}category_id": category}) if category else Q()
        if region:
            mine &= Q(**{f"{project}region__startswith": region_prefix(region)})
        found |= mine
    return found


def days_ahead(raw: str | None) -> tuple[int, bool]:
    """The number of days the page looks ahead, from `?days=`: (days, whether the value was refused)."""
    if raw is None or raw == "":
        return DAYS_DEFAULT, False
    try:
        days = int(raw)
    except ValueError:
        return DAYS_DEFAULT, True
    if not DAYS_MIN <= days <= DAYS_MAX:
        return DAYS_DEFAULT, True
    return days, False


# --- the facts, each read where it lives ------------------------------------------------------------------


def documents_status(section: Section) -> DocumentsStatus:
    """Whether the section's tender documents are issued, and their current version."""
    documents = TenderDocuments.objects.filter(sections=section)
    issued = documents.filter(state=DocumentsState.ISSUED).order_by("-issued_at", "-pk").first()
    if issued is not None:
        return DocumentsStatus(DocumentsState.ISSUED, issued.version, issued.title)
    draft = documents.order_by("-drafted_at", "-pk").first()
    if draft is not None:
        return DocumentsStatus(DocumentsState.DRAFT, 0, draft.title)
    return DocumentsStatus("none")


def opening_place(section: Section) -> str:
    """The opening place the newest published tender (procurement, invitation) notice of the section
    gives, or ""."""
    published = notices_selectors.correctable(tender_project=section.tender_project).filter(
        type__in=ANNOUNCING
    )
    for notice in published.prefetch_related("sections"):
        named = {s.pk for s in notice.sections.all()}
        if named and section.pk not in named:
            continue
        place = notice.content.get("opening_place") if isinstance(notice.content, dict) else None
        if isinstance(place, str) and place.strip():
            return place.strip()
    return ""


def opening_stop(section: Section) -> str:
    """Why the section's opening may not go ahead now ("terminated", "paused"); "" when it may."""
    try:
        registry_selectors.pause_check(
            tender_project=section.tender_project, section=section, step=PauseStep.OPENING
        )
    except DomainError as refusal:
        return "terminated" if refusal.code is RegistryError.TERMINATED else "paused"
    return ""


def custodian_readiness(centre: Centre, now: dt.datetime | None = None) -> Readiness | None:
    """The centre's custodian set in force and, per custodian, the watcher's last successful health check
    (reachable when within `SEEN_WITHIN`); None when the centre has no set."""
    now = now or clock.now()
    stored = sealing_selectors.current_set(centre)
    if stored is None:
        return None
    seen = dict(
        CustodianWatch.objects.filter(set_fingerprint=stored.fingerprint).values_list("custodian", "seen_at")
    )
    try:
        members = custodians.set_verify(stored.signed).custodians
    except custodians.CustodianError:  # as published it verified; say what is stored, not more
        members = ()
    states = tuple(
        CustodianState(
            c.index, c.name, seen.get(c.index), c.index in seen and now - seen[c.index] <= SEEN_WITHIN
        )
        for c in members
    )
    until = tuple((c.name, min(c.signing.not_after, c.encryption.not_after)) for c in members)
    return Readiness(stored.fingerprint, stored.k, stored.n, states, bool(seen), until)


def seal_valid_until() -> dt.datetime | None:
    """When the centre's electronic-seal certificate expires; None when no seal is configured (or its
    certificate cannot be read)."""
    try:
        return x509.Certificate.load(get_backend().certificate()).not_after
    except (DomainError, OSError, ValueError, x509.CertificateError):
        return None


def _party_organisations(section: Section) -> dict[int, str]:
    """{organisation id: "initiator" / "agent"} of the section's project."""
    project = section.tender_project.project
    found = {project.initiator_id: "initiator"}
    if project.agent_id is not None:
        found.setdefault(project.agent_id, "agent")
    return found


def party_certificates(section: Section, before: dt.datetime) -> list[ExpiringCertificate]:
    """The bound certificates of the initiator's and the agent's people that expire before `before`
    (already expired ones too). Only these two organisations' members are read: never a bidder's."""
    organisations = _party_organisations(section)
    whose: dict[int, str] = {}
    for user_id, organisation_id in Membership.objects.filter(
        organisation_id__in=list(organisations)
    ).values_list("user_id", "organisation_id"):
        whose.setdefault(user_id, organisations[organisation_id])
    found = (
        BoundCertificate.objects.filter(
            user_id__in=list(whose), unbound_at__isnull=True, not_after__lt=before
        )
        .select_related("user")
        .order_by("not_after", "pk")
    )
    usages = dict(CertUsage.choices)
    return [
        ExpiringCertificate(
            whose[c.user_id], person_name(c.user), str(usages.get(c.usage, c.usage)), c.not_after
        )
        for c in found
    ]


def centre_certificates(
    readiness: Readiness | None, seal_until: dt.datetime | None, before: dt.datetime
) -> list[ExpiringCertificate]:
    """The centre's own certificates that expire before `before`: its seal's, its custodians'."""
    found = []
    if seal_until is not None and seal_until < before:
        found.append(ExpiringCertificate("seal", str(WHOSE["seal"]), str(_("Seal certificate")), seal_until))
    for name, until in readiness.certificates_until if readiness else ():
        if until < before:
            found.append(ExpiringCertificate("custodian", name, str(_("Custodian certificate")), until))
    return found


def _prepared(
    section: Section,
    window: BidWindow,
    readiness: Readiness | None,
    seal_until: dt.datetime | None,
) -> SectionPreparation:
    documents = documents_status(section)
    pauses = tuple(registry_selectors.pauses_in_force(section.tender_project, section))
    certificates = (
        *centre_certificates(readiness, seal_until, window.deadline),
        *party_certificates(section, window.deadline),
    )
    missing = []
    if stop := opening_stop(section):
        missing.append(stop)
    if not documents.issued:
        missing.append("documents")
    if readiness is None or (readiness.checked and not readiness.ready):
        missing.append("custodians")
    elif not readiness.checked:
        missing.append("custodians_unchecked")
    if certificates:
        missing.append("certificates")
    return SectionPreparation(
        section=section,
        deadline=window.deadline,
        opening_at=window.opening_at,
        place=opening_place(section),
        documents=documents,
        pauses=pauses,
        readiness=readiness,
        certificates=certificates,
        missing=tuple(missing),
    )


def _windows() -> QuerySet[BidWindow]:
    return BidWindow.objects.select_related(
        "section__tender_project__project__initiator",
        "section__tender_project__project__agent",
        "section__centre",
    )


@dataclass(frozen=True)
class CentrePreparation:
    """A centre's page: its technical readiness, then each section due in the period."""

    readiness: Readiness | None
    seal_until: dt.datetime | None
    rows: tuple[SectionPreparation, ...]


def centre_preparation(
    *, viewer: Viewer, centre: Centre, days: int = DAYS_DEFAULT, now: dt.datetime | None = None
) -> CentrePreparation:
    """The sections of `centre` (that `viewer` may read) whose bid deadline or opening falls between now
    and `days` days from now, by deadline, each with what it needs; and the centre's readiness."""
    now = now or clock.now()
    horizon = now + dt.timedelta(days=days)
    windows = (
        _windows()
        .filter(section__centre=centre)
        .filter(_sections_q(viewer, centre, prefix="section__"))
        .filter(Q(deadline__gte=now, deadline__lte=horizon) | Q(opening_at__gte=now, opening_at__lte=horizon))
        .order_by("deadline", "section_code")
    )
    readiness = custodian_readiness(centre, now)
    seal_until = seal_valid_until()
    rows = tuple(_prepared(w.section, w, readiness, seal_until) for w in windows)
    return CentrePreparation(readiness, seal_until, rows)


# --- reminding the parties (通知发起方做好准备) ------------------------------------------------------------


def _valid_reminder_days(value: object) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and REMINDER_DAYS_MIN <= value <= REMINDER_DAYS_MAX
    )


def reminder_days() -> int:
    """D: the parties are reminded D days before the opening (`GGZY_OPENING_REMINDER_DAYS`)."""
    value = getattr(settings, "GGZY_OPENING_REMINDER_DAYS", REMINDER_DAYS_DEFAULT)
    return value if _valid_reminder_days(value) else REMINDER_DAYS_DEFAULT


@checks.register("ggzy_tendering")
def reminder_days_check(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """`GGZY_OPENING_REMINDER_DAYS` is a whole number of days from 1 to 30."""
    value = getattr(settings, "GGZY_OPENING_REMINDER_DAYS", REMINDER_DAYS_DEFAULT)
    if _valid_reminder_days(value):
        return []
    return [
        checks.Error(
            f"GGZY_OPENING_REMINDER_DAYS is {value!r}: give a whole number of days from"
            f" {REMINDER_DAYS_MIN} to {REMINDER_DAYS_MAX}",
            id="ggzy.E401",
        )
    ]


def party_users(section: Section) -> list[Actor]:
    """The active members of the section's initiator and agent: whom its reminders go to."""
    organisations = list(_party_organisations(section))
    users = Membership.objects.filter(organisation_id__in=organisations).values("user_id")
    return list(get_user_model().objects.filter(pk__in=users, is_active=True).order_by("pk"))


def _due(now: dt.datetime, days: int) -> Q:
    return Q(opening_at__gt=now, opening_at__lte=now + dt.timedelta(days=days))


@transaction.atomic
def parties_remind(
    *, section: Section, kind: str = ReminderKind.OPENING, now: dt.datetime | None = None
) -> PreparationReminder | None:
    """Remind the initiator's and the agent's members that the section's opening is coming, if it is
    due: within D days, not passed, not paused or terminated, not reminded of before (the unique
    reminder row, taken first, decides between two passes at one instant). Returns the reminder, or None
    when nothing was due."""
    now = now or clock.now()
    window = _windows().filter(_due(now, reminder_days()), section=section).first()
    if window is None or opening_stop(window.section):
        return None
    if PreparationReminder.objects.filter(section=section, kind=kind).exists():
        return None
    reminder, created = PreparationReminder.objects.get_or_create(
        section=section, kind=kind, defaults={"sent_at": now}
    )
    if not created:
        return None  # another pass took it meanwhile
    section = window.section
    prepared = _prepared(section, window, custodian_readiness(section.centre, now), seal_valid_until())
    project = section.tender_project.project
    event = event_record(
        type=TenderingEvents.PREPARATION_REMINDED,
        actor=None,
        organisation=project.initiator.uscc,
        data={
            "section": section.code,
            "kind": kind,
            "opening_at": window.opening_at,
            "missing": list(prepared.party_missing),
        },
        project=project.code,
        section=section.code,
        centre=section.centre.code,
        region=section.centre.region,
        category=str(project.category_id),
    )
    certificates = len(prepared.party_certificates)
    context = {
        "tender_project": f"{section.tender_project.code} {section.tender_project.name}",
        "section": f"{section.code} {section.name}",
        "opening": local_time(window.opening_at),
        "place": prepared.place,
        "documents": "" if prepared.documents.issued else "yes",
        "certificates": str(certificates) if certificates else "",
    }
    tell(template=OPENING_REMINDER.key, users=party_users(section), context=context, event=event)
    return reminder


def due_sections(now: dt.datetime | None = None, kind: str = ReminderKind.OPENING) -> list[Section]:
    """The sections whose opening is within D days and not passed, not yet reminded of (the pauses are
    checked by `parties_remind`)."""
    now = now or clock.now()
    reminded = PreparationReminder.objects.filter(kind=kind).values("section")
    windows = BidWindow.objects.filter(_due(now, reminder_days())).exclude(section__in=reminded)
    return list(Section.objects.filter(pk__in=windows.values("section")).order_by("code"))


def remind_parties() -> int:
    """The tick job `tendering.remind_parties`: each due section reminded once; returns how many."""
    now = clock.now()
    return sum(parties_remind(section=section, now=now) is not None for section in due_sections(now))
