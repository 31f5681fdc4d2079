"""The web shell: the public portal home, sign-in, a workspace per role, error pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ggzy.core.access import Endpoint, allow, public, signed_in, walk_endpoints
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.http import error_response
from ggzy.core.middleware import roles_of
from ggzy.core.roles import HELD_ROLES, ROLE_TABLE, Role
from ggzy.core.workspaces import all_tasks, tasks_for


@public
def home(request: HttpRequest) -> HttpResponse:
    """The portal (standard 4.1.4, 4.2.5). What it shows of the trades — the latest notices, the openings,
    the service commitments — comes from the app that knows, through `settings.GGZY_PORTAL_CONTEXT` (a
    dotted path to a function of the request returning a dict): `core` imports no domain app."""
    context: dict[str, Any] = {"roles": ROLE_TABLE}
    if getattr(settings, "GGZY_PORTAL_CONTEXT", ""):
        context.update(import_string(settings.GGZY_PORTAL_CONTEXT)(request))
    return render(request, "core/home.html", context)


@public
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico where a page names no icon (the back office, Django's pages):
    the platform's icon, not a 404 in the console."""
    return HttpResponsePermanentRedirect(static("core/favicon.svg"))


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
        return render(request, "core/workspace.html", {"role": role, "tasks": tasks_for(role)})

    view.__name__ = view.__qualname__ = f"workspace_{role.value}"
    return view


WORKSPACE_VIEWS = {role: _workspace_view(role) for role in HELD_ROLES}


#: The area of the platform an endpoint belongs to, in words: by its page namespace or the first
#: segment of its API path (an area not listed here reads "Other").
ENDPOINT_AREAS: dict[str, Promise] = {
    "core": _("Portal and workspaces"),
    "health": _("Portal and workspaces"),
    "access": _("Portal and workspaces"),
    "set_language": _("Portal and workspaces"),
    "accounts": _("Accounts, organisations and roles"),
    "account-changes": _("Accounts, organisations and roles"),
    "auth": _("Accounts, organisations and roles"),
    "entrustments": _("Accounts, organisations and roles"),
    "me": _("Accounts, organisations and roles"),
    "organisations": _("Accounts, organisations and roles"),
    "role-grants": _("Accounts, organisations and roles"),
    "roles": _("Accounts, organisations and roles"),
    "tokens": _("Accounts, organisations and roles"),
    "users": _("Accounts, organisations and roles"),
    "certs": _("Digital certificates"),
    "calendar": _("Calendar and deadlines"),
    "witness": _("Witness log"),
    "registry": _("Project registration"),
    "sealing": _("Sealed bids"),
    "entities": _("Market-entity library"),
    "library": _("Market-entity library"),
    "service": _("Service hall"),
    "analytics": _("Trading information disclosure"),
    "events": _("Events and messages"),
    "inbox": _("Events and messages"),
    "deliveries": _("Events and messages"),
    "ops": _("Keys and operations"),
    "keys": _("Keys and operations"),
    "admin": _("Back office"),
    "api": _("API documentation"),
}
API_ACTIONS: dict[str, Promise] = {
    "GET": _("API: read"),
    "POST": _("API: submit"),
    "PUT": _("API: replace"),
    "PATCH": _("API: change"),
    "DELETE": _("API: delete"),
}


def _endpoint_row(endpoint: Endpoint, task_titles: dict[str, Any]) -> dict[str, Any]:
    """One endpoint in words: its area, what kind it is, its address and who may use it."""
    if endpoint.key.startswith("api:"):
        method = endpoint.methods[0] if endpoint.methods else ""
        area = endpoint.route.removeprefix("/").split("/")[2:3] or [""]
        kind, address, name = API_ACTIONS.get(method, _("API")), f"{method} {endpoint.route}", ""
    else:
        name = endpoint.key.removeprefix("page:")
        area = [name.split(":", 1)[0] if ":" in name else name]
        if endpoint.route.startswith("/admin/"):
            area = ["admin"]
        kind, address = _("Page"), endpoint.route
    access = endpoint.access
    if access is None:
        who: list[str] = [str(_("No one (not declared)"))]
    elif access.public:
        who = [str(_("Anyone (public)"))]
    elif access.signed_in:
        who = [str(_("Any signed-in user"))]
    else:
        who = [str(role.label) for role in Role if role in access.roles]
    return {
        "area": ENDPOINT_AREAS.get(area[0], _("Other")),
        "kind": kind,
        "task": task_titles.get(name, ""),
        "address": address,
        "who": who,
    }


@allow(Role.AUDIT_ADMIN, Role.SECURITY_ADMIN)
def access_endpoints(request: HttpRequest) -> HttpResponse:
    task_titles: dict[str, Any] = {t.url_name: t.title for t in all_tasks() if t.url_name}
    task_titles["core:home"] = _("Home")
    for role in HELD_ROLES:
        task_titles[f"core:workspace-{role.value}"] = gettext("Workspace: %(role)s") % {"role": role.label}
    rows = [_endpoint_row(e, task_titles) for e in walk_endpoints()]
    rows.sort(key=lambda r: (str(r["area"]), r["address"]))
    return render(request, "core/access_endpoints.html", {"rows": rows})


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
