from django.http import HttpRequest, HttpResponse
from django.urls import path

from ggzy.core.access import public
from ggzy.core.errors import CoreError, DomainError
from ggzy.urls import urlpatterns as project_patterns


@public
def refuse(request: HttpRequest) -> HttpResponse:
    raise DomainError(CoreError.CONFLICT)


urlpatterns = [*project_patterns, path("refuse/", refuse, name="refuse")]
