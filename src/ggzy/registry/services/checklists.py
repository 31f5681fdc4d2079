"""A centre's checklists of required documents, changed only as new versions: staff add, remove or
change items, and a new `Checklist` row with a higher number is published for their centre; the
version a registration was filed under stays with it (its items point to that version's items).

The documents standard 6.2.2 names (the mandatory items of the platform's version 1, from the seed)
cannot be removed or made optional."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from ggzy.accounts.models import Centre
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.types import Actor
from ggzy.events.services import event_record
from ggzy.registry.errors import RegistryError
from ggzy.registry.event_types import RegistryEvents
from ggzy.registry.models import CentreCategory, Checklist, ChecklistItem, Need, TradingCategory
from ggzy.registry.seed import FILES
from ggzy.registry.selectors import current_checklist, is_staff_of

#: The steps an item may be needed before (`review.step_check`): "" none, or publishing the notice.
STEPS = ("", "notice")
NAME_MAX = 200


@dataclass(frozen=True)
class ItemIn:
    """One item of the new version; `key` names the item of the current version it continues ("" new)."""

    name: str
    need: str
    condition: str = ""
    may_defer: bool = False
    needed_before: str = ""
    key: str = ""


def _shape(item: ChecklistItem | ItemIn) -> tuple[str, str, str, str, bool, str]:
    return (item.key, item.name, item.need, item.condition, item.may_defer, item.needed_before)


def _standard_keys(category: TradingCategory) -> set[str]:
    """The items standard 6.2.2 names: the mandatory ones of the platform's version 1."""
    return set(
        ChecklistItem.objects.filter(
            checklist__category=category, checklist__centre__isnull=True, checklist__version=1
        )
        .filter(need=Need.MANDATORY)
        .values_list("key", flat=True)
    )


def _checked(items: list[ItemIn], current: Checklist, category: TradingCategory) -> list[ItemIn]:
    """The items, cleaned and keyed (new ones get a key no version of the category used), or refused."""
    known = {i.key for i in current.items.all()}
    used = set(ChecklistItem.objects.filter(checklist__category=category).values_list("key", flat=True))
    cleaned: list[ItemIn] = []
    names: set[str] = set()
    keys: set[str] = set()
    extra = 0
    for item in items:
        name = item.name.strip()
        if (
            not name
            or len(name) > NAME_MAX
            or name in names
            or item.need not in Need.values
            or item.needed_before not in STEPS
            or len(item.condition.strip()) > NAME_MAX
            or (item.key and (item.key not in known or item.key in keys))
        ):
            raise DomainError(RegistryError.CHECKLIST_ITEM_INVALID, detail={"item": name or item.key})
        names.add(name)
        keys.add(item.key)
        key = item.key
        while not key:
            extra += 1
            key = f"item_{extra}" if f"item_{extra}" not in used else ""
        cleaned.append(
            ItemIn(
                name=name,
                need=item.need,
                condition=item.condition.strip() if item.need == Need.CONDITIONAL else "",
                may_defer=item.may_defer,
                needed_before=item.needed_before if item.may_defer else "",
                key=key,
            )
        )
    standard = _standard_keys(category)
    kept = {i.key for i in cleaned if i.need == Need.MANDATORY}
    if standard - kept or not cleaned:
        raise DomainError(RegistryError.CHECKLIST_STANDARD_ITEM, detail={"items": sorted(standard - kept)})
    return cleaned


@transaction.atomic
def checklist_revise(
    *,
    actor: Actor | None,
    centre: Centre,
    category: TradingCategory,
    base_version: int,
    items: list[ItemIn],
    basis: str = "",
) -> Checklist:
    """Publish a new version of `category`'s checklist at `centre`, made from the version in force there
    (`base_version`, as the editor saw it), holding `items` in their order. Refused when the version in
    force moved on meanwhile, when nothing changed, and when a document the standard requires goes."""
    if actor is not None and not is_staff_of(actor, centre):
        raise DomainError(RegistryError.NOT_STAFF)
    served = CentreCategory.objects.select_for_update().filter(centre=centre, category=category, enabled=True)
    if not served.exists():  # the row lock orders two editors of one checklist
        raise DomainError(RegistryError.CATEGORY_NOT_SERVED, detail={"category": category.code})
    current = current_checklist(category, centre)
    if current is None or current.version != base_version:
        raise DomainError(RegistryError.CHECKLIST_STALE)
    old = {i.key: i for i in current.items.all()}
    cleaned = _checked(items, current, category)
    if [_shape(i) for i in cleaned] == [_shape(i) for i in current.items.order_by("order")]:
        raise DomainError(RegistryError.CHECKLIST_UNCHANGED)
    newest = Checklist.objects.filter(category=category, centre=centre).order_by("-version").first()
    version = max(current.version, newest.version if newest is not None else 0) + 1
    checklist = Checklist.objects.create(
        category=category,
        centre=centre,
        version=version,
        published_at=clock.now(),
        published_by=actor,
        basis=basis.strip()[:NAME_MAX],
    )
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(
                checklist=checklist,
                key=item.key,
                name=item.name,
                need=item.need,
                condition=item.condition,
                may_defer=item.may_defer,
                needed_before=item.needed_before,
                media_types=old[item.key].media_types if item.key in old else FILES,
                max_bytes=old[item.key].max_bytes if item.key in old else ChecklistItem().max_bytes,
                order=n,
            )
            for n, item in enumerate(cleaned)
        ]
    )
    event_record(
        type=RegistryEvents.CHECKLIST_PUBLISHED,
        actor=actor,
        centre=centre.code,
        region=centre.region,
        category=category.code,
        data={
            "version": version,
            "replaces": current.version,
            "basis": checklist.basis,
            "items": [{"key": i.key, "name": i.name, "need": i.need} for i in cleaned],
        },
    )
    return checklist
