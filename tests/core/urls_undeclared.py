"""A URLconf with mistakes, to prove the walker and the middleware catch them."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from ninja import NinjaAPI, Router

from ggzy.core.access import public
from ggzy.urls import urlpatterns as project_patterns


def forgotten(request: HttpRequest) -> HttpResponse:
    return HttpResponse("this view declares no access")


@public
def sneaky_public(request: HttpRequest) -> HttpResponse:
    return HttpResponse("public but never reviewed")


bad_api = NinjaAPI(urls_namespace="badapi")
bad_router = Router()


@bad_router.get("/leak")
def leak(request: HttpRequest) -> dict[str, str]:
    return {"secret": "no declaration"}


bad_api.add_router("/", bad_router)

urlpatterns = [
    *project_patterns,
    path("forgotten/", forgotten, name="forgotten"),
    path("sneaky/", sneaky_public, name="sneaky"),
    path("nameless/", public(lambda _request: HttpResponse("x"))),
    path("badapi/", bad_api.urls),
]
