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


class OrganisationIn(Schema):
    """Exactly what registration asks: nothing about local registration, branch offices or the
    presence of the legal representative (standard 11.2.6, 11.2.7)."""

    uscc: str = Field(..., min_length=18, max_length=20, description="统一社会信用代码")
    name: str = Field(..., min_length=2, max_length=200)
    legal_representative: str = Field(..., min_length=1, max_length=50)
    contact_name: str = Field(..., min_length=1, max_length=50)
    contact_phone: str = Field(..., min_length=5, max_length=20)


class OrganisationOut(Schema):
    id: int
    uscc: str
    name: str
    region: str
    legal_representative: str
    contact_phone: str  # masked


class RoleGrantIn(Schema):
    role: str = Field(..., pattern=r"^[a-z_]+$")
    centre: str = Field("", max_length=32)
    organisation_id: int | None = None
    region: str = Field("", pattern=r"^(|\d{6})$")
    category: str = Field("", max_length=32)


class RoleGrantOut(Schema):
    id: int
    role: str
    centre: str
    organisation: str
    region: str


class EntrustmentOut(Schema):
    project: str
    initiator: str
    agent: str
    scope: str
    valid_from: datetime
    valid_until: datetime
