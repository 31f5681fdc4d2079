from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from ninja import Query, Schema, Status
from pydantic import Field

from ggzy.core.access import allow, signed_in
from ggzy.core.api import PAGED, Router, paged
from ggzy.core.roles import Role
from ggzy.core.schemas import OptionalChoice, PageQuery
from ggzy.events import notifications, selectors
from ggzy.events.models import Event, Message
from ggzy.events.schemas import DeliveryOut, EventOut, EventPage, MessageOut
from ggzy.events.states import DeliveryStatus, EventClass

router = Router(tags=["events"])


class EventFilter(Schema):
    event_class: OptionalChoice[EventClass] = None
    type_prefix: str = Field("", max_length=100)
    project: str = Field("", max_length=64)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=2**31 - 1)  # databases index with 32-/64-bit integers


def event_out(event: Event) -> EventOut:
    return EventOut(
        uid=str(event.uid),
        type=event.type,
        event_class=event.event_class,
        visibility=event.visibility,
        occurred_at=event.occurred_at,
        project=event.project_ref,
        section=event.section_ref,
        actor=event.actor_label,
        source=event.source,
        data=event.data,
    )


def delivery_out(message: Message) -> DeliveryOut:
    failures = [a for a in message.delivery_attempts.all() if not a.ok]
    return DeliveryOut(
        uid=message.uid,
        template=message.template,
        channel=message.channel,
        address=message.masked_address,
        status=message.status,
        attempts=message.attempts,
        created_at=message.created_at,
        sent_at=message.sent_at,
        last_error=failures[-1].error if failures else "",
    )


@router.get(
    "/events",
    response=EventPage,
    summary="Events I may see (embargoed events are neither listed nor counted)",
)
@signed_in
def event_list(request: HttpRequest, filters: Query[EventFilter]) -> EventPage:
    events = selectors.event_list(
        viewer=request.user,
        event_class=filters.event_class,
        type_prefix=filters.type_prefix,
        project=filters.project,
    )
    page = events[filters.offset : filters.offset + filters.limit]
    return EventPage(count=events.count(), items=[event_out(e) for e in page])


@router.get(
    "/inbox", response=list[MessageOut], summary="My in-app messages, a page at a time", openapi_extra=PAGED
)
@signed_in
def inbox(
    request: HttpRequest, response: HttpResponse, page: Query[PageQuery], unread: bool = False
) -> list[MessageOut]:
    return [
        MessageOut.model_validate(m, from_attributes=True)
        for m in paged(request, response, selectors.inbox(viewer=request.user, unread_only=unread), page)
    ]


@router.post("/inbox/{message_uid}/read", response={204: None}, summary="Mark one of my messages read")
@signed_in
def inbox_read(request: HttpRequest, message_uid: uuid.UUID) -> Status[None]:
    notifications.message_mark_read(viewer=request.user, message_uid=message_uid)
    return Status(204, None)


class DeliveryFilter(Schema):
    status: OptionalChoice[DeliveryStatus] = None


@router.get(
    "/deliveries",
    response=list[DeliveryOut],
    summary="The delivery log of e-mail, SMS and voice messages, a page at a time",
    openapi_extra=PAGED,
)
@allow(Role.CENTRE_STAFF, Role.SYSTEM_ADMIN)
def deliveries(
    request: HttpRequest, response: HttpResponse, filters: Query[DeliveryFilter], page: Query[PageQuery]
) -> list[DeliveryOut]:
    messages = selectors.delivery_log(viewer=request.user, status=filters.status)
    return [delivery_out(m) for m in paged(request, response, messages, page)]
