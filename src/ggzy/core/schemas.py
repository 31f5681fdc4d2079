from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias, TypeVar

from ninja import Schema
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

E = TypeVar("E")


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
