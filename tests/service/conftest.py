"""The registry's world (a centre, its staff and desk head, an initiator and its agent), reused."""

from tests.registry.conftest import freeze, world  # noqa: F401  (fixtures)
