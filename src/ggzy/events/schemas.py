from __future__ import annotations

import uuid
from datetime import datetime

from ninja import Schema

from ggzy.core.types import JSONDict


class EventOut(Schema):
    uid: str
    type: str
    event_class: str
    visibility: str
    occurred_at: datetime
    project: str
    section: str
    actor: str
    source: str
    data: JSONDict


class EventPage(Schema):
    count: int
    items: list[EventOut]


class MessageOut(Schema):
    uid: uuid.UUID
    template: str
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None


class DeliveryOut(Schema):
    uid: uuid.UUID
    template: str
    channel: str
    address: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str
