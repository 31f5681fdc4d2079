"""The head of a centre's service desk (服务责任人) and the deputy (AB角), named by the centre's staff
from its staff: what is overdue escalates to the head, or to the deputy while the head is on leave
(`registry.escalation.desk_head`). Every change is an event of the centre."""

from __future__ import annotations

from django.db import transaction

from ggzy.accounts.models import Centre
from ggzy.core.errors import DomainError
from ggzy.core.types import Actor
from ggzy.events.services import event_record
from ggzy.registry.errors import RegistryError
from ggzy.registry.event_types import RegistryEvents
from ggzy.registry.models import DeskHead
from ggzy.registry.selectors import is_staff_of


@transaction.atomic
def desk_head_set(*, actor: Actor | None, centre: Centre, head: Actor, deputy: Actor | None) -> DeskHead:
    """Name the head of `centre`'s desk and the deputy (None: no deputy): two different staff of the
    centre. `actor` is staff of the centre (None: the console)."""
    if actor is not None and not is_staff_of(actor, centre):
        raise DomainError(RegistryError.NOT_STAFF)
    if not is_staff_of(head, centre) or (
        deputy is not None and (deputy.pk == head.pk or not is_staff_of(deputy, centre))
    ):
        raise DomainError(RegistryError.DESK_HEAD_INVALID)
    row, _created = DeskHead.objects.update_or_create(
        centre=centre, defaults={"user": head, "deputy": deputy}
    )
    event_record(
        type=RegistryEvents.DESK_HEAD_SET,
        actor=actor,
        centre=centre.code,
        region=centre.region,
        data={"head": head.pk, "deputy": deputy.pk if deputy is not None else None},
    )
    return row
