"""The web shell: the public portal home, sign-in, a workspace per role, error pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from ggzy.core import selectors
from ggzy.core.access import allow, public, signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.http import error_response
from ggzy.core.middleware import roles_of
from ggzy.core.roles import HELD_ROLES, ROLE_TABLE, Role
from ggzy.core.workspaces import COMMON_TASKS, WORKSPACE_TASKS


@public
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"roles": ROLE_TABLE})


@signed_in
def workspace(request: HttpRequest) -> HttpResponse:
    """Send the user to the workspace of the first role they hold."""
    held = roles_of(request)
    for role in HELD_ROLES:
        if role in held:
            return redirect(f"core:workspace-{role.value}")
    return render(request, "core/workspace_none.html")


def _workspace_view(role: Role) -> Callable[[HttpRequest], HttpResponse]:
    @allow(role)
    def view(request: HttpRequest) -> HttpResponse:
        tasks = (*WORKSPACE_TASKS[role], *COMMON_TASKS)
        return render(request, "core/workspace.html", {"role": role, "tasks": tasks})

    view.__name__ = view.__qualname__ = f"workspace_{role.value}"
    return view


WORKSPACE_VIEWS = {role: _workspace_view(role) for role in HELD_ROLES}


@allow(Role.AUDIT_ADMIN, Role.SECURITY_ADMIN)
def access_endpoints(request: HttpRequest) -> HttpResponse:
    return render(request, "core/access_endpoints.html", {"endpoints": selectors.endpoint_list()})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_response(request, DomainError(CoreError.CSRF_FAILED))


def _handler(code: CoreError) -> Callable[..., HttpResponseBase]:
    def handle(request: HttpRequest, exception: Any = None) -> HttpResponse:
        return error_response(request, DomainError(code))

    return handle


handler400 = _handler(CoreError.BAD_REQUEST)
handler403 = _handler(CoreError.FORBIDDEN)
handler404 = _handler(CoreError.NOT_FOUND)
handler500 = _handler(CoreError.INTERNAL_ERROR)
