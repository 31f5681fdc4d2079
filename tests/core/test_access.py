"""The permission walker, the public allowlist and the role × endpoint matrix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import URLResolver, path
from django.urls.resolvers import RoutePattern
from ninja import Schema

from ggzy.core.access import (
    MATRIX_COLUMNS,
    allow,
    matrix_row,
    mounted_api,
    mounted_apis,
    problems,
    read_allowlist,
    read_matrix,
    render_matrix,
    walk_endpoints,
)
from ggzy.core.api import Router
from ggzy.core.http import REFUSED_HEADER
from ggzy.core.roles import Role
from tests.endpoints import url_for
from tests.factories import signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.clause("8.2.1")
def test_every_endpoint_declares_access() -> None:
    endpoints = walk_endpoints()
    assert problems(endpoints, read_allowlist()) == []
    # the walk sees pages and API operations alike
    keys = {e.key for e in endpoints}
    assert {"page:core:home", "page:admin:index", "api:GET /api/v1/me", "api:POST /api/v1/tokens"} <= keys


def test_walker_fails_on_undeclared_endpoints() -> None:
    # the bad API is walked because the URLconf mounts it: nobody hands it to the walker
    endpoints = walk_endpoints("tests.core.urls_undeclared")
    found = problems(endpoints, read_allowlist())
    assert "page:forgotten: no access declared" in found
    assert "page:sneaky: public but not in public_endpoints.txt" in found
    assert "page:/nameless/: URL pattern has no name" in found
    assert "api:GET /badapi/leak: no access declared" in found


def test_the_urlconf_hands_its_apis_to_the_walker() -> None:
    from ggzy.api import api  # the test may import the project's API; the kernel does not need to

    assert mounted_apis() == [(api, "/api/v1/")]
    from tests.core import urls_undeclared

    assert [prefix for _api, prefix in mounted_apis("tests.core.urls_undeclared")] == ["/api/v1/", "/badapi/"]
    assert mounted_apis("tests.core.urls_undeclared")[1][0] is urls_undeclared.bad_api


def test_an_api_the_walker_cannot_read_is_an_error() -> None:
    """An include that says it is a ninja API but has no root page must not be silently skipped."""
    resolver = URLResolver(RoutePattern("hidden/"), [path("x", lambda r: None, name="x")], app_name="ninja")
    with pytest.raises(ImproperlyConfigured, match="cannot find its operations"):
        mounted_api(resolver)


def test_allowlist_entry_without_endpoint_is_reported() -> None:
    found = problems(walk_endpoints(), {*read_allowlist(), "page:core:gone"})
    assert found == ["page:core:gone: listed in public_endpoints.txt but no such endpoint"]


def test_router_refuses_an_operation_without_declaration() -> None:
    router = Router()
    with pytest.raises(ImproperlyConfigured, match="declares no access"):

        @router.get("/x")
        def x(request: Any) -> None:  # pragma: no cover - never registered
            return None


def test_router_documents_every_4xx() -> None:
    router = Router()

    class Out(Schema):
        ok: bool

    @router.post("/x", response=Out)
    @allow(Role.CENTRE_STAFF)
    def x(request: Any) -> Out:  # pragma: no cover - only its schema is read
        return Out(ok=True)

    op = router.path_operations["/x"].operations[0]
    assert set(op.response_models) == {200, 400, 401, 403, 404, 408, 413, 415, 422}
    assert op.openapi_extra == {"x-ggzy-access": "centre_staff", "x-ggzy-token-scope": "core:write"}


def test_undeclared_view_is_refused_at_run_time(
    client: Client, settings: Any, make_user: Callable[..., Any]
) -> None:
    settings.ROOT_URLCONF = "tests.core.urls_undeclared"
    signed_in(client, make_user(Role.SYSTEM_ADMIN))
    response = client.get("/forgotten/")
    assert response.status_code == 403
    assert response[REFUSED_HEADER] == "access"
    assert b"this view declares no access" not in response.content


def test_matrix_matches_declarations() -> None:
    assert read_matrix() == {e.key: matrix_row(e.access) for e in walk_endpoints()}


def test_matrix_check_fails_when_a_declaration_changes(tmp_path: Path) -> None:
    text = render_matrix(walk_endpoints())
    flipped = text.replace("api:GET /api/v1/access/endpoints,-,-", "api:GET /api/v1/access/endpoints,-,Y", 1)
    assert flipped != text
    copy = tmp_path / "matrix.csv"
    copy.write_text(flipped, encoding="utf-8")
    assert read_matrix(copy) != {e.key: matrix_row(e.access) for e in walk_endpoints()}


# --- the matrix, enforced by real requests --------------------------------------------------------
def _refused(response: Any) -> bool:
    return response.get(REFUSED_HEADER) == "access"


@pytest.mark.clause("8.2.1")
@pytest.mark.parametrize("key", sorted(read_matrix()))
def test_matrix_is_enforced(key: str, make_user: Callable[..., Any]) -> None:
    expected = read_matrix()[key]
    method, url = url_for(key)
    for column in MATRIX_COLUMNS:
        client = Client()
        if column != "anonymous":
            signed_in(client, make_user(Role(column)))
        body = (
            {"data": "{}", "content_type": "application/json"} if method in {"POST", "PUT", "PATCH"} else {}
        )
        response = client.generic(method, url, **body)
        if expected[column]:
            assert not _refused(response), f"{column} was refused {method} {url}"
        else:
            assert _refused(response), f"{column} was let through {method} {url}: {response.status_code}"
            assert response.status_code in {302, 401, 403}
