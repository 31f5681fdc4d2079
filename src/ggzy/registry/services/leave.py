"""Staff leave: while the responsible person of an accepted registration is away, the deputy (AB角)
handles it (`registry.selectors.handler_now` applies the rule); while the head of a desk is away, what
is overdue escalates to the desk's deputy (`registry.escalation.desk_head`). A leave names the colleague
who covers the rest of the work, a staff member of a centre of the one on leave."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.types import Actor
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Leave
from ggzy.registry.selectors import is_staff_anywhere, staff_centres


@transaction.atomic
def leave_record(
    *,
    actor: Actor,
    user: Actor,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    covered_by: Actor | None = None,
) -> Leave:
    """Record `user`'s leave from `starts_at` until `ends_at`, covered by `covered_by` (another staff
    member of one of `user`'s centres; None: the deputies of each registration alone)."""
    if ends_at <= starts_at:
        raise DomainError(RegistryError.LEAVE_INVALID)
    if not is_staff_anywhere(user):
        raise DomainError(RegistryError.STAFF_INVALID)
    if covered_by is not None and (
        covered_by.pk == user.pk or not staff_centres(covered_by).filter(pk__in=staff_centres(user)).exists()
    ):
        raise DomainError(RegistryError.COVER_INVALID)
    leave = Leave.objects.create(
        user=user, starts_at=starts_at, ends_at=ends_at, covered_by=covered_by, recorded_at=clock.now()
    )
    event_record(
        type="registry.leave.recorded",
        event_class=EventClass.DOMAIN,
        visibility=Visibility.SUPERVISORS,
        actor=actor,
        data={
            "user": user.pk,
            "from": timezone.localtime(starts_at).isoformat(),
            "until": timezone.localtime(ends_at).isoformat(),
            "covered_by": covered_by.pk if covered_by is not None else None,
        },
    )
    return leave
