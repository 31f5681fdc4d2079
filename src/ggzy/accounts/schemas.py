from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str]
    language: str


class TokenIn(Schema):
    name: str = Field(..., description="A name to recognise the token by", max_length=200)
    days: int = Field(90, description="Lifetime in days (1–366)")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The token itself; shown only this once")
