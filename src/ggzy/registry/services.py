"""Project registration (6.2, 12.1): filing (online by the initiator or its entrusted agent, or on site
entered by staff — one form for every category), supplying items and 容缺 promises, the one-time
return notice, acceptance within 2 working days with the responsible person and deputy (AB角),
leave, and the step check for promised items. Every write is one transaction and records an event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from ggzy.accounts.models import Centre, Organisation, RoleGrant
from ggzy.accounts.parties import entrustment_check, project_role_set
from ggzy.calendar.services import deadline_set
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import person_name
from ggzy.core.roles import Role
from ggzy.core.states import advance, require
from ggzy.events.notifications import Recipient, notify
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry import blobs, codes, selectors
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import (
    CentreCategory,
    Channel,
    Checklist,
    ChecklistItem,
    Item,
    Leave,
    Need,
    Project,
    Registration,
    ReturnLine,
    ReturnNotice,
    Section,
    State,
    TenderProject,
    TradingCategory,
    TradingMethod,
)
from ggzy.registry.states import REGISTRATION_TRANSITIONS

REVIEW_RULE = "registration-review"  # 2 working days (standard 6.2.4), in the calendar's rule table


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


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


def _is_member(user: Any, organisation: Organisation | None) -> bool:
    return (
        organisation is not None
        and Organisation.objects.filter(pk=organisation.pk, members__user=user).exists()
    )


def is_staff_of(user: Any, centre: Centre) -> bool:
    return RoleGrant.objects.filter(
        user=user, role=Role.CENTRE_STAFF, centre=centre, revoked_at__isnull=True
    ).exists()


def _fen(text: str) -> int:
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(RegistryError.MONEY_INVALID, detail={"value": text}) from exc
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise DomainError(RegistryError.MONEY_INVALID, detail={"value": text})
    return int(value * 100)


def current_checklist(category: TradingCategory) -> Checklist:
    """The latest version already published (a version dated later applies from its date)."""
    return (
        Checklist.objects.filter(category=category, published_at__lte=clock.now())
        .order_by("-version")
        .first()  # type: ignore[return-value]
    )


def _event(type_: str, registration: Registration, actor: Any, data: dict[str, Any] | None = None) -> Any:
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
        data={"registration": registration.pk, **(data or {})},
    )


def party_recipients(registration: Registration) -> list[Recipient]:
    project = registration.project
    users = {registration.filed_by}
    for organisation in (project.initiator, project.agent):
        if organisation is not None:
            users.update(m.user for m in organisation.members.select_related("user"))
    return [Recipient(user=u) for u in sorted(users, key=lambda u: u.pk)]


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
            upload.data, upload.name, media_types=items[key].media_types, max_bytes=items[key].max_bytes
        )
    bad_na = sorted(k for k in not_applicable if items[k].need == Need.MANDATORY)
    if bad_na:
        raise DomainError(RegistryError.INCOMPLETE, detail={"missing": bad_na})
    return items


def missing_items(registration: Registration) -> list[str]:
    """Mandatory items (and conditional ones not declared inapplicable) with neither a file nor a promise."""
    missing = []
    for item in registration.items.select_related("checklist_item"):
        need = item.checklist_item.need
        if (
            need == Need.OPTIONAL
            or item.blob_id
            or item.promise
            or (need == Need.CONDITIONAL and item.not_applicable)
        ):
            continue
        missing.append(item.checklist_item.key)
    return missing


def _start_clock(registration: Registration, actor: Any) -> None:
    """The file is complete (files, or 容缺 promises): the 2-working-day limit starts now."""
    now = clock.now()
    registration.complete_at = now
    users = [r.user for r in party_recipients(registration)]
    registration.deadline = deadline_set(
        owner=f"registry.registration:{registration.pk}",
        rule_code=REVIEW_RULE,
        start=now,
        centre=registration.project.centre.code,
        parties=users,
    )
    registration.escalated_at = None
    _event("registry.registration.complete", registration, actor, {"due_at": registration.deadline.due_at})


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
    actor: Any,
    *,
    channel: str,
    centre: Centre,
    initiator: Organisation,
    agent: Organisation | None,
    checked: dict[str, str],
) -> Any:
    """Who files: a member of the initiator, of its entrusted agent, or staff at the desk (on site).
    An agent needs a valid entrustment from this initiator naming one of the project's outside codes."""
    if channel == Channel.ON_SITE:
        filer_ok = is_staff_of(actor, centre)
    else:
        filer_ok = _is_member(actor, agent) if agent is not None else _is_member(actor, initiator)
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
    actor: Any,
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
    channel: str = Channel.ONLINE,
) -> Registration:
    """File a registration (一表申请: one form for every category). Codes are issued here."""
    promises, not_applicable, external = promises or {}, not_applicable or set(), external or {}
    served = CentreCategory.objects.filter(centre=centre, category=category, enabled=True).exists()
    if not served:
        raise DomainError(RegistryError.CATEGORY_NOT_SERVED, detail={"category": category.code})
    if not name.strip():
        raise DomainError(RegistryError.INCOMPLETE, detail={"missing": ["name"]})
    checked = _external_codes(category, external)
    codes.check_region(region)
    entrustment = _check_filer(
        actor, channel=channel, centre=centre, initiator=initiator, agent=agent, checked=checked
    )
    prepared = _prepare(category, tender_projects)
    checklist = current_checklist(category)
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
            blob=blobs.store(upload.data, blobs.sniff(upload.data, upload.name) or "") if upload else None,
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
    _event(
        "registry.registration.filed",
        registration,
        actor,
        {
            "channel": channel,
            "checklist_version": checklist.version,
            "tender_projects": [t.code for t in project.tender_projects.all()],
            "sections": list(
                Section.objects.filter(tender_project__project=project).values_list("code", flat=True)
            ),
            "promised": sorted(promises),
            **checked,
        },
    )
    if registration.state == State.SUBMITTED and not missing_items(registration):
        _start_clock(registration, actor)
        registration.save(update_fields=["complete_at", "deadline", "escalated_at"])
    return registration


def _party_check(actor: Any, registration: Registration) -> None:
    project = registration.project
    if _is_member(actor, project.initiator) or _is_member(actor, project.agent):
        return
    if is_staff_of(actor, project.centre) and registration.channel == Channel.ON_SITE:
        return
    raise DomainError(RegistryError.NOT_A_PARTY)


@transaction.atomic
def item_supply(*, actor: Any, registration: Registration, key: str, upload: Upload) -> Item:
    """A file for an item: a correction after a return, or a promised (容缺) item arriving later."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    _party_check(actor, registration)
    item = registration.items.select_related("checklist_item").filter(checklist_item__key=key).first()
    if item is None:
        raise DomainError(RegistryError.ITEM_UNKNOWN, detail={"items": [key]})
    if registration.state == State.ACCEPTED and not (item.promise and item.supplied_at is None):
        raise DomainError(RegistryError.STATE)  # after acceptance only promised items arrive
    media_type = blobs.check(
        upload.data,
        upload.name,
        media_types=item.checklist_item.media_types,
        max_bytes=item.checklist_item.max_bytes,
    )
    item.blob = blobs.store(upload.data, media_type)
    item.file_name = upload.name
    item.not_applicable = False
    if registration.state == State.ACCEPTED:
        item.supplied_at = clock.now()  # the promise stands until the handler confirms the arrival
    else:
        item.promise, item.promised_by = "", None  # a file replaces a promise made before acceptance
    item.save(update_fields=["blob", "file_name", "not_applicable", "supplied_at", "promise", "promised_by"])
    _event(
        "registry.item.supplied",
        registration,
        actor,
        {"item": key, "sm3": item.blob.sm3, "file": upload.name},
    )
    return item


@transaction.atomic
def registration_resubmit(*, actor: Any, registration: Registration) -> Registration:
    """After a return: the party says the file is complete again; the limit starts anew."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    _party_check(actor, registration)
    require(registration, REGISTRATION_TRANSITIONS, "resubmit", error=RegistryError.STATE)
    missing = missing_items(registration)
    if missing:
        raise DomainError(RegistryError.INCOMPLETE, detail={"missing": missing})
    _start_clock(registration, actor)
    advance(
        registration,
        REGISTRATION_TRANSITIONS,
        "resubmit",
        error=RegistryError.STATE,
        complete_at=registration.complete_at,
        deadline=registration.deadline,
        escalated_at=registration.escalated_at,
    )
    _event("registry.registration.resubmitted", registration, actor)
    return registration


def _item_state(registration: Registration) -> dict[str, str]:
    """Each item's state for the one-time rule: the checklist version and the file's SM3 ("" if none)."""
    return {
        item.checklist_item.key: f"v{registration.checklist.version}:{item.blob_id or ''}"
        for item in registration.items.select_related("checklist_item")
    }


@transaction.atomic
def notice_issue(*, actor: Any, registration: Registration, lines: list[tuple[str, str]]) -> ReturnNotice:
    """一次性告知: return the registration naming every missing or faulty item at once. A later notice
    may only name items that are new or changed since the first: naming an item whose file (and
    checklist version) is the same as at the first notice is refused — it should have been named then."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if not is_staff_of(actor, registration.project.centre):
        raise DomainError(RegistryError.NOT_HANDLER)
    require(registration, REGISTRATION_TRANSITIONS, "return", error=RegistryError.STATE)
    lines = [(k, r.strip()) for k, r in lines]
    if not lines or any(not r for _k, r in lines):
        raise DomainError(RegistryError.NOTICE_EMPTY, detail={"items": [k for k, r in lines if not r]})
    now_state = _item_state(registration)
    unknown = sorted({k for k, _ in lines} - set(now_state))
    if unknown:
        raise DomainError(RegistryError.ITEM_UNKNOWN, detail={"items": unknown})
    first = registration.returns.filter(number=1).first()
    if first is not None:
        unchanged = sorted({k for k, _ in lines if first.snapshot.get(k) == now_state[k]})
        if unchanged:
            raise DomainError(RegistryError.NOTICE_UNCHANGED_ITEM, detail={"items": unchanged})
    notice = ReturnNotice.objects.create(
        registration=registration,
        number=registration.returns.count() + 1,
        issued_at=clock.now(),
        issued_by=actor,
        snapshot=now_state if first is None else {},
    )
    checklist_items = {i.key: i for i in registration.checklist.items.all()}
    for key, reason in lines:
        ReturnLine.objects.create(notice=notice, checklist_item=checklist_items[key], reason=reason)
    advance(registration, REGISTRATION_TRANSITIONS, "return", error=RegistryError.STATE, complete_at=None)
    event = _event(
        "registry.registration.returned",
        registration,
        actor,
        {"notice": notice.number, "items": [{"item": k, "reason": r} for k, r in lines]},
    )
    notify(
        template="registry.returned",
        recipients=party_recipients(registration),
        context={
            "project": registration.project.code,
            "name": registration.project.name,
            "number": str(notice.number),
            "items": "；".join(f"{checklist_items[k].name}：{r}" for k, r in lines),
        },
        event=event,
    )
    return notice


def on_leave(user: Any, at: dt.datetime | None = None) -> bool:
    return selectors.on_leave(user, at)


def handler(registration: Registration, at: dt.datetime | None = None) -> Any:
    """Who handles an accepted registration (registry.selectors.handler_now: the one leave rule)."""
    return selectors.handler_now(registration, at)


@transaction.atomic
def registration_accept(
    *, actor: Any, registration: Registration, responsible: Any, deputy: Any
) -> Registration:
    """Accept (办结) a complete registration — promised items count — naming the responsible person and
    the deputy; the parties are told what to watch out for next (6.2.4). There is no approval of
    trading documents anywhere (6.2.6)."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    centre = registration.project.centre
    if not is_staff_of(actor, centre):
        raise DomainError(RegistryError.NOT_HANDLER)
    require(registration, REGISTRATION_TRANSITIONS, "accept", error=RegistryError.STATE)
    missing = missing_items(registration)
    if missing:
        raise DomainError(RegistryError.INCOMPLETE, detail={"missing": missing})
    if responsible == deputy or not (is_staff_of(responsible, centre) and is_staff_of(deputy, centre)):
        raise DomainError(RegistryError.STAFF_INVALID)
    now = clock.now()
    advance(
        registration,
        REGISTRATION_TRANSITIONS,
        "accept",
        error=RegistryError.STATE,
        accepted_at=now,
        accepted_by=actor,
        responsible=responsible,
        deputy=deputy,
    )
    on_time = registration.deadline is None or now <= registration.deadline.due_at
    promised = sorted(
        i.checklist_item.key for i in registration.items.select_related("checklist_item") if i.promise
    )
    event = _event(
        "registry.registration.accepted",
        registration,
        actor,
        {"responsible": responsible.pk, "deputy": deputy.pk, "on_time": on_time, "promised": promised},
    )
    next_steps = (
        CentreCategory.objects.filter(centre=centre, category=registration.project.category)
        .values_list("next_steps", flat=True)
        .first()
    )
    notify(
        template="registry.accepted",
        recipients=party_recipients(registration),
        context={
            "project": registration.project.code,
            "name": registration.project.name,
            "responsible": person_name(responsible),
            "deputy": person_name(deputy),
            "next_steps": next_steps or "",
        },
        event=event,
    )
    return registration


@transaction.atomic
def promised_item_confirm(*, actor: Any, registration: Registration, key: str) -> Item:
    """The handler (responsible person, or deputy while they are away) confirms a promised item arrived."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.state != State.ACCEPTED:
        raise DomainError(RegistryError.STATE)
    if actor != handler(registration):
        raise DomainError(RegistryError.NOT_HANDLER)
    item = registration.items.select_related("checklist_item").filter(checklist_item__key=key).first()
    if item is None or not item.promise or item.blob_id is None:
        raise DomainError(RegistryError.ITEM_UNKNOWN, detail={"items": [key]})
    item.supplied_at = item.supplied_at or clock.now()
    item.promise = ""
    item.save(update_fields=["supplied_at", "promise"])
    _event(
        "registry.item.confirmed",
        registration,
        actor,
        {"item": key, "sm3": item.blob_id, "as": "deputy" if actor == registration.deputy else "responsible"},
    )
    return item


def step_check(registration: Registration, step: str) -> None:
    """Refuse a step (e.g. publishing the notice) while an item promised for it has not arrived."""
    waiting = sorted(
        i.checklist_item.key
        for i in registration.items.select_related("checklist_item").filter(promise__gt="")
        if i.checklist_item.needed_before == step
    )
    if waiting:
        raise DomainError(RegistryError.STEP_BLOCKED, detail={"items": waiting, "step": step})


@transaction.atomic
def leave_record(*, actor: Any, user: Any, starts_at: dt.datetime, ends_at: dt.datetime) -> Leave:
    if ends_at <= starts_at:
        raise DomainError(RegistryError.LEAVE_INVALID)
    if not RoleGrant.objects.filter(user=user, role=Role.CENTRE_STAFF, revoked_at__isnull=True).exists():
        raise DomainError(RegistryError.STAFF_INVALID)
    leave = Leave.objects.create(user=user, starts_at=starts_at, ends_at=ends_at, recorded_at=clock.now())
    event_record(
        type="registry.leave.recorded",
        event_class=EventClass.DOMAIN,
        visibility=Visibility.SUPERVISORS,
        actor=actor,
        data={
            "user": user.pk,
            "from": timezone.localtime(starts_at).isoformat(),
            "until": timezone.localtime(ends_at).isoformat(),
        },
    )
    return leave


@transaction.atomic
def category_serve(
    *,
    actor: Any,
    centre: Centre,
    category: TradingCategory,
    enabled: bool = True,
    next_steps: str = "",
    must_enter: str = "",
) -> CentreCategory:
    """Configure a category the centre serves: whether, what to tell after acceptance (6.2.4), and the
    projects that must enter (应进必进, 12.1.5)."""
    row, _created = CentreCategory.objects.update_or_create(
        centre=centre,
        category=category,
        defaults={"enabled": enabled, "next_steps": next_steps.strip(), "must_enter": must_enter.strip()},
    )
    event_record(
        type="registry.category.configured",
        event_class=EventClass.DOMAIN,
        visibility=Visibility.PUBLIC,
        actor=actor,
        centre=centre.code,
        category=category.code,
        data={"enabled": enabled, "next_steps": row.next_steps, "must_enter": row.must_enter},
    )
    return row
