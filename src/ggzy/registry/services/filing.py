"""Filing a registration (6.2, 12.1): online by the initiator or its entrusted agent, or on site entered
by staff — one form for every category (一表申请), with files and 容缺 promises; the codes are issued
here. Also the two steps every later step of the workflow (`registry.services.review`) shares: its
event, and the 2-working-day clock. The reads it rests on are `registry.selectors`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from django.db import transaction

from ggzy.accounts.models import Centre, Entrustment, Organisation
from ggzy.accounts.parties import entrustment_check, project_role_set
from ggzy.calendar.services import deadline_set
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.core.types import Actor, JSONDict
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry import blobs, codes
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import (
    Blob,
    Checklist,
    ChecklistItem,
    Item,
    Need,
    Project,
    Registration,
    RegistrationChannel,
    Section,
    State,
    TenderProject,
    TradingCategory,
    TradingMethod,
)
from ggzy.registry.selectors import (
    current_checklist,
    is_member,
    is_staff_of,
    missing_items,
    party_recipients,
    section_codes,
    serves,
)

REVIEW_RULE = "registration-review"  # 2 working days (standard 6.2.4), in the calendar's rule table


@dataclass(frozen=True)
class Upload:
    """A file handed to a service: its name, and its content as bytes (`data`) or as a file object read
    in chunks (`file`, e.g. a Django upload spooled to disk), never both."""

    name: str
    data: bytes = b""
    file: IO[bytes] | None = field(default=None, compare=False)

    @property
    def source(self) -> blobs.Source:
        return self.file if self.file is not None else self.data


@dataclass(frozen=True)
class Promise:
    """容缺: a written promise to supply an item by a date."""

    text: str
    due: dt.date


@dataclass
class SectionIn:
    name: str
    budget_yuan: str  # a decimal string: money is never a float
    price_form: str
    method: str


@dataclass
class TenderProjectIn:
    name: str
    sections: list[SectionIn] = field(default_factory=list)


def _fen(text: str) -> int:
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(RegistryError.MONEY_INVALID, detail={"value": text}) from exc
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise DomainError(RegistryError.MONEY_INVALID, detail={"value": text})
    return int(value * 100)


def registration_event(
    type_: str, registration: Registration, actor: Actor | None, data: JSONDict | None = None
) -> Event:
    project = registration.project
    return event_record(
        type=type_,
        event_class=EventClass.DOMAIN,
        visibility=Visibility.PARTIES,
        actor=actor,
        project=project.code,
        centre=project.centre.code,
        region=project.region,
        category=project.category_id,
        organisation=project.initiator.uscc,
        data={"registration": str(registration.uid), **(data or {})},
    )


def _check_items(
    checklist: Checklist,
    files: dict[str, Upload],
    promises: dict[str, Promise],
    not_applicable: set[str],
) -> dict[str, ChecklistItem]:
    items = {i.key: i for i in checklist.items.all()}
    unknown = sorted((set(files) | set(promises) | not_applicable) - set(items))
    if unknown:
        raise DomainError(RegistryError.ITEM_UNKNOWN, detail={"items": unknown})
    today = clock.local_now().date()
    for key, promise in promises.items():
        if not items[key].may_defer:
            raise DomainError(RegistryError.DEFER_NOT_ALLOWED, detail={"item": key})
        if not promise.text.strip() or promise.due <= today:
            raise DomainError(RegistryError.PROMISE_INVALID, detail={"item": key})
    for key, upload in files.items():
        blobs.check(
            upload.source, upload.name, media_types=items[key].media_types, max_bytes=items[key].max_bytes
        )
    bad_na = sorted(k for k in not_applicable if items[k].need == Need.MANDATORY)
    if bad_na:
        raise DomainError(RegistryError.INCOMPLETE, detail={"missing": bad_na})
    return items


def _store(upload: Upload, item: ChecklistItem) -> Blob:
    """The checked file of `item`, stored (read in chunks, its size checked again as it is read)."""
    media_type = blobs.sniff(blobs.head(upload.source), upload.name) or ""
    return blobs.store(upload.source, media_type, max_bytes=item.max_bytes, name=upload.name)


def review_clock_start(registration: Registration, actor: Actor) -> None:
    """The file is complete (files, or 容缺 promises): the 2-working-day limit starts now."""
    now = clock.now()
    registration.complete_at = now
    users = [r.user for r in party_recipients(registration) if r.user is not None]
    registration.deadline = deadline_set(
        owner=f"registry.registration:{registration.uid}",
        rule_code=REVIEW_RULE,
        start=now,
        centre=registration.project.centre.code,
        parties=users,
    )
    registration.escalated_at = None
    registration_event(
        "registry.registration.complete", registration, actor, {"due_at": registration.deadline.due_at}
    )


def _external_codes(category: TradingCategory, external: dict[str, str]) -> dict[str, str]:
    """Exactly the outside codes the category carries, each present and valid."""
    this_year = clock.local_now().year
    checked: dict[str, str] = {}
    for field_name in codes.EXTERNAL:
        value = (external.get(field_name) or "").strip()
        if field_name in category.external_codes:
            if not value:
                raise DomainError(RegistryError.CODE_MISSING, detail={"field": field_name})
            checked[field_name] = codes.check_external(field_name, value, this_year=this_year)
    return checked


def _check_filer(
    actor: Actor,
    *,
    channel: str,
    centre: Centre,
    initiator: Organisation,
    agent: Organisation | None,
    checked: dict[str, str],
) -> Entrustment | None:
    """Who files: a member of the initiator, of its entrusted agent, or staff at the desk (on site).
    An agent needs a valid entrustment from this initiator naming one of the project's outside codes."""
    if channel == RegistrationChannel.ON_SITE:
        filer_ok = is_staff_of(actor, centre)
    else:
        filer_ok = is_member(actor, agent) if agent is not None else is_member(actor, initiator)
    if not filer_ok:
        raise DomainError(RegistryError.NOT_A_PARTY)
    if agent is None:
        return None
    references = [v for v in checked.values() if v]
    for reference in references:
        try:
            entrustment = entrustment_check(agent=agent, project=reference)
        except DomainError:
            continue
        if entrustment.initiator_id == initiator.pk:
            return entrustment
    raise DomainError(RegistryError.NOT_ENTRUSTED, detail={"codes": references})


def _prepare(
    category: TradingCategory, tender_projects: list[TenderProjectIn]
) -> list[tuple[TenderProjectIn, list[tuple[SectionIn, int, TradingMethod]]]]:
    if not tender_projects or any(not t.sections for t in tender_projects):
        raise DomainError(RegistryError.NO_SECTIONS)
    methods = {m.code: m for m in TradingMethod.objects.filter(category=category)}
    prepared = []
    for tender in tender_projects:
        if not tender.name.strip():
            raise DomainError(RegistryError.INCOMPLETE, detail={"missing": ["tender project name"]})
        rows = []
        for section in tender.sections:
            if section.method not in methods:
                raise DomainError(RegistryError.METHOD_INVALID, detail={"method": section.method})
            if section.price_form not in ("amount", "rate", "discount"):
                raise DomainError(RegistryError.METHOD_INVALID, detail={"price_form": section.price_form})
            if not section.name.strip():
                raise DomainError(RegistryError.INCOMPLETE, detail={"missing": ["section name"]})
            rows.append((section, _fen(section.budget_yuan), methods[section.method]))
        prepared.append((tender, rows))
    return prepared


@transaction.atomic
def registration_file(
    *,
    actor: Actor,
    centre: Centre,
    category: TradingCategory,
    name: str,
    initiator: Organisation,
    region: str,
    tender_projects: list[TenderProjectIn],
    files: dict[str, Upload],
    agent: Organisation | None = None,
    external: dict[str, str] | None = None,
    promises: dict[str, Promise] | None = None,
    not_applicable: set[str] | None = None,
    channel: str = RegistrationChannel.ONLINE,
) -> Registration:
    """File a registration (一表申请: one form for every category). Codes are issued here."""
    promises, not_applicable, external = promises or {}, not_applicable or set(), external or {}
    if not serves(centre, category):
        raise DomainError(RegistryError.CATEGORY_NOT_SERVED, detail={"category": category.code})
    if not name.strip():
        raise DomainError(RegistryError.INCOMPLETE, detail={"missing": ["name"]})
    checked = _external_codes(category, external)
    codes.check_region(region)
    entrustment = _check_filer(
        actor, channel=channel, centre=centre, initiator=initiator, agent=agent, checked=checked
    )
    prepared = _prepare(category, tender_projects)
    checklist = current_checklist(category, centre)
    items = _check_items(checklist, files, promises, not_applicable)
    now = clock.now()
    project = Project.objects.create(
        code=codes.project_code(letter=category.letter, region=region, year=clock.local_now().year),
        name=name.strip(),
        category=category,
        centre=centre,
        region=region,
        initiator=initiator,
        agent=agent,
        created_at=now,
        **checked,
    )
    for tender, rows in prepared:
        tp = TenderProject.objects.create(
            project=project, code=codes.tender_project_code(project.code), name=tender.name.strip()
        )
        for section, fen, method in rows:
            Section.objects.create(
                tender_project=tp,
                code=codes.section_code(tp.code),
                name=section.name.strip(),
                budget_fen=fen,
                price_form=section.price_form,
                method=method,
                centre=centre,
            )
    registration = Registration.objects.create(
        project=project,
        checklist=checklist,
        state=State.ROUTED if category.routed_to else State.SUBMITTED,
        channel=channel,
        filed_by=actor,
        entrustment=entrustment,
        submitted_at=now,
    )
    for key, checklist_item in items.items():
        upload = files.get(key)
        promise = None if upload else promises.get(key)  # a file given makes a promise for it moot
        Item.objects.create(
            registration=registration,
            checklist_item=checklist_item,
            blob=_store(upload, checklist_item) if upload else None,
            file_name=upload.name if upload else "",
            not_applicable=key in not_applicable,
            promise=promise.text.strip() if promise else "",
            promised_by=promise.due if promise else None,
        )
    project_role_set(
        actor=actor, project=project.code, organisation=initiator, role=Role.INITIATOR, centre=centre
    )
    if agent is not None:
        project_role_set(
            actor=actor, project=project.code, organisation=agent, role=Role.AGENT, centre=centre
        )
    registration_event(
        "registry.registration.filed",
        registration,
        actor,
        {
            "channel": channel,
            "checklist_version": checklist.version,
            "tender_projects": [t.code for t in project.tender_projects.all()],
            "sections": section_codes(registration),
            "promised": sorted(promises),
            **checked,
        },
    )
    if registration.state == State.SUBMITTED and not missing_items(registration):
        review_clock_start(registration, actor)
        registration.save(update_fields=["complete_at", "deadline", "escalated_at"])
    return registration
