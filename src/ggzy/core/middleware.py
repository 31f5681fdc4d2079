"""Request-level guards: body size, endpoint access (fail closed), one error shape under /api/; the
language of the answer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from ggzy.core.access import (
    Access,
    _is_ninja_dispatcher,
    api_authenticate,
    api_headers_of,
    api_scope_of,
    declared_for_pattern,
)
from ggzy.core.errors import STATUS_TO_CODE, CoreError, DomainError
from ggzy.core.http import API_PREFIX, REFUSED_HEADER, error_response, is_error_shape, request_language
from ggzy.core.limits import body_limit
from ggzy.core.roles import Role, roles_of_user

logger = logging.getLogger(__name__)

GetResponse = Callable[[HttpRequest], HttpResponseBase]


def roles_of(request: HttpRequest) -> frozenset[Role]:
    """The roles the request's user holds (resolved by the accounts app, see settings)."""
    return roles_of_user(getattr(request, "user", None))


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, except that a page is in zh-hans whatever the browser's
    Accept-Language says; English only when the user chose it (the language switch's cookie). The API
    keeps answering in the language its client asks for (`core.http.request_language`)."""

    def process_request(self, request: HttpRequest) -> None:
        translation.activate(request_language(request))
        request.LANGUAGE_CODE = translation.get_language()


class RequestBodyLimitMiddleware:
    """Refuse a body above the endpoint's limit with 413 before anything reads it: the limit a view
    that takes files declares (`ggzy.core.limits.accepts_files`), GGZY_MAX_REQUEST_BODY for the rest."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return error_response(
                request, DomainError(CoreError.BAD_REQUEST, detail={"header": "Content-Length"})
            )
        if length < 0:
            return error_response(
                request, DomainError(CoreError.BAD_REQUEST, detail={"header": "Content-Length"})
            )
        if length > (limit := body_limit(request.path_info)):
            return error_response(
                request, DomainError(CoreError.PAYLOAD_TOO_LARGE, detail={"limit_bytes": limit})
            )
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            # No text column (PostgreSQL's least of all) takes NUL; no legitimate input has one.
            return error_response(
                request, DomainError(CoreError.BAD_REQUEST, detail={"reason": "NUL character"})
            )
        return self.get_response(request)


class ApiErrorShapeMiddleware:
    """Under /api/, any error response not already in the one shape is rewritten into it
    (Django's 404 for unknown routes, ninja's 405, a bare 500)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= HTTPStatus.BAD_REQUEST
            and isinstance(response, HttpResponse)
            and not is_error_shape(response)
        ):
            code = STATUS_TO_CODE.get(response.status_code, CoreError.BAD_REQUEST)
            reshaped = error_response(request, DomainError(code))
            reshaped.status_code = response.status_code
            if allow := response.get("Allow"):
                reshaped["Allow"] = allow
            return reshaped
        return response


def _api_refusal(request: HttpRequest, access: Access, view: object, scope: str) -> HttpResponseBase | None:
    """A plain view declared `api_view` is authenticated as an API operation (bearer token, else session
    with CSRF): None lets the request through, else the refusal in the one error shape, with the headers
    the view's protocol puts on every answer."""
    try:
        api_authenticate(request, access, scope)
    except DomainError as exc:
        refusal = error_response(request, exc)
        for header, value in api_headers_of(view).items():
            refusal[header] = value
        return refusal
    return None


class AccessMiddleware:
    """Enforce each page's declared access; a page without a declaration is refused (fail closed).

    API operations are enforced by their own auth (ggzy.core.api.Router) before the body is read.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        """A service's refusal raised in a page view becomes the one error page (or JSON)."""
        if isinstance(exception, DomainError):
            return error_response(request, exception)
        return None

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        if _is_ninja_dispatcher(view_func):
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        access = declared_for_pattern(name, list(match.namespaces) if match else [], view_func)
        if access is None:
            logger.error("refused %s: the view %s declares no access", request.path, name or view_func)
            return error_response(request, DomainError.refused(CoreError.FORBIDDEN))
        if not access.public and (scope := api_scope_of(view_func)):  # a plain view under /api/ (`api_view`)
            return _api_refusal(request, access, view_func, scope)
        authenticated = bool(request.user.is_authenticated)
        if access.allows(
            authenticated=authenticated, roles=roles_of(request) if authenticated else frozenset()
        ):
            return None
        if not authenticated:
            response = redirect_to_login(request.get_full_path())
            response[REFUSED_HEADER] = "access"
            return response
        return error_response(request, DomainError.refused(CoreError.FORBIDDEN))
