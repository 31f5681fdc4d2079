"""A URLconf of views that declare body limits in the ways the limits layer must understand."""

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST
from ninja import NinjaAPI, Router

from ggzy.core.access import allow, public
from ggzy.core.limits import accepts_files
from ggzy.core.roles import Role
from ggzy.urls import urlpatterns as project_patterns

LIMIT = {"value": 3_000_000}


@accepts_files(5_000_000)
@public
def limit_outside(request: HttpRequest) -> HttpResponse:
    return HttpResponse("files")


@require_POST
@allow(Role.CENTRE_STAFF)
@accepts_files(lambda: LIMIT["value"])
def limit_inside(request: HttpRequest, uid: str) -> HttpResponse:
    return HttpResponse("files")


def bare_wrapper(view: Callable[..., Any]) -> Callable[..., Any]:
    """A decorator that copies nothing but says what it wraps."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return view(request, *args, **kwargs)

    wrapper.__wrapped__ = view  # type: ignore[attr-defined]
    wrapper.ggzy_access = view.ggzy_access  # type: ignore[attr-defined]
    return wrapper


@bare_wrapper
@accepts_files(7_000_000)
@public
def limit_wrapped(request: HttpRequest) -> HttpResponse:
    return HttpResponse("files")


@functools.wraps(limit_outside)
def copied(request: HttpRequest) -> HttpResponse:
    return HttpResponse("copied")


@public
def no_files(request: HttpRequest) -> HttpResponse:
    return HttpResponse("no files")


api = NinjaAPI(urls_namespace="limitsapi")
router = Router()


@router.get("/upload")
@public
def api_read(request: HttpRequest) -> dict[str, str]:
    return {}


@router.post("/upload")
@accepts_files(9_000_000)
@public
def api_upload(request: HttpRequest) -> dict[str, str]:
    return {}


@router.get("/plain")
@public
def api_plain(request: HttpRequest) -> dict[str, str]:
    return {}


api.add_router("/", router)

urlpatterns = [
    *project_patterns,
    path("outside/", limit_outside, name="outside"),
    path("inside/<str:uid>/", limit_inside, name="inside"),
    path("wrapped/", limit_wrapped, name="wrapped"),
    path("no-files/", no_files, name="no-files"),
    path("limits-api/", api.urls),
]
