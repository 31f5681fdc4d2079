"""One error type for the whole platform.

Services raise `DomainError(code)`; one handler turns it into the one error shape
`{"code": ..., "message": ..., "detail": ...}` with the code's HTTP status, for the API and for pages.
Each app declares its codes as an enum derived from `ErrorCodeBase` in its own `errors.py`; the
message is a lazy translation (zh-hans by default, English when the request asks for it).
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ErrorCodeBase(StrEnum):
    """An error code: its value is the machine code; it carries an HTTP status and a message."""

    status: int
    message: Promise

    def __new__(cls, code: str, status: int, message: Promise) -> ErrorCodeBase:
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.status = status
        obj.message = message
        return obj


class CoreError(ErrorCodeBase):
    BAD_REQUEST = "bad_request", 400, _("The request is not valid.")
    MALFORMED_JSON = "malformed_json", 400, _("The request body is not valid JSON.")
    VALIDATION_FAILED = "validation_failed", 422, _("Some fields are missing or not valid.")
    UNAUTHENTICATED = "unauthenticated", 401, _("Please sign in or send a valid access token.")
    TOKEN_INVALID = "token_invalid", 401, _("The access token is not valid.")
    TOKEN_EXPIRED = "token_expired", 401, _("The access token has expired.")
    FORBIDDEN = "forbidden", 403, _("You are not allowed to do this.")
    TOKEN_SCOPE = (
        "token_scope",
        403,
        _("The access token was not given the scope this operation needs."),
    )
    ACCOUNT_LOCKED = (
        "account_locked",
        401,
        _("The account is locked after repeated failed sign-ins. Try again later."),
    )
    PASSWORD_CHANGE_REQUIRED = (
        "password_change_required",
        403,
        _("Change your password on the platform's pages first."),
    )
    SESSION_REQUIRED = (
        "session_required",
        403,
        _("This can only be done in a signed-in browser session, not with an access token."),
    )
    CSRF_FAILED = (
        "csrf_failed",
        403,
        _("The form has expired or its security check failed. Reload the page and try again."),
    )
    NOT_FOUND = "not_found", 404, _("Not found.")
    METHOD_NOT_ALLOWED = "method_not_allowed", 405, _("This method is not allowed here.")
    CONFLICT = "conflict", 409, _("The data was changed by someone else. Reload and try again.")
    REQUEST_TIMEOUT = (
        "request_timeout",
        408,
        _("The request did not arrive in time and was dropped. Try again."),
    )
    PAYLOAD_TOO_LARGE = "payload_too_large", 413, _("The request body is too large.")
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", 415, _("Send the request body as application/json.")
    TOO_MANY_REQUESTS = "too_many_requests", 429, _("Too many requests. Wait a moment and try again.")
    INTERNAL_ERROR = "internal_error", 500, _("Something went wrong on our side. It has been logged.")
    MASTER_KEY_WRONG = (
        "master_key_wrong",
        500,
        _("The platform's master key cannot unlock the key store: check GGZY_MASTER_KEY."),
    )
    KEY_UNKNOWN = "key_unknown", 500, _("A stored value refers to a key the key store does not have.")


#: The status codes a response may carry, to a code, for errors that arise outside a service.
STATUS_TO_CODE: dict[int, CoreError] = {
    400: CoreError.BAD_REQUEST,
    401: CoreError.UNAUTHENTICATED,
    403: CoreError.FORBIDDEN,
    404: CoreError.NOT_FOUND,
    405: CoreError.METHOD_NOT_ALLOWED,
    408: CoreError.REQUEST_TIMEOUT,
    409: CoreError.CONFLICT,
    413: CoreError.PAYLOAD_TOO_LARGE,
    415: CoreError.UNSUPPORTED_MEDIA_TYPE,
    422: CoreError.VALIDATION_FAILED,
    429: CoreError.TOO_MANY_REQUESTS,
    500: CoreError.INTERNAL_ERROR,
}


class DomainError(Exception):
    """A refusal with a machine code, a translated message and optional structured detail."""

    def __init__(
        self,
        code: ErrorCodeBase,
        message: str | Promise | None = None,
        *,
        detail: Any = None,
    ) -> None:
        self.code = code
        self.message = message if message is not None else code.message
        self.detail = detail
        #: set when the access layer (not a business rule) refused: shown as X-Ggzy-Refused
        self.access_refusal = False
        super().__init__(f"{code.value}: {self.message}")

    @property
    def status(self) -> int:
        return self.code.status

    @classmethod
    def refused(cls, code: ErrorCodeBase) -> DomainError:
        """A refusal by the access layer (declared access not met)."""
        error = cls(code)
        error.access_refusal = True
        return error

    def text(self) -> str:
        """The message in the active language, with what the detail names filled in where the message
        has `%(name)s` places (a place the detail does not give is left empty)."""
        message = str(self.message)
        if "%(" not in message or not isinstance(self.detail, dict):
            return message
        values: defaultdict[str, str] = defaultdict(str, {str(k): str(v) for k, v in self.detail.items()})
        try:
            return message % values
        except (TypeError, ValueError):
            return message

    def as_dict(self) -> dict[str, Any]:
        """The one error shape; the message is rendered in the active language."""
        return {"code": self.code.value, "message": self.text(), "detail": self.detail}
