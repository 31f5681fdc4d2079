from __future__ import annotations

from datetime import datetime

from ninja import Schema


class HealthOut(Schema):
    status: str
    database: bool
    time: datetime


class RoleOut(Schema):
    code: str
    label: str
    who: str
    work: str


class EndpointOut(Schema):
    key: str
    route: str
    access: str
