from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str]
    language: str


class TokenIn(Schema):
    name: str = Field(
        ..., description="A name to recognise the token by", min_length=1, max_length=100, pattern=r"\S"
    )
    days: int = Field(90, description="Lifetime in days", ge=1, le=366)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The token itself; shown only this once")
