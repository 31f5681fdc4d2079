"""The registry's world (a centre, its staff, an initiator and its agent), reused by the API tests."""

from tests.registry.conftest import world  # noqa: F401  (fixture)
