"""`ggzy.core.limits`: a view that takes files declares its body limit; every other endpoint keeps
GGZY_MAX_REQUEST_BODY; the middleware refuses above the limit of the endpoint asked for."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ggzy.core import limits
from ggzy.core.access import access_of, walk_endpoints
from ggzy.core.limits import accepts_files, body_limit
from ggzy.core.roles import Role
from tests.core import urls_limits

pytestmark = pytest.mark.urls("tests.core.urls_limits")


def test_a_declared_limit_is_the_endpoints_and_every_other_keeps_the_default(settings: Any) -> None:
    settings.GGZY_MAX_REQUEST_BODY = 1234
    assert body_limit("/outside/") == 5_000_000
    assert body_limit("/wrapped/") == 7_000_000  # found through __wrapped__
    assert body_limit("/no-files/") == 1234
    assert body_limit("/nowhere/") == 1234  # resolves to nothing
    assert body_limit("/limits-api/plain") == 1234
    assert body_limit("/limits-api/upload") == 9_000_000  # the largest operation of the path


def test_a_callable_limit_is_read_on_each_request() -> None:
    urls_limits.LIMIT["value"] = 3_000_000
    assert body_limit("/inside/a/") == 3_000_000
    urls_limits.LIMIT["value"] = 4_000_000
    assert body_limit("/inside/b/") == 4_000_000


def test_the_declaration_composes_with_the_access_declarations_in_either_order() -> None:
    assert access_of(urls_limits.limit_outside) is not None
    assert access_of(urls_limits.limit_outside).public  # type: ignore[union-attr]
    inside = access_of(urls_limits.limit_inside)
    assert inside is not None
    assert inside.roles == frozenset({Role.CENTRE_STAFF})
    assert getattr(urls_limits.copied, limits.ATTR) == 5_000_000  # functools.wraps carries it
    found = {e.key: e for e in walk_endpoints("tests.core.urls_limits")}
    for key in ("page:outside", "page:inside", "page:wrapped", "api:POST /limits-api/upload"):
        assert found[key].access is not None, key  # the walker and the matrix still see the role
        assert not found[key].problem


def test_the_cache_is_per_view_not_per_path() -> None:
    limits._declared.clear()
    for n in range(50):
        body_limit(f"/inside/{n}/")
        body_limit(f"/nowhere/{n}/")
    assert list(limits._declared) == [urls_limits.limit_inside]


def test_a_declaration_is_a_positive_byte_count_or_a_callable() -> None:
    with pytest.raises(ValueError, match="positive"):
        accepts_files(0)
    with pytest.raises(TypeError):
        accepts_files("10 MB")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        accepts_files(True)


def test_the_middleware_refuses_above_the_endpoints_own_limit(settings: Any) -> None:
    settings.GGZY_MAX_REQUEST_BODY = 1000
    client = Client()
    ok = client.post("/outside/", data=b"x" * 5000, content_type="application/octet-stream")
    assert ok.status_code == 200
    refused = client.post("/no-files/", data=b"x" * 1001, content_type="application/octet-stream")
    assert refused.status_code == 413
    over = client.post(
        "/outside/",
        data=b"x" * 5_000_001,
        content_type="application/octet-stream",
        headers={"accept": "application/json"},
    )
    assert over.status_code == 413
