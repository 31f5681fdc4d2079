"""The registration workflow after filing (6.2, 12.1; `registry.states`): supplying items and 容缺
promises, submitting again, the one-time return notice, acceptance within 2 working days with the
responsible person and deputy (AB角), confirming a promised item, and the step check for promised
items. Every write is one transaction and records an event."""

from __future__ import annotations

from django.db import transaction

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import person_name
from ggzy.core.states import advance, require
from ggzy.core.types import Actor
from ggzy.events.notifications import notify
from ggzy.registry import blobs
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Item, Registration, RegistrationChannel, ReturnLine, ReturnNotice, State
from ggzy.registry.selectors import (
    handler_now,
    is_member,
    is_staff_of,
    missing_items,
    next_steps,
    party_recipients,
)
from ggzy.registry.services.filing import Upload, registration_event, review_clock_start
from ggzy.registry.states import REGISTRATION_TRANSITIONS


def _party_check(actor: Actor, registration: Registration) -> None:
    project = registration.project
    if is_member(actor, project.initiator) or is_member(actor, project.agent):
        return
    if is_staff_of(actor, project.centre) and registration.channel == RegistrationChannel.ON_SITE:
        return
    raise DomainError(RegistryError.NOT_A_PARTY)


@transaction.atomic
def item_supply(*, actor: Actor, registration: Registration, key: str, upload: Upload) -> Item:
    """A file for an item: a correction after a return, or a promised (容缺) item arriving later."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    _party_check(actor, registration)
    item = registration.items.select_related("checklist_item").filter(checklist_item__key=key).first()
    if item is None:
        raise DomainError(RegistryError.ITEM_UNKNOWN, detail={"items": [key]})
    if registration.state == State.ACCEPTED and not (item.promise and item.supplied_at is None):
        raise DomainError(RegistryError.STATE)  # after acceptance only promised items arrive
    max_bytes = item.checklist_item.max_bytes
    media_type = blobs.check(
        upload.source, upload.name, media_types=item.checklist_item.media_types, max_bytes=max_bytes
    )
    item.blob = blobs.store(upload.source, media_type, max_bytes=max_bytes, name=upload.name)
    item.file_name = upload.name
    item.not_applicable = False
    if registration.state == State.ACCEPTED:
        item.supplied_at = clock.now()  # the promise stands until the handler confirms the arrival
    else:
        item.promise, item.promised_by = "", None  # a file replaces a promise made before acceptance
    item.save(update_fields=["blob", "file_name", "not_applicable", "supplied_at", "promise", "promised_by"])
    registration_event(
        "registry.item.supplied",
        registration,
        actor,
        {"item": key, "sm3": item.blob.sm3, "file": upload.name},
    )
    return item


@transaction.atomic
def registration_resubmit(*, actor: Actor, registration: Registration) -> Registration:
    """After a return: the party says the file is complete again; the limit starts anew."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    _party_check(actor, registration)
    require(registration, REGISTRATION_TRANSITIONS, "resubmit", error=RegistryError.STATE)
    missing = missing_items(registration)
    if missing:
        raise DomainError(RegistryError.INCOMPLETE, detail={"missing": missing})
    review_clock_start(registration, actor)
    advance(
        registration,
        REGISTRATION_TRANSITIONS,
        "resubmit",
        error=RegistryError.STATE,
        complete_at=registration.complete_at,
        deadline=registration.deadline,
        escalated_at=registration.escalated_at,
    )
    registration_event("registry.registration.resubmitted", registration, actor)
    return registration


def _item_state(registration: Registration) -> dict[str, str]:
    """Each item's state for the one-time rule: the checklist version and the file's SM3 ("" if none)."""
    return {
        item.checklist_item.key: f"v{registration.checklist.version}:{item.blob_id or ''}"
        for item in registration.items.select_related("checklist_item")
    }


@transaction.atomic
def notice_issue(*, actor: Actor, registration: Registration, lines: list[tuple[str, str]]) -> ReturnNotice:
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
    event = registration_event(
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


@transaction.atomic
def registration_accept(
    *, actor: Actor, registration: Registration, responsible: Actor, deputy: Actor
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
    event = registration_event(
        "registry.registration.accepted",
        registration,
        actor,
        {"responsible": responsible.pk, "deputy": deputy.pk, "on_time": on_time, "promised": promised},
    )
    notify(
        template="registry.accepted",
        recipients=party_recipients(registration),
        context={
            "project": registration.project.code,
            "name": registration.project.name,
            "responsible": person_name(responsible),
            "deputy": person_name(deputy),
            "next_steps": next_steps(centre, registration.project.category),
        },
        event=event,
    )
    return registration


@transaction.atomic
def promised_item_confirm(*, actor: Actor, registration: Registration, key: str) -> Item:
    """The handler (responsible person, or deputy while they are away) confirms a promised item arrived."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.state != State.ACCEPTED:
        raise DomainError(RegistryError.STATE)
    if actor != handler_now(registration):
        raise DomainError(RegistryError.NOT_HANDLER)
    item = registration.items.select_related("checklist_item").filter(checklist_item__key=key).first()
    if item is None or not item.promise or item.blob_id is None:
        raise DomainError(RegistryError.ITEM_UNKNOWN, detail={"items": [key]})
    item.supplied_at = item.supplied_at or clock.now()
    item.promise = ""
    item.save(update_fields=["supplied_at", "promise"])
    registration_event(
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
