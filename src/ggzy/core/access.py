"""Who may use each endpoint: one declaration per page and API operation, enforced in one place.

    @allow(Role.CENTRE_STAFF)          # signed in and holding one of these roles
    @signed_in                         # any signed-in user (their own things only)
    @public                            # anyone; must also be in ggzy/core/public_endpoints.txt

A page or operation declared `@signed_in` or `@allow(...)` hands its user to a service as
`actor_of(request)`: the `Actor` (`ggzy.core.types`) its declaration let through.

Pages are enforced by `AccessMiddleware` (fail closed: a view with no declaration answers 403);
API operations by the auth that `ggzy.core.api.Router` builds from the same declaration, before the
request body is read. URLs that come from Django or django-ninja themselves (admin, language
switch, the OpenAPI document) are declared by name in `DECLARED_BY_NAME` / `DECLARED_BY_NAMESPACE`.

`walk_endpoints()` lists every endpoint with its declaration; the permission walker test, the
`ggzy_access` system check and the role × endpoint matrix all read it. It walks the URLconf only:
an API is walked where the URLconf mounts it (`path("api/v1/", api.urls)`), so the kernel never
imports the project's API module (that import made `core` depend on every app).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeGuard, TypeVar, cast

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, get_resolver

from ggzy.core.errors import CoreError, DomainError
from ggzy.core.roles import ADMIN_ROLES, Role
from ggzy.core.types import Actor, Viewer

if TYPE_CHECKING:
    from ninja import NinjaAPI

#: A view or API operation: a decorator returns it as it was, with its declaration attached.
P = ParamSpec("P")
R = TypeVar("R")

ATTR = "ggzy_access"


@dataclass(frozen=True)
class Access:
    """A declaration: public, any signed-in user, or signed in with one of `roles`."""

    roles: frozenset[Role] = frozenset()
    public: bool = False
    signed_in: bool = False

    def __post_init__(self) -> None:
        kinds = sum([self.public, self.signed_in, bool(self.roles)])
        if kinds != 1:
            raise ValueError("an access declaration is exactly one of: public, signed_in, roles")

    def allows(self, *, authenticated: bool, roles: frozenset[Role]) -> bool:
        if self.public:
            return True
        if not authenticated:
            return False
        return self.signed_in or bool(self.roles & roles)

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.signed_in:
            return "signed_in"
        return " ".join(sorted(r.value for r in self.roles))


PUBLIC = Access(public=True)
SIGNED_IN = Access(signed_in=True)


def allow(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare that only signed-in holders of one of `roles` may use the endpoint."""
    if not roles or Role.PUBLIC in roles:
        raise ValueError("allow() takes held roles; use @public for everyone")
    access = Access(roles=frozenset(roles))

    def mark(view: Callable[P, R]) -> Callable[P, R]:
        setattr(view, ATTR, access)
        return view

    return mark


def public(view: Callable[P, R]) -> Callable[P, R]:
    """Declare the endpoint open to anyone (it must also be in the reviewed allowlist)."""
    setattr(view, ATTR, PUBLIC)
    return view


def signed_in(view: Callable[P, R]) -> Callable[P, R]:
    """Declare the endpoint open to any signed-in user (it serves the user's own things only)."""
    setattr(view, ATTR, SIGNED_IN)
    return view


#: Set by `api_view`: the bearer-token scope of a plain view under /api/ that authenticates as an API
#: operation (the same attribute `ggzy.core.api.Router` sets on operations).
SCOPE_ATTR = "ggzy_token_scope"
#: Set by `api_view`: headers a protocol wants on every answer, the middleware's refusals included.
HEADERS_ATTR = "ggzy_refusal_headers"


def api_view(
    scope: str, *, headers: dict[str, str] | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare that a plain view under /api/ — a protocol django-ninja cannot serve, such as tus's streamed
    PATCH — authenticates as an API operation: `AccessMiddleware` runs the declaration's auth
    (GGZY_API_AUTH: a bearer token with `scope`, else the session with its CSRF token, each checking the
    roles) before the view, so `request.user` is whoever it let through. Combine with `@allow(...)`
    or `@signed_in` below it. The view is CSRF-exempt: the session's auth checks the token itself.
    `headers` go on the middleware's refusals too (a protocol's own, such as tus's Tus-Resumable)."""
    from django.views.decorators.csrf import csrf_exempt

    def mark(view: Callable[P, R]) -> Callable[P, R]:
        setattr(view, SCOPE_ATTR, scope)
        setattr(view, HEADERS_ATTR, dict(headers or {}))
        return csrf_exempt(view)

    return mark


def api_headers_of(view: object) -> dict[str, str]:
    """The headers `api_view` asked for on the refusals of a plain view ({} for any other)."""
    return dict(getattr(view, HEADERS_ATTR, None) or {})


def api_scope_of(view: object) -> str:
    """The token scope `api_view` gave a plain view ("" for any other)."""
    return str(getattr(view, SCOPE_ATTR, "") or "") if not _is_ninja_dispatcher(view) else ""


def api_authenticate(request: HttpRequest, access: Access, scope: str) -> Actor:
    """Who sends the request, as an API operation with this declaration finds it: ninja's auth loop over
    GGZY_API_AUTH (a refusal raises its DomainError; no credentials at all: 401)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    auth_for = import_string(settings.GGZY_API_AUTH)
    for auth in auth_for(access, scope):
        if user := auth(request):
            return cast("Actor", user)
    raise DomainError.refused(CoreError.UNAUTHENTICATED)


def is_signed_in(viewer: Viewer | None) -> TypeGuard[Actor]:
    """Whether `viewer` is a signed-in person (for the type checker: an `Actor`)."""
    return viewer is not None and not isinstance(viewer, AnonymousUser) and viewer.is_authenticated


def actor_of(request: HttpRequest) -> Actor:
    """The signed-in user of a page or API operation declared `@signed_in` or `@allow(...)`.

    The declaration let only a signed-in user through, so this is the typed form of what is already
    true; reached without one (a public page that called it by mistake) it refuses as not signed in."""
    user: Viewer | None = getattr(request, "user", None)
    if not is_signed_in(user):
        raise DomainError.refused(CoreError.UNAUTHENTICATED)
    return user


def access_of(view: object) -> Access | None:
    found = getattr(view, ATTR, None)
    if found is None and hasattr(view, "view_class"):  # class-based views
        found = getattr(view.view_class, ATTR, None)
    return found if isinstance(found, Access) else None


# Endpoints that come from Django and django-ninja themselves, declared by URL name or namespace.
DECLARED_BY_NAME: dict[str, Access] = {
    "set_language": PUBLIC,
    "admin:login": PUBLIC,
    "admin:logout": SIGNED_IN,
    "api:openapi-json": PUBLIC,
    "api:openapi-view": PUBLIC,
    "api:api-root": PUBLIC,
}
DECLARED_BY_NAMESPACE: dict[str, Access] = {
    # Django admin (back office): the three administrators; Django's model permissions apply inside.
    "admin": Access(roles=ADMIN_ROLES),
}


@dataclass(frozen=True)
class Endpoint:
    """One page URL pattern or one API operation (method + path)."""

    key: str  # "page:<ns:name>" or "api:<METHOD> <path>"
    route: str
    access: Access | None
    methods: tuple[str, ...] = field(default=())
    problem: str = ""
    #: the bearer-token scope an API operation needs ("" for pages and public operations)
    scope: str = ""


def _is_ninja_dispatcher(callback: object) -> bool:
    return getattr(callback, "__qualname__", "").startswith("PathView.get_view")


def declared_for_pattern(name: str, namespaces: list[str], callback: object) -> Access | None:
    """The declaration that covers a page URL pattern (the middleware uses the same rule)."""
    if (found := access_of(callback)) is not None:
        return found
    if name in DECLARED_BY_NAME:
        return DECLARED_BY_NAME[name]
    for ns in namespaces:
        if ns in DECLARED_BY_NAMESPACE:
            return DECLARED_BY_NAMESPACE[ns]
    return None


def mounted_api(resolver: URLResolver) -> NinjaAPI | None:
    """The ninja API that `resolver` mounts (`path("api/v1/", api.urls)`), or None for other includes.

    ninja includes every API under the application namespace "ninja" and ends it with its root page,
    `partial(default_home, api=api)`: the API is read from there. An API mounted without it is an
    error, never an API silently left out of the walk."""
    if resolver.app_name != "ninja":
        return None
    for p in resolver.url_patterns:
        if isinstance(p, URLPattern) and p.name == "api-root":
            api = getattr(p.callback, "keywords", {}).get("api")
            if api is not None:
                return cast("NinjaAPI", api)
    raise ImproperlyConfigured(
        f"the API mounted at {resolver.pattern} (namespace {resolver.namespace}) has no root page: "
        "the access walker cannot find its operations"
    )


def mounted_apis(urlconf: str | None = None) -> list[tuple[NinjaAPI, str]]:
    """Every API the URLconf (default: the project's) mounts, with the prefix it is mounted at."""

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[tuple[NinjaAPI, str]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                if (api := mounted_api(p)) is not None:
                    yield api, prefix + str(p.pattern)
                else:
                    yield from walk(p.url_patterns, prefix + str(p.pattern))

    return list(walk(get_resolver(urlconf).url_patterns, "/"))


def _walk_patterns(
    patterns: list[URLPattern | URLResolver], prefix: str, namespaces: list[str]
) -> Iterator[Endpoint]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = [*namespaces, p.namespace] if p.namespace else namespaces
            if (api := mounted_api(p)) is not None:  # its operations, one per method
                yield from walk_api(api, prefix + str(p.pattern))
            yield from _walk_patterns(p.url_patterns, prefix + str(p.pattern), ns)
            continue
        route = prefix + str(p.pattern)
        if _is_ninja_dispatcher(p.callback):
            continue  # API operations are walked from the API object where it is mounted (above)
        full_name = ":".join([*namespaces, p.name]) if p.name else ""
        access = declared_for_pattern(full_name, namespaces, p.callback)
        under_namespace = any(ns in DECLARED_BY_NAMESPACE for ns in namespaces)
        problem = ""
        if not full_name and not under_namespace:  # Django admin has a few unnamed redirects
            problem = "URL pattern has no name"
        elif access is None:
            problem = "no access declared"
        scope = api_scope_of(p.callback) if access is not None and not access.public else ""
        yield Endpoint(
            key=f"page:{full_name or route}", route=route, access=access, problem=problem, scope=scope
        )


def walk_api(api: NinjaAPI, prefix: str) -> Iterator[Endpoint]:
    for router_prefix, router in api._routers:  # noqa: SLF001  (ninja keeps no public list)
        for path, path_view in router.path_operations.items():
            route = "/" + "/".join(s.strip("/") for s in (prefix, router_prefix, path) if s.strip("/"))
            for op in path_view.operations:
                access = access_of(op.view_func)
                scope = (
                    "" if access is None or access.public else getattr(op.view_func, "ggzy_token_scope", "")
                )
                for method in op.methods:
                    yield Endpoint(
                        key=f"api:{method} {route}",
                        route=route,
                        access=access,
                        methods=(method,),
                        problem="" if access else "no access declared",
                        scope=scope,
                    )


def walk_endpoints(urlconf: str | None = None) -> list[Endpoint]:
    """Every page pattern of `urlconf` (default: the project's) and every operation of the APIs it
    mounts, sorted by key."""
    return sorted(_walk_patterns(get_resolver(urlconf).url_patterns, "/", []), key=lambda e: e.key)


@cache
def token_scopes() -> frozenset[str]:
    """Every scope a bearer token may be given: those the API's operations need."""
    return frozenset(e.scope for e in walk_endpoints() if e.scope)


PUBLIC_ALLOWLIST = Path(__file__).resolve().parent / "public_endpoints.txt"
ACCESS_MATRIX = Path(__file__).resolve().parent / "access_matrix.csv"


def read_allowlist(path: Path = PUBLIC_ALLOWLIST) -> set[str]:
    """The reviewed list of public endpoint keys (one per line; `#` starts a comment)."""
    keys = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        key = re.sub(r"\s+#.*$", "", line).strip()
        if key and not key.startswith("#"):
            keys.add(key)
    return keys


def problems(endpoints: list[Endpoint], allowlist: set[str]) -> list[str]:
    """What is wrong with the declarations: undeclared, unnamed, or public without review."""
    found = [f"{e.key}: {e.problem}" for e in endpoints if e.problem]
    for e in endpoints:
        if e.access is not None and e.access.public and e.key not in allowlist:
            found.append(f"{e.key}: public but not in {PUBLIC_ALLOWLIST.name}")
    keys = {e.key for e in endpoints}
    found.extend(
        f"{k}: listed in {PUBLIC_ALLOWLIST.name} but no such endpoint" for k in sorted(allowlist - keys)
    )
    return found


# --- the role × endpoint matrix -------------------------------------------------------------------
#: Columns of the matrix: someone not signed in, then each held role.
MATRIX_COLUMNS: tuple[str, ...] = ("anonymous", *(r.value for r in Role if r is not Role.PUBLIC))


def matrix_row(access: Access | None) -> dict[str, bool]:
    """Which identities the declaration admits (an undeclared endpoint admits no one)."""
    row = {"anonymous": access is not None and access.public}
    for column in MATRIX_COLUMNS[1:]:
        role = Role(column)
        row[column] = access is not None and access.allows(authenticated=True, roles=frozenset({role}))
    return row


def render_matrix(endpoints: list[Endpoint]) -> str:
    """The matrix as CSV: one line per endpoint, `Y` where the identity may use it, `-` where not."""
    lines = ["endpoint," + ",".join(MATRIX_COLUMNS)]
    for e in endpoints:
        row = matrix_row(e.access)
        lines.append(e.key.replace(",", ";") + "," + ",".join("Y" if row[c] else "-" for c in MATRIX_COLUMNS))
    return "\n".join(lines) + "\n"


def read_matrix(path: Path = ACCESS_MATRIX) -> dict[str, dict[str, bool]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    if tuple(header[1:]) != MATRIX_COLUMNS:
        raise ValueError(f"{path.name}: columns must be endpoint,{','.join(MATRIX_COLUMNS)}")
    matrix = {}
    for line in lines[1:]:
        if not line.strip():
            continue
        key, *cells = line.split(",")
        if len(cells) != len(MATRIX_COLUMNS) or set(cells) - {"Y", "-"}:
            raise ValueError(f"{path.name}: bad line {line!r}")
        matrix[key] = {c: v == "Y" for c, v in zip(MATRIX_COLUMNS, cells, strict=True)}
    return matrix
