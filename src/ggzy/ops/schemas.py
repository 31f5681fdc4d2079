from __future__ import annotations

from datetime import datetime

from ninja import Schema


class KeyOut(Schema):
    purpose: str
    key_id: str
    algorithm: str
    public_key: str
    created_at: datetime
    retired_at: datetime | None
    active: bool
