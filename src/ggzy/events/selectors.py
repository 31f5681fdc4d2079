"""The one read path for events and messages: visibility, scope and embargo applied in the database.

Every selector, export, statistic, notification log and (later) proof that shows events or messages
starts from `events_visible_to` / `messages_visible_to`, so nothing under embargo is listed or counted
for anyone but its own actor (a bidder sees the receipt of its own bid) or addressee, and nothing of
one centre's trades reaches the staff or supervisors of another (the scope columns `centre` and
`region`, which every event of a centre records: `events.catalogue`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.hooks import Hook
from ggzy.core.roles import Role, roles_of_user
from ggzy.core.types import Viewer
from ggzy.events.embargo import lifted_q
from ggzy.events.models import Event, Message
from ggzy.events.states import DeliveryChannel, DeliveryStatus, EventClass, Visibility


@dataclass(frozen=True)
class Scope:
    centres: tuple[str, ...] = ()
    region_prefixes: tuple[str, ...] = ()


def viewer_scope(viewer: Viewer | None) -> Scope:
    """The centres (staff) and jurisdictions (supervisors) of `viewer`, from the accounts app."""
    resolver = import_string(settings.GGZY_VIEWER_SCOPE)
    return Scope(*resolver(viewer))


def event_visibility_q(viewer: Viewer | None, now: dt.datetime) -> Q:
    """Which events `viewer` may see at `now`.

    * everyone: public events — trading events, and the security events meant for everyone (a custodian
      set published, a notice-key transition, a new witness epoch: what bidders and custodians check);
    * centre staff: also events for the parties of projects; supervisors: also those for supervisors,
      the security events addressed to them among them (refused bids and releases, undelivered or
      unverifiable deadline notices, co-signer alarms), within their jurisdiction;
    * the audit administrator: security events and events for the auditor;
    * the parties of an opening (its bidders, initiator and agent): the opening's records, as the opening
      app answers (`GGZY_PARTY_EVENTS`) — never a project's other `parties` events;
    * anyone: their own trading events, embargoed or not (a bidder's receipt of its own bid).
    Everything else waits for its embargo to lift — one's own security events too: a refusal or a probe
    recorded under an embargo (a release refused, a bid file refused) tells its actor nothing before the
    embargo's instant, so probing what may be another's bid leaves no trace one can read.

    Scope: staff see the `parties` events of their centres only (an event of no centre is no centre's
    trade), supervisors those of their regions and the platform-wide ones (region empty).
    """
    allowed = Q(event_class__in=[EventClass.DOMAIN, EventClass.SECURITY], visibility=Visibility.PUBLIC)
    lifted = lifted_q(now)
    if not is_signed_in(viewer):
        return allowed & lifted
    roles = roles_of_user(viewer)
    scope = viewer_scope(viewer) if roles & {Role.CENTRE_STAFF, Role.SUPERVISOR} else Scope()
    if Role.CENTRE_STAFF in roles:
        centres = Q(centre__in=scope.centres)  # one's centre and the centres under it, and no other
        allowed |= Q(event_class=EventClass.DOMAIN, visibility=Visibility.PARTIES) & centres
    if Role.SUPERVISOR in roles:
        region = Q(region="")
        for prefix in scope.region_prefixes:  # a jurisdiction: the region and the regions within it
            region |= Q(region__startswith=prefix)
        allowed |= (
            Q(event_class=EventClass.DOMAIN, visibility__in=[Visibility.PARTIES, Visibility.SUPERVISORS])
            | Q(
                event_class=EventClass.SECURITY, visibility=Visibility.SUPERVISORS
            )  # refusals, custodian alarms
        ) & region
    if Role.AUDIT_ADMIN in roles:
        allowed |= Q(event_class=EventClass.SECURITY) | Q(visibility=Visibility.AUDIT)
    # a hall's parties: its opening records (the opening app says which, settings.GGZY_PARTY_EVENTS)
    allowed |= Q(event_class=EventClass.DOMAIN, visibility=Visibility.PARTIES) & import_string(
        settings.GGZY_PARTY_EVENTS
    )(viewer)
    own = Q(actor=viewer) & (Q(event_class=EventClass.DOMAIN) | lifted)
    return own | (allowed & lifted)


def events_visible_to(viewer: Viewer | None, *, now: dt.datetime | None = None) -> QuerySet[Event]:
    return Event.objects.filter(event_visibility_q(viewer, now or clock.now()))


#: Who points an event at the recording of its moment (6.8.2, 7.7.2): each provider takes the viewer and the
#: events of a page and answers, by event id, (label, playback link) pairs — only what that viewer may
#: watch. `venues` provides one (the cameras of the room booked for the event's section at its time).
EventRecordings = Callable[[Viewer, Sequence[Event]], dict[int, list[tuple[str, str]]]]
RECORDINGS: Hook[EventRecordings] = Hook("events.recordings")


def recordings_of(viewer: Viewer, events: Sequence[Event]) -> dict[int, list[tuple[str, str]]]:
    """The recordings of each event's moment that `viewer` may watch, by event id."""
    found: dict[int, list[tuple[str, str]]] = {}
    for provider in RECORDINGS.providers:
        for pk, links in provider(viewer, events).items():
            found.setdefault(pk, []).extend(links)
    return found


def event_list(
    *,
    viewer: Viewer | None,
    event_class: EventClass | None = None,
    type_prefix: str = "",
    project: str = "",
) -> QuerySet[Event]:
    events = events_visible_to(viewer)
    if event_class:
        events = events.filter(event_class=event_class)
    if type_prefix:
        events = events.filter(type__startswith=type_prefix)
    if project:
        events = events.filter(project_ref=project)
    return events.order_by("-id")


def messages_visible_to(viewer: Viewer | None, *, now: dt.datetime | None = None) -> QuerySet[Message]:
    """The delivery log as `viewer` may read it: one's own messages; and, once their embargo (the
    embargo of the event they are about) has lifted, for centre staff the messages about events of
    their centres, for supervisors those about events of their regions — scoped like the events — and
    for the system administrator, who runs the gateways, every message."""
    if not is_signed_in(viewer):
        return Message.objects.none()
    own = Q(recipient=viewer)
    roles = roles_of_user(viewer)
    lifted = lifted_q(now or clock.now())
    if Role.SYSTEM_ADMIN in roles:
        return Message.objects.filter(own | lifted)
    scope = viewer_scope(viewer) if roles & {Role.CENTRE_STAFF, Role.SUPERVISOR} else Scope()
    scoped = []
    if Role.CENTRE_STAFF in roles and scope.centres:
        scoped.append(Q(event__centre__in=scope.centres))
    if Role.SUPERVISOR in roles:
        scoped += [Q(event__region__startswith=prefix) for prefix in scope.region_prefixes]
    if not scoped:
        return Message.objects.filter(own)
    in_scope = scoped[0]
    for condition in scoped[1:]:
        in_scope |= condition
    return Message.objects.filter(own | (in_scope & lifted))


def inbox(*, viewer: Viewer | None, unread_only: bool = False) -> QuerySet[Message]:
    if not is_signed_in(viewer):
        return Message.objects.none()
    messages = Message.objects.filter(recipient=viewer, channel=DeliveryChannel.INBOX)
    if unread_only:
        messages = messages.filter(read_at__isnull=True)
    return messages.order_by("-created_at", "-id")


def delivery_log(*, viewer: Viewer | None, status: DeliveryStatus | None = None) -> QuerySet[Message]:
    messages = messages_visible_to(viewer).exclude(channel=DeliveryChannel.INBOX)
    if status:
        messages = messages.filter(status=status)
    return (
        messages.select_related("recipient")
        .prefetch_related("delivery_attempts")
        .order_by("-created_at", "-id")
    )
