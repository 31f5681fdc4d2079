"""The registry's world (a centre, its staff, an initiator and its agent), reused by the API tests."""

from collections.abc import Iterator

import pytest
from django.core import signals
from django.db import close_old_connections

from tests.registry.conftest import world  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _keep_the_tests_connection() -> Iterator[None]:
    """schemathesis calls the WSGI application itself, whose `request_started` and `request_finished`
    close the database connection (CONN_MAX_AGE = 0) — on PostgreSQL, the connection holding the
    test's transaction. Django's own test client disconnects that handler for its requests; so does
    this."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
