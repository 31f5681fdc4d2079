from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Literal

from ninja import Field, Schema

from ggzy.accounts.models import AccountChangeKind, EnrolmentCode, Organisation
from ggzy.core.roles import Role
from ggzy.core.schemas import OptionalChoice


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str]
    language: str


class TokenIn(Schema):
    name: str = Field(
        ..., description="A name to recognise the token by", min_length=1, max_length=100, pattern=r"\S"
    )
    days: int = Field(30, description="Lifetime in days", ge=1, le=90)
    scopes: list[str] = Field(
        ...,
        min_length=1,
        max_length=100,
        description='What the token may do: "<area>:read" or "<area>:write" (see x-ggzy-token-scope '
        "on each operation); never more than the user's roles allow",
    )


class TokenOut(Schema):
    uid: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    scopes: list[str]
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The token itself; shown only this once")


class OrganisationIn(Schema):
    """Exactly what registration asks: nothing about local registration, branch offices or the
    presence of the legal representative (standard 11.2.6, 11.2.7). An organisation without a
    统一社会信用代码 (Hong Kong, Macao, Taiwan, abroad) gives its own registration code and its kind."""

    code_kind: Organisation.CodeKind = Field(
        Organisation.CodeKind.USCC,
        description="The kind of registration code: uscc 统一社会信用代码, hk_br 香港商业登记号码, "
        "macao 澳门商业登记编号, taiwan_ubn 台湾统一编号, foreign 境外注册号",
    )
    uscc: str = Field(
        ...,
        min_length=1,
        max_length=60,
        description="The registration code of that kind (the field keeps its historical name)",
    )
    country: str = Field(
        "",
        max_length=2,
        description="Only for code_kind foreign: the ISO 3166-1 alpha-2 country of registration (not CN)",
    )
    name: str = Field(..., min_length=2, max_length=200)
    legal_representative: str = Field(..., min_length=1, max_length=50)
    contact_name: str = Field(..., min_length=1, max_length=50)
    contact_phone: str = Field(..., min_length=5, max_length=20)


class OrganisationOut(Schema):
    uid: uuid.UUID
    code_kind: str
    uscc: str = Field(..., description="The registration code of kind code_kind")
    country: str
    name: str
    region: str
    legal_representative: str
    contact_phone: str  # masked


class RoleGrantIn(Schema):
    role: Role
    centre: str = Field("", max_length=32)
    organisation_uid: uuid.UUID | None = None
    region: str = Field("", pattern=r"^(|\d{6})$")
    category: str = Field("", max_length=32)


class RoleGrantOut(Schema):
    uid: uuid.UUID
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


class RoleGrantRevokedOut(Schema):
    uid: uuid.UUID
    role: str
    revoked_at: datetime


class ReasonIn(Schema):
    reason: str = Field(..., min_length=4, max_length=500)


class PasswordResetIn(ReasonIn):
    deliver: Literal["show", "sms"] = Field(
        "show", description="show once to me, or SMS to the phone on record"
    )


class SecretOut(Schema):
    """A one-time secret, shown once (empty when it went by SMS)."""

    secret: str


class EnrolmentCodeIn(Schema):
    channel: Literal[EnrolmentCode.Channel.IN_PERSON, EnrolmentCode.Channel.SMS] = Field(
        ...,
        description="handed over in person, or sent to the phone on record",
    )


class ActiveIn(ReasonIn):
    active: bool


class PhoneIn(Schema):
    phone: str = Field("", max_length=20)


class AccountChangeIn(Schema):
    kind: AccountChangeKind
    target: str = Field(..., min_length=1, max_length=150, description="the account's user name")
    role: OptionalChoice[Role] = Field(None, description="the administrator role to grant or revoke")
    reason: str = Field(..., min_length=4, max_length=500)


class DecisionIn(Schema):
    note: str = Field("", max_length=500)


class AccountChangeOut(Schema):
    uid: uuid.UUID
    kind: str
    target: str
    role: str
    reason: str
    state: str
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    decided_by: str
    decided_at: datetime | None
    note: str


class AccountChangeDecidedOut(AccountChangeOut):
    secret: str = Field(
        "", description="a temporary password or enrolment code to hand over in person, shown once"
    )


class CentreIn(Schema):
    code: str = Field(
        ...,
        min_length=1,
        max_length=32,
        description="lower-case letters, digits and hyphens, beginning with a letter; cannot change",
    )
    name: str = Field(..., min_length=2, max_length=100)
    region: str = Field(..., pattern=r"^\d{6}$", description="GB/T 2260 code of a province or a prefecture")
    parent: str = Field("", max_length=32, description="the code of the centre above it (a province's)")
    closing_time: time = Field(time(17, 0), description="when the working day ends (Asia/Shanghai)")


class CentreOut(Schema):
    code: str
    name: str
    region: str
    region_name: str
    parent: str
    closing_time: time


class AccountIn(Schema):
    username: str = Field(..., min_length=1, max_length=150, description="letters, digits and @.+-_")
    last_name: str = Field(..., min_length=1, max_length=150, description="family name")
    first_name: str = Field(..., min_length=1, max_length=150, description="given name")
    email: str = Field(..., min_length=3, max_length=254)
    phone: str = Field("", max_length=20, description="a mobile number, for codes and security notices")


class AccountCreatedOut(Schema):
    username: str
    full_name: str
    must_change_password: bool
    initial_password: str = Field(
        ..., description="shown only this once; the account changes it at its first sign-in"
    )
