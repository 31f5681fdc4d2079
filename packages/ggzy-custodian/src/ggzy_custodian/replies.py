"""What the custodian service answers and how it reads a request: the status of each refusal, the
bodies of its refusals and failures, the parsing of request bodies and query strings, and the fields of
a log line (`ggzy_custodian.service` describes the protocol)."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import parse_qs

from ggzy_sm import canonical, strict
from ggzy_sm.custodians import CustodianError
from ggzy_sm.jsonservice import Reply

FIELD_LIMIT = 128  # characters of a logged field (a log line is a record, not a copy of the request)

_STATUS = {
    "too_early": HTTPStatus.TOO_EARLY,
    "malformed": HTTPStatus.BAD_REQUEST,
    "not_found": HTTPStatus.NOT_FOUND,
    "late": HTTPStatus.CONFLICT,
    "not_acknowledged": HTTPStatus.CONFLICT,
    "full": HTTPStatus.CONFLICT,
}


def status_of(reason: str) -> HTTPStatus:
    """The status of a refusal: 425 too_early, 400 malformed, 404 not_found, 409 late and
    not_acknowledged, 422 every other (POST /ack answers malformed with 422: its own rule, §9)."""
    return _STATUS.get(reason, HTTPStatus.UNPROCESSABLE_ENTITY)


def plain(value: Any) -> Any:
    """A refusal's detail as JSON."""
    if isinstance(value, dt.datetime):
        return canonical.format_instant(value)
    return value if isinstance(value, str | int | bool) or value is None else str(value)


def log_field(value: Any) -> str | int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    return str(value)[:FIELD_LIMIT] if isinstance(value, str) else None


def refusal_reply(exc: CustodianError, status: HTTPStatus | None = None) -> Reply:
    detail = {key: plain(value) for key, value in exc.detail.items()}
    return Reply(status or status_of(exc.reason), {**detail, "reason": exc.reason, "message": str(exc)})


def internal_reply(what: str, exc: BaseException) -> Reply:
    return Reply(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        {"reason": "internal", "message": f"the custodian could not {what} ({type(exc).__name__})"},
    )


def state_failure(what: str) -> Reply:
    return Reply(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        {"reason": "state", "message": f"the custodian cannot write its state: {what}"},
    )


def parse_json(raw: bytes) -> Any:
    """A request body as JSON, or CustodianError("malformed"). As the format reads JSON (ggzy_sm.strict):
    UTF-8, no key twice (a signed header must not read one way here and another way elsewhere), no
    float, no NaN or Infinity."""
    try:
        return strict.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise CustodianError("malformed", f"the body is not JSON as the format allows it: {exc}") from exc


def parse_request(raw: bytes) -> dict[str, Any]:
    """A share request's outer shape (custodians.answer checks the rest): an object whose notices, if
    any, are a list — the custodian learns the valid ones."""
    request = parse_json(raw)
    if not isinstance(request, dict):
        raise CustodianError("malformed", "a share request is a JSON object")
    if not isinstance(request.get("notices", []), list):
        raise CustodianError("malformed", "the request's notices are not a list")
    return request


def query_value(query: str, name: str) -> str:
    """The one value of `name` in a query string; CustodianError("malformed") when it is missing, given
    twice, or the query is not one."""
    try:
        values = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query), max_num_fields=8)
    except ValueError as exc:
        raise CustodianError("malformed", f"the query is not one: {exc}") from exc
    found = values.get(name, [])
    if len(found) != 1:
        raise CustodianError("malformed", f"give ?{name}= once")
    return found[0]


def section_query(query: str) -> str:
    section = query_value(query, "section")
    if not strict.SECTION.fullmatch(section):
        raise CustodianError("malformed", "a section code is a capital letter and 22 digits")
    return section


class QueryRoute(Protocol):
    def __call__(self, query: str, *, now: dt.datetime, remote: str) -> Reply: ...
