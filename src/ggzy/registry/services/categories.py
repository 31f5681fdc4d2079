"""The trading categories a centre serves: whether, what it tells an initiator after acceptance (6.2.4),
and the projects that must enter the platform (应进必进, 12.1.5)."""

from __future__ import annotations

from django.db import transaction

from ggzy.accounts.models import Centre
from ggzy.core.errors import DomainError
from ggzy.core.types import Actor
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import CentreCategory, TradingCategory
from ggzy.registry.selectors import is_staff_of


@transaction.atomic
def category_serve(
    *,
    actor: Actor | None,
    centre: Centre,
    category: TradingCategory,
    enabled: bool = True,
    next_steps: str = "",
    must_enter: str = "",
) -> CentreCategory:
    """Configure a category the centre serves: whether, what to tell after acceptance (6.2.4), and the
    projects that must enter (应进必进, 12.1.5). `actor` is staff of the centre (None: the console)."""
    if actor is not None and not is_staff_of(actor, centre):
        raise DomainError(RegistryError.NOT_STAFF)
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
        region=centre.region,
        category=category.code,
        data={"enabled": enabled, "next_steps": row.next_steps, "must_enter": row.must_enter},
    )
    return row
