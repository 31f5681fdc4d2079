from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias, TypeVar

from ninja import Schema
from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

E = TypeVar("E")

#: The largest integer a signed 64-bit column (SQLite's INTEGER, PostgreSQL's bigint) holds. Every integer
#: the API takes is bounded by it or tighter, so a too-large number is the API's 422, never an overflow
#: in the database (a 500). `tests/api/test_bounds.py` walks the OpenAPI document for an unbounded one.
INT64_MAX = 2**63 - 1

#: A count or position that indexes rows: from 0 to the largest signed 64-bit integer.
Count: TypeAlias = Annotated[int, Field(ge=0, le=INT64_MAX)]
#: A size of the witness log (a tree size): from 1 to the largest signed 64-bit integer.
TreeSize: TypeAlias = Annotated[int, Field(ge=1, le=INT64_MAX)]
#: The most items one page of a list answers, and how many it answers when the client does not say.
PAGE_MAX = 500
PAGE_DEFAULT = 200


class PageQuery(Schema):
    """Paging of a list operation: `limit` items from `offset` on, in the list's own order. The answer
    is the page's items; the headers say how many there are in all (`X-Total-Count`) and where the next
    page is (`Link`, `rel="next"`): `core.api.paged`."""

    limit: int = Field(PAGE_DEFAULT, ge=1, le=PAGE_MAX, description="how many items at most")
    offset: int = Field(0, ge=0, le=INT64_MAX, description="how many items to skip")


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


class _BlankIsNone:
    """The empty value validates as None, and the schema says it may be sent."""

    def __get_pydantic_core_schema__(self, source: type, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(_blank_is_none, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        found = handler(schema)
        return {**found, "anyOf": [*found.get("anyOf", []), {"const": "", "type": "string"}]}


#: A filter on one of an enum's values, or none (``None``: any). The empty value means none too: it is
#: the "any" of a filter form and what clients sent before the filter took its enum.
#: ``event_class: OptionalChoice[EventClass] = None``
OptionalChoice: TypeAlias = Annotated[E | None, _BlankIsNone()]


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
