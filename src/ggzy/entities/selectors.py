"""Reads of the market-entity library, with who may see what (docs/entities.md §5):

- the organisation's members: all of its own library, with its history;
- the public: an organisation's name, code and qualifications (`public_profile`), nothing personal;
- a centre's staff: the revisions bids in their centre referenced, once opened (`bid_library`);
- supervisors: every library (`access_item`), personal numbers still masked (revealing one is an `ops`
  recorded act).
A bidder never sees another bidder's library: `access_item` answers the same not-found for "missing"
and "not yours".

Also the facts other apps read from the library: expiry (`expiring`), flags on an entry (`flags_of`),
who works or worked for whom (`employers_of`), who controls whom and the exclusions that follow
(`control_conflicts`: 招标投标法实施条例 §34 ¶2, 政府采购法实施条例 §18), and whether a project manager is
busy elsewhere (`manager_busy`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ggzy.accounts.models import Membership, Organisation
from ggzy.accounts.selectors import acting_for, staff_centres, user_roles
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.fields import lookup_for
from ggzy.core.roles import Role
from ggzy.core.types import Viewer
from ggzy.entities.errors import EntitiesError
from ggzy.entities.kinds import SPECS
from ggzy.entities.models import (
    BidReference,
    Item,
    ItemKind,
    Outcome,
    QualificationType,
    Revision,
    Verification,
)
from ggzy_sm import canonical

SNAPSHOT_FORMAT = "ggzy-library-snapshot-v1"
WARN_DAYS = (30, 7, 1)
#: a holding above half is control (公司法 §265: 控股股东 holds more than 50 percent) [verify]
CONTROLLING_BP = 5000


def _signed_in(viewer: Viewer | None) -> bool:
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False))


def own_organisation(viewer: Viewer | None) -> Organisation | None:
    """The organisation whose library is the viewer's own: the one it acts for (the sign-in choice), or
    its only organisation."""
    if not _signed_in(viewer):
        return None
    chosen = acting_for(user=viewer)  # type: ignore[arg-type]
    if chosen is not None:
        return chosen
    mine = Membership.objects.filter(user=viewer)  # type: ignore[misc]
    memberships = list(mine.select_related("organisation")[:2])
    return memberships[0].organisation if len(memberships) == 1 else None


def library(*, organisation: Organisation, kind: str | None = None, retired: bool = False) -> QuerySet[Item]:
    found = Item.objects.filter(organisation=organisation)
    if kind:
        found = found.filter(kind=kind)
    return found if retired else found.filter(retired_at__isnull=True)


def _centres(viewer: Viewer | None) -> set[str]:
    """The codes of the centres the viewer is staff of."""
    return {c.code for c in staff_centres(viewer)} if viewer is not None else set()


def _supervises(viewer: Viewer | None) -> bool:
    return _signed_in(viewer) and Role.SUPERVISOR in user_roles(viewer)


def access_item(*, viewer: Viewer | None, uid: uuid.UUID | str) -> Item:
    """An entry the viewer may see: its organisation's members, supervisors, and staff of a centre where
    an opened bid referenced it; the same not-found otherwise."""
    item = Item.objects.select_related("organisation").filter(uid=uid).first()
    if item is None or not _signed_in(viewer):
        raise DomainError(EntitiesError.NOT_FOUND)
    if Membership.objects.filter(user=viewer, organisation=item.organisation_id).exists():  # type: ignore[misc]
        return item
    if _supervises(viewer):
        return item
    centres = _centres(viewer)
    if centres and BidReference.objects.filter(item_uid=item.uid, centre__in=centres).exists():
        return item
    raise DomainError(EntitiesError.NOT_FOUND)


def access_own_item(*, viewer: Viewer | None, uid: uuid.UUID | str) -> Item:
    """An entry of the viewer's own organisation (to change it); the same not-found otherwise."""
    organisation = own_organisation(viewer)
    item = (
        Item.objects.select_related("organisation").filter(uid=uid, organisation=organisation).first()
        if organisation
        else None
    )
    if item is None:
        raise DomainError(EntitiesError.NOT_FOUND)
    return item


def history(item: Item) -> QuerySet[Revision]:
    return item.revisions.order_by("-number").select_related("recorded_by")


def qualification_types() -> QuerySet[QualificationType]:
    return QualificationType.objects.all()


# --- the public's view -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicProfile:
    organisation: Organisation
    qualifications: list[Item]
    licence: Item | None


def public_profile(*, uid: uuid.UUID | str) -> PublicProfile:
    """What anyone may see of an organisation: its name, code, licence headline and qualifications."""
    organisation = Organisation.objects.filter(uid=uid).first()
    if organisation is None:
        raise DomainError(EntitiesError.NOT_FOUND)
    qualifications = list(library(organisation=organisation, kind=ItemKind.QUALIFICATION))
    licence = library(organisation=organisation, kind=ItemKind.LICENCE).first()
    return PublicProfile(organisation, qualifications, licence)


# --- the bid's side ----------------------------------------------------------------------------------------


def snapshot(*, viewer: Viewer | None, items: Iterable[uuid.UUID | str]) -> dict[str, object]:
    """The ggzy-library-snapshot-v1 document of chosen entries of the viewer's own library — what the
    bidder seals into its bid as `documents/library.json`. It names no section: asking for it tells the
    platform nothing about where the bidder bids. An entry that is not the viewer's (or is retired) is
    the same not-found as a missing one."""
    organisation = own_organisation(viewer)
    wanted = []
    for uid in items:
        try:
            wanted.append(uuid.UUID(str(uid)))
        except ValueError as exc:
            raise DomainError(EntitiesError.NOT_FOUND) from exc
    if not wanted:
        raise DomainError(EntitiesError.SNAPSHOT_EMPTY)
    found = {
        i.uid: i
        for i in Item.objects.filter(uid__in=wanted, organisation=organisation, retired_at__isnull=True)
    }
    if organisation is None or len(found) != len(set(wanted)):
        raise DomainError(EntitiesError.NOT_FOUND)
    current = Q()
    for item in found.values():  # each entry's current revision, in one query
        current |= Q(item_id=item.pk, number=item.revision)
    revisions = {r.item_id: r for r in Revision.objects.filter(current)}
    entries = []
    for uid in dict.fromkeys(wanted):
        item = found[uid]
        revision = revisions[item.pk]
        entries.append(
            {
                "item": str(item.uid),
                "kind": item.kind,
                "title": item.title,
                "revision": revision.number,
                "sm3": revision.sm3,
                "body": revision.body,
            }
        )
    return {
        "format": SNAPSHOT_FORMAT,
        "organisation": organisation.uscc,
        "organisation_name": organisation.name,
        "taken_at": canonical.format_instant(clock.now()),
        "items": entries,
    }


def bid_library(*, viewer: Viewer | None, bid: uuid.UUID | str) -> list[BidReference]:
    """The library entries an opened bid referenced, each with the revision valid at the deadline (what
    evaluation reads): for the bidder itself, supervisors and staff of the bid's centre; [] otherwise."""
    found = list(
        BidReference.objects.filter(bid=bid).select_related("revision", "organisation").order_by("id")
    )
    if not found or not _signed_in(viewer):
        return []
    first = found[0]
    if (
        _supervises(viewer)
        or Membership.objects.filter(user=viewer, organisation=first.organisation_id).exists()  # type: ignore[misc]
        or first.centre in _centres(viewer)
    ):
        return found
    return []


# --- facts other apps read ---------------------------------------------------------------------------------


def expiring(*, organisation: Organisation, before: dt.date) -> QuerySet[Item]:
    """Active entries whose validity ends before `before` (a deadline's date): shown on the dashboard
    and in a bid's checklist."""
    return library(organisation=organisation).filter(valid_to__isnull=False, valid_to__lt=before)


def due_warning(item: Item, today: dt.date) -> int | None:
    """The expiry warning (30, 7 or 1 days) an entry is due today, or None (each given once; a missed
    day is caught up)."""
    if item.valid_to is None:
        return None
    days = (item.valid_to - today).days
    if days < 0:
        return None
    due = min((w for w in WARN_DAYS if days <= w), default=None)
    if due is None or (item.warned_days is not None and item.warned_days <= due):
        return None
    return due


def expiry_due(today: dt.date) -> list[tuple[Item, int]]:
    horizon = today + dt.timedelta(days=max(WARN_DAYS))
    found = Item.objects.filter(
        retired_at__isnull=True, valid_to__isnull=False, valid_to__gte=today, valid_to__lte=horizon
    ).select_related("organisation")
    return [(i, d) for i in found if (d := due_warning(i, today)) is not None]


@dataclass(frozen=True)
class Flag:
    code: str
    text: str


def flags_of(item: Item, *, today: dt.date | None = None) -> list[Flag]:
    """What evaluation and the holder should look at: expired, differs from the authority, a
    professional registered at two organisations, a project manager busy on an unfinished project."""
    return flags_for([item], today=today)[item.pk]


def flags_for(items: Iterable[Item], *, today: dt.date | None = None) -> dict[int, list[Flag]]:
    """`flags_of` for many entries at once (by pk), in two queries whatever their number: the lists
    show a flag on every row."""
    from django.utils.translation import gettext as _

    items = list(items)
    today = today or clock.local_now().date()
    professionals = [item for item in items if item.kind == ItemKind.PROFESSIONAL]
    lookups = {item.secret_lookup for item in professionals if item.secret_lookup}
    registered: dict[str, set[int]] = {}
    for lookup, organisation_id in (
        Item.objects.filter(kind=ItemKind.PROFESSIONAL, secret_lookup__in=lookups, retired_at__isnull=True)
        .order_by()
        .values_list("secret_lookup", "organisation_id")
        if lookups
        else ()
    ):
        registered.setdefault(lookup, set()).add(organisation_id)
    busy = _busy_certificates({item.number for item in professionals if item.number}, at=today)
    flags: dict[int, list[Flag]] = {}
    for item in items:
        found = flags[item.pk] = []
        if item.valid_to is not None and item.valid_to < today:
            found.append(Flag("expired", _("Expired")))
        if item.verification == Verification.MISMATCH:
            found.append(Flag("mismatch", _("Differs from the authority's record")))
        if item.kind != ItemKind.PROFESSIONAL:
            continue
        if registered.get(item.secret_lookup, set()) - {item.organisation_id}:
            found.append(Flag("second_registration", _("Also registered to another organisation")))
        if item.number in busy:
            found.append(Flag("busy", _("Managing an unfinished project")))
    return flags


def _busy_certificates(certificates: set[str], *, at: dt.date) -> set[str]:
    """Those of the project managers' certificates a track record names on a project unfinished by `at`
    (one query; `manager_busy` lists the records for one)."""
    if not certificates:
        return set()
    records = (
        Item.objects.filter(
            kind=ItemKind.TRACK_RECORD,
            retired_at__isnull=True,
            data__manager_certificate__in=sorted(certificates),
        )
        .order_by()
        .values_list("data", flat=True)
    )
    return {
        str(data["manager_certificate"])
        for data in records
        if not data.get("completed") or str(data["completed"]) > at.isoformat()
    }


def manager_busy(*, certificate: str, at: dt.date) -> list[Item]:
    """Track records naming this project manager on a project not completed by `at` (实施条例 §… the
    documents usually forbid a manager busy elsewhere; evaluation decides with this list)."""
    if not certificate:
        return []
    return [
        record
        for record in Item.objects.filter(kind=ItemKind.TRACK_RECORD, retired_at__isnull=True)
        .filter(data__manager_certificate=certificate)
        .select_related("organisation")
        if not record.data.get("completed") or str(record.data["completed"]) > at.isoformat()
    ]


@dataclass(frozen=True)
class Engagement:
    """A person's tie to an organisation, with dates (since None: unknown; until None: still)."""

    organisation: Organisation
    kind: str  # professional, staff, control, legal_representative
    since: dt.date | None
    until: dt.date | None


def employers_of(*, id_number: str, within_years: int = 3, today: dt.date | None = None) -> list[Engagement]:
    """Organisations a person works or worked for (registered professional, key staff) or holds or
    controls, ending within the last `within_years` years or still running — what avoidance reads
    (政府采购法实施条例 §9: three years). Entries that were retired keep their dates."""
    today = today or clock.local_now().date()
    start = today - dt.timedelta(days=366 * within_years)  # a day or two generous: never too short
    lookup = lookup_for(Item, "secret", id_number)
    found = []
    for item in Item.objects.filter(secret_lookup=lookup).select_related("organisation"):
        end = item.valid_to if item.kind != ItemKind.PROFESSIONAL else _left_on(item)
        if end is not None and end < start:
            continue
        found.append(Engagement(item.organisation, item.kind, item.valid_from, end))
    return found


def ties_of(
    organisations: Iterable[Organisation], *, at: dt.date, within_years: int = 3
) -> tuple[set[str], set[str]]:
    """Who is tied to `organisations` as their libraries record it, for the expert draw's avoidance: the
    organisations that hold or control them (their codes), and the persons — registered professionals, key
    staff, holders and controllers — by identity-number search hash, their entries ending within the last
    `within_years` years or still running (政府采购法实施条例 §9: three years)."""
    start = at - dt.timedelta(days=366 * within_years)  # a day or two generous: never too short
    codes: set[str] = set()
    persons: set[str] = set()
    items = Item.objects.filter(
        organisation__in=list(organisations),
        kind__in=[ItemKind.CONTROL, ItemKind.PROFESSIONAL, ItemKind.STAFF],
    )
    for item in items:
        end = item.valid_to if item.kind != ItemKind.PROFESSIONAL else _left_on(item)
        if end is not None and end < start:
            continue
        if item.kind == ItemKind.CONTROL and item.data.get("party_kind") == "organisation":
            codes.add(str(item.data.get("party_code", "")))
        elif item.secret_lookup:
            persons.add(item.secret_lookup)
    codes.discard("")
    return codes, persons


def _left_on(item: Item) -> dt.date | None:
    left = item.data.get("left_on")
    if left:
        try:
            return dt.date.fromisoformat(str(left))
        except ValueError:
            return item.retired_at.date() if item.retired_at else None
    return item.retired_at.date() if item.retired_at else None


@dataclass(frozen=True)
class Conflict:
    """Two organisations that may not bid for the same section: why, and the entries that say so."""

    first: Organisation
    second: Organisation
    reason: str  # same_person_in_charge, controls, same_controller
    evidence: tuple[str, ...]


def _active_on(item: Item, at: dt.date) -> bool:
    start = item.valid_from
    end = item.valid_to
    return (start is None or start <= at) and (end is None or end >= at)


def _ties(organisations: list[Organisation], at: dt.date) -> dict[int, list[tuple[str, str, Item]]]:
    """Per organisation: (what, key, entry) — its legal representative (by name and licence), the
    organisations and persons that hold or control it on `at`."""
    ties: dict[int, list[tuple[str, str, Item]]] = {o.pk: [] for o in organisations}
    items = Item.objects.filter(
        organisation__in=organisations, kind__in=[ItemKind.CONTROL, ItemKind.LICENCE]
    ).filter(Q(retired_at__isnull=True) | Q(retired_at__date__gt=at))
    for item in items:
        if item.kind == ItemKind.LICENCE:
            ties[item.organisation_id].append(
                ("legal_representative", str(item.data.get("legal_representative", "")), item)
            )
            continue
        if not _active_on(item, at):
            continue
        role = str(item.data.get("role"))
        controls = (
            role in ("controller", "parent", "manager")
            or int(item.data.get("share_bp", 0) or 0) > CONTROLLING_BP
        )
        if not controls:
            continue
        key = (
            "org:" + str(item.data.get("party_code"))
            if item.data.get("party_kind") == "organisation"
            else "person:" + item.secret_lookup
        )
        ties[item.organisation_id].append(("controller", key, item))
    return ties


def control_conflicts(organisations: Iterable[Organisation], *, at: dt.date | None = None) -> list[Conflict]:
    """Pairs among `organisations` that may not bid for the same section or contract: one controls or
    manages the other, or both are controlled by the same party, or the same person is in charge of
    both (招标投标法实施条例 §34 ¶2; 政府采购法实施条例 §18 ¶1), as their libraries record on `at`."""
    organisations = list(organisations)
    at = at or clock.local_now().date()
    ties = _ties(organisations, at)
    codes = {o.pk: o.uscc for o in organisations}
    found: list[Conflict] = []
    for i, first in enumerate(organisations):
        for second in organisations[i + 1 :]:
            found.extend(_pair(first, second, ties, codes))
    return found


def _pair(
    first: Organisation,
    second: Organisation,
    ties: dict[int, list[tuple[str, str, Item]]],
    codes: dict[int, str],
) -> list[Conflict]:
    found = []
    a, b = ties[first.pk], ties[second.pk]
    for what, key, item in a:
        if what == "controller" and key == "org:" + codes[second.pk]:
            found.append(Conflict(first, second, "controls", (str(item.uid),)))
    for what, key, item in b:
        if what == "controller" and key == "org:" + codes[first.pk]:
            found.append(Conflict(first, second, "controls", (str(item.uid),)))
    for what_a, key_a, item_a in a:
        for what_b, key_b, item_b in b:
            if what_a == what_b == "controller" and key_a == key_b:
                found.append(Conflict(first, second, "same_controller", (str(item_a.uid), str(item_b.uid))))
            if what_a == what_b == "legal_representative" and key_a and key_a == key_b:
                found.append(
                    Conflict(first, second, "same_person_in_charge", (str(item_a.uid), str(item_b.uid)))
                )
    return found


def references_by_outcome(references: list[BidReference]) -> dict[str, int]:
    return {o.value: sum(1 for r in references if r.outcome == o) for o in Outcome}


def kinds() -> list[tuple[str, str]]:
    return [(k, str(SPECS[k].kind.label)) for k in SPECS]


# --- pages' reads ------------------------------------------------------------------------------------------
from ggzy.accounts.selectors import organisation_list  # noqa: E402
from ggzy.registry.models import Blob  # noqa: E402


def current_revision(item: Item) -> Revision | None:
    """The revision the item is at (what a snapshot would present now)."""
    return item.revisions.filter(number=item.revision).first()


def item_file(*, item: Item, sm3: str) -> tuple[dict[str, object], Blob]:
    """A file of an entry the caller already fetched through `access_item` (its listing entry and the
    stored blob); the entry's not-found for a file it does not list — never a blob of someone else's."""
    entry = next((f for f in item.files if isinstance(f, dict) and f.get("sm3") == sm3), None)
    blob = Blob.objects.filter(sm3=sm3).first() if entry is not None else None
    if entry is None or blob is None:
        raise DomainError(EntitiesError.NOT_FOUND)
    return entry, blob


def organisations_search(*, viewer: Viewer | None, query: str) -> QuerySet[Organisation]:
    """Organisations the viewer may see (`accounts.selectors.organisation_list`: supervisors all) whose
    name or registration code contains `query`."""
    found = organisation_list(viewer=viewer)
    text = query.strip()
    if text:
        found = found.filter(Q(name__icontains=text) | Q(uscc__icontains=text.upper()))
    return found.order_by("name", "pk")
