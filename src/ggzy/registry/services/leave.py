"""Staff leave: while the responsible person of an accepted registration is away, the deputy (AB角)
handles it (`registry.selectors.handler_now` applies the rule); while the head of a desk is away, what
is overdue escalates to the desk's deputy (`registry.escalation.desk_head`). A leave names the colleague
who covers the rest of the work, a staff member of a centre of the one on leave."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.types import Actor
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Leave
from ggzy.registry.selectors import is_staff_anywhere, staff_centres

#: How late a leave may be recorded: it may have started this long ago at most (a day taken ill, written
#: down the next morning), never in a past that routing by leave no longer concerns (1970).
LEAVE_LATE = dt.timedelta(days=2)
#: The longest leave, and how far ahead one may start.
LEAVE_LONGEST = dt.timedelta(days=366)


def leave_check(*, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> None:
    """Refuse a leave that ends before it starts, started more than `LEAVE_LATE` ago, starts more than
    `LEAVE_LONGEST` ahead or lasts longer than it (the page and the API alike: both call `leave_record`)."""
    if ends_at <= starts_at:
        raise DomainError(RegistryError.LEAVE_INVALID)
    if starts_at < now - LEAVE_LATE:
        raise DomainError(
            RegistryError.LEAVE_INVALID,
            _("A leave can be recorded at most two days after it started."),
            detail={"reason": "starts_in_the_past", "earliest": (now - LEAVE_LATE).isoformat()},
        )
    if starts_at > now + LEAVE_LONGEST:
        raise DomainError(
            RegistryError.LEAVE_INVALID,
            _("A leave can start at most a year from now."),
            detail={"reason": "starts_too_far_ahead", "latest": (now + LEAVE_LONGEST).isoformat()},
        )
    if ends_at - starts_at > LEAVE_LONGEST:
        raise DomainError(
            RegistryError.LEAVE_INVALID,
            _("A leave can last at most a year."),
            detail={"reason": "too_long", "longest_days": LEAVE_LONGEST.days},
        )


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
    member of one of `user`'s centres; None: the deputies of each registration alone). The leave is
    checked against the one clock (`leave_check`)."""
    now = clock.now()
    leave_check(starts_at=starts_at, ends_at=ends_at, now=now)
    if not is_staff_anywhere(user):
        raise DomainError(RegistryError.STAFF_INVALID)
    if covered_by is not None and (
        covered_by.pk == user.pk or not staff_centres(covered_by).filter(pk__in=staff_centres(user)).exists()
    ):
        raise DomainError(RegistryError.COVER_INVALID)
    leave = Leave.objects.create(
        user=user, starts_at=starts_at, ends_at=ends_at, covered_by=covered_by, recorded_at=now
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
