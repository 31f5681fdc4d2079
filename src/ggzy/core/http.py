"""The one error response: JSON for API clients, a page for browsers, in the request's language."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation

from ggzy.core.errors import DomainError

API_PREFIX = "/api/"


def wants_json(request: HttpRequest) -> bool:
    if request.path.startswith(API_PREFIX):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


REFUSED_HEADER = "X-Ggzy-Refused"


def mark_refusal(response: HttpResponse, error: DomainError) -> HttpResponse:
    if error.access_refusal:
        response[REFUSED_HEADER] = "access"
    return response


def request_language(request: HttpRequest) -> str:
    """The language to answer in. Pages: the one the user chose with the language switch (its cookie),
    else the platform's (zh-hans) — never guessed from the browser's Accept-Language, so a Chinese
    platform reads Chinese on an English browser too. The API (machine clients) also honours
    Accept-Language, as its documentation says."""
    if request.path.startswith(API_PREFIX):
        return translation.get_language_from_request(request)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in dict(settings.LANGUAGES):
        return translation.get_supported_language_variant(chosen)
    return str(settings.LANGUAGE_CODE)


def error_response(request: HttpRequest, error: DomainError) -> HttpResponse:
    """Render `error` in the one shape; works before LocaleMiddleware has run too."""
    language = request_language(request)
    with translation.override(language):
        if wants_json(request):
            response: HttpResponse = JsonResponse(
                error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False}
            )
        else:
            response = render(
                request,
                "core/error.html",
                {"error": error.as_dict(), "status": error.status},
                status=error.status,
            )
        response["Content-Language"] = language
        return mark_refusal(response, error)


def is_error_shape(response: HttpResponse) -> bool:
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and {"code", "message"} <= body.keys()
