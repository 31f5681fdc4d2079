from __future__ import annotations

from datetime import datetime

from ninja import Schema


class ClockOut(Schema):
    authority: str  # "postgresql clock_timestamp()" or "host clock"
    offset_ms_to_host: float | None  # authority minus this host's clock
    ntp_offset_ms: float | None  # this host's offset to its NTP source (chrony), where known
    sandbox: bool
    warning: str


class HealthOut(Schema):
    status: str
    database: bool
    time: datetime
    clock: ClockOut


class RoleOut(Schema):
    code: str
    label: str
    who: str
    work: str


class EndpointOut(Schema):
    key: str
    route: str
    access: str
