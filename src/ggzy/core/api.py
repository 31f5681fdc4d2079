"""The API's building blocks: `GgzyAPI` (one error shape, one handler) and `Router` (access from
the operation's declaration, every 4xx documented in the schema).

Apps write

    router = Router(tags=["accounts"])

    @router.get("/me", response=MeOut)
    @signed_in
    def me(request): ...

and `ggzy/api.py` mounts their routers under /api/v1/.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast, overload

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, RequestDataTooBig
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from ninja import NinjaAPI, Schema
from ninja import Router as NinjaRouter
from ninja.constants import NOT_SET
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from ggzy.core.access import Access, access_of
from ggzy.core.errors import STATUS_TO_CODE, CoreError, DomainError, ErrorCodeBase
from ggzy.core.http import mark_refusal
from ggzy.core.schemas import PageQuery

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The attribute that carries an operation's token scope (read by `ggzy.core.access.walk_api`).
SCOPE_ATTR = "ggzy_token_scope"
#: The attribute that carries the refusals an operation declares with `@refuses` (read by `Router`).
REFUSALS_ATTR = "ggzy_refusals"
#: What a status an operation declares with `@refuses` means, in its OpenAPI entry (with the codes).
REFUSAL_TEXT: dict[int, str] = {409: "Refused: it conflicts with the state of what it acts on"}

F = TypeVar("F", bound=Callable[..., Any])
Row = TypeVar("Row")
M = TypeVar("M", bound=Model)


def token_scope(area: str, methods: list[str]) -> str:
    """The scope a bearer token needs for an operation: "<area>:read" for reads, "<area>:write" else.
    The area is the router's first tag (accounts, registry, sealing, …)."""
    return f"{area}:{'read' if set(methods) <= SAFE_METHODS else 'write'}"


class ErrorOut(Schema):
    """The one error shape of the platform."""

    code: str
    message: str
    detail: Any = None


def refuses(*codes: ErrorCodeBase) -> Callable[[F], F]:
    """Declare the refusals an operation answers beyond those every operation can (`error_responses`):
    the codes whose status is not one of those — today 409, a conflict with the state of what it acts
    on — placed below the route decorator like the access declaration:

        @router.post("/service/questions/{question_uid}/take", response=QuestionOut)
        @allow(Role.CENTRE_STAFF)
        @refuses(ServiceError.TAKEN, ServiceError.ANSWERED)
        def question_take(request, question_uid): ...

    The router documents each status with the codes that answer it, and the schemathesis test
    (`tests/api/test_schemathesis.py`) fails on a status an operation answers but does not document."""

    def mark(view: F) -> F:
        setattr(view, REFUSALS_ATTR, (*getattr(view, REFUSALS_ATTR, ()), *codes))
        return view

    return mark


def error_responses(
    access: Access, methods: list[str], refusals: Sequence[ErrorCodeBase] = ()
) -> dict[int, type[ErrorOut]]:
    """The 4xx a operation can answer, for its OpenAPI entry: 400 (malformed JSON, a NUL character, a
    bad Content-Length), 404 and 422 everywhere; 401 and 403 unless public; 408 (a body that stalls,
    `core.bodyguard`), 413 and 415 for methods with a body; and the statuses of the refusals it
    declares (`refuses`)."""
    codes = {400, 404, 422} | {code.status for code in refusals}
    if not access.public:
        codes |= {401, 403}
    if BODY_METHODS & set(methods):
        codes |= {408, 413, 415}
    return dict.fromkeys(sorted(codes), ErrorOut)


def _response_docs(statuses: Sequence[int], refusals: Sequence[ErrorCodeBase]) -> dict[int, dict[str, str]]:
    """The description of each error status in an operation's OpenAPI entry, naming the codes it declares."""
    docs: dict[int, dict[str, str]] = {}
    for status in statuses:
        text = REFUSAL_TEXT.get(status, "Refused")
        named = sorted({f"`{code.value}`" for code in refusals if code.status == status})
        docs[status] = {"description": f"{text}: {', '.join(named)}" if named else text}
    return docs


#: The response headers of a paged list (`paged`), for the list operation's OpenAPI entry.
PAGE_HEADERS: dict[str, Any] = {
    "X-Total-Count": {
        "description": "How many items the whole list has (every page together)",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Link": {
        "description": 'The next page, `<url>; rel="next"`, when there is one',
        "schema": {"type": "string"},
    },
}
#: `openapi_extra` of a paged list operation: its 200 answer documents the paging headers.
PAGED: dict[str, Any] = {"responses": {200: {"headers": PAGE_HEADERS}}}


@overload
def paged(request: HttpRequest, response: HttpResponse, rows: QuerySet[M], page: PageQuery) -> list[M]: ...
@overload
def paged(
    request: HttpRequest, response: HttpResponse, rows: Sequence[Row], page: PageQuery
) -> list[Row]: ...
def paged(
    request: HttpRequest, response: HttpResponse, rows: QuerySet[Any] | Sequence[Any], page: PageQuery
) -> list[Any]:
    """One page of a list operation's rows: `page.limit` rows from `page.offset` on, in the rows' order
    (a queryset is ordered by its own ordering, then by key, so pages neither overlap nor skip). The
    total goes into `X-Total-Count`, the next page's address into `Link` (`rel="next"`)."""
    if isinstance(rows, QuerySet):
        ordering = list(rows.query.order_by or rows.model._meta.ordering or [])
        if not {"pk", "-pk", "id", "-id"} & set(map(str, ordering)):
            rows = rows.order_by(*ordering, "pk")
        total = rows.count()
    else:
        total = len(rows)
    end = page.offset + page.limit
    found = list(rows[page.offset : end])
    response["X-Total-Count"] = str(total)
    if end < total:
        query = request.GET.copy()
        query["offset"] = str(end)
        query["limit"] = str(page.limit)
        response["Link"] = f'<{request.path}?{query.urlencode()}>; rel="next"'
    return found


class Utf8JSONRenderer(JSONRenderer):
    """JSON as UTF-8 text: Chinese stays readable (no \\uXXXX escapes)."""

    json_dumps_params: Mapping[str, Any] = {"ensure_ascii": False}


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class StrictJSONParser(Parser):
    """Request bodies are JSON, said so in Content-Type; anything else is 415 or 400."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        content_type = request.content_type or ""
        if content_type != "application/json":
            raise DomainError(CoreError.UNSUPPORTED_MEDIA_TYPE, detail={"content_type": content_type})
        try:
            data = json.loads(request.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DomainError(
                CoreError.MALFORMED_JSON, detail={"position": getattr(exc, "pos", None)}
            ) from exc
        if _has_nul(data):  # a \u0000 anywhere: no text column (PostgreSQL's least of all) takes it
            raise DomainError(CoreError.BAD_REQUEST, detail={"reason": "NUL character"})
        return cast(dict[str, Any], data)


class Router(NinjaRouter):
    """A ninja router whose operations take their auth from the `ggzy.core.access` declaration."""

    def add_api_operation(
        self, path: str, methods: list[str], view_func: Callable[..., Any], **kwargs: Any
    ) -> None:
        access = access_of(view_func)
        if access is None:
            raise ImproperlyConfigured(
                f"API operation {methods} {path} ({view_func.__qualname__}) declares no access: "
                "decorate it with @public, @signed_in or @allow(...) below the route decorator"
            )
        if kwargs.get("auth", NOT_SET) is not NOT_SET:
            raise ImproperlyConfigured(f"{path}: give access by declaration, not by auth=")
        auth_for: Callable[[Access, str], Any] = import_string(settings.GGZY_API_AUTH)
        area = str((kwargs.get("tags") or self.tags or ["core"])[0])
        scope = token_scope(area, methods)
        setattr(view_func, SCOPE_ATTR, scope)
        kwargs["auth"] = None if access.public else auth_for(access, scope)
        response = kwargs.get("response", NOT_SET)
        if response is NOT_SET:
            response = {204: None}
        elif not isinstance(response, dict):
            response = {200: response}
        refusals: tuple[ErrorCodeBase, ...] = getattr(view_func, REFUSALS_ATTR, ())
        errors = error_responses(access, methods, refusals)
        kwargs["response"] = {**errors, **response}
        extra = dict(kwargs.get("openapi_extra") or {})
        if refusals:  # each declared status says which codes answer it
            documented = _response_docs(sorted({code.status for code in refusals}), refusals)
            for status, doc in dict(extra.get("responses") or {}).items():
                documented[int(status)] = {**documented.get(int(status), {}), **doc}
            extra["responses"] = documented
        extra["x-ggzy-access"] = access.describe()
        if not access.public:
            extra["x-ggzy-token-scope"] = scope
        kwargs["openapi_extra"] = extra
        super().add_api_operation(path, methods, view_func, **kwargs)


class GgzyAPI(NinjaAPI):
    """NinjaAPI with the platform's error handling: every failure becomes the one error shape."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("parser", StrictJSONParser())
        kwargs.setdefault("renderer", Utf8JSONRenderer())
        super().__init__(**kwargs)
        handlers: dict[type[Exception], Callable[..., HttpResponse]] = {
            DomainError: self._domain_error,
            ValidationError: self._validation_error,
            AuthenticationError: self._authentication_error,
            HttpError: self._http_error,
            Http404: self._not_found,
            PermissionDenied: self._forbidden,
        }
        for exc_class, handler in handlers.items():
            self.add_exception_handler(exc_class, handler)

    def _domain_error(self, request: HttpRequest, exc: DomainError) -> HttpResponse:
        return mark_refusal(self.create_response(request, exc.as_dict(), status=exc.status), exc)

    def _validation_error(self, request: HttpRequest, exc: ValidationError) -> HttpResponse:
        detail = [
            {"loc": [str(x) for x in e.get("loc", ())], "type": e.get("type"), "msg": e.get("msg")}
            for e in exc.errors
        ]
        return self._domain_error(request, DomainError(CoreError.VALIDATION_FAILED, detail=detail))

    def _authentication_error(self, request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return self._domain_error(request, DomainError.refused(CoreError.UNAUTHENTICATED))

    def _http_error(self, request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__
        if isinstance(cause, DomainError):
            return self._domain_error(request, cause)
        if isinstance(cause, RequestDataTooBig):
            return self._domain_error(request, DomainError(CoreError.PAYLOAD_TOO_LARGE))
        if exc.status_code == 403 and "CSRF" in str(exc):  # noqa: PLR2004
            return self._domain_error(request, DomainError(CoreError.CSRF_FAILED))
        code = STATUS_TO_CODE.get(exc.status_code, CoreError.BAD_REQUEST)
        response = self._domain_error(request, DomainError(code))
        response.status_code = exc.status_code
        return response

    def _not_found(self, request: HttpRequest, exc: Http404) -> HttpResponse:
        return self._domain_error(request, DomainError(CoreError.NOT_FOUND))

    def _forbidden(self, request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return self._domain_error(request, DomainError(CoreError.FORBIDDEN))
