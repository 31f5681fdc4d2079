"""Staff leave: while the responsible person of an accepted registration is away, the deputy (AB角)
handles it (`registry.selectors.handler_now` applies the rule)."""

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
from ggzy.registry.selectors import is_staff_anywhere


@transaction.atomic
def leave_record(*, actor: Actor, user: Actor, starts_at: dt.datetime, ends_at: dt.datetime) -> Leave:
    if ends_at <= starts_at:
        raise DomainError(RegistryError.LEAVE_INVALID)
    if not is_staff_anywhere(user):
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
