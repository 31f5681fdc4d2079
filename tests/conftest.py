"""Shared fixtures: users holding each role, the one signed-in test client, an API client with a bearer
token, the one sandbox clock, hypothesis profiles."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client, override_settings
from hypothesis import HealthCheck, settings

from ggzy.accounts.services import token_create
from ggzy.core import clock
from ggzy.core.access import token_scopes
from ggzy.core.roles import ADMIN_ROLES, Role
from tests.factories import grant_role, signed_in

settings.register_profile("ci", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GGZY_DEMO_CA_DIR = ""  # the demo's test CAs only where a test asks (2-3 s per demo load)


@pytest.fixture
def make_user(django_user_model: Any) -> Callable[..., Any]:
    """make_user(role=None, username=...) -> a user holding `role` (administrators get is_staff)."""
    counter = {"n": 0}

    def make(role: Role | None = None, username: str | None = None, password: str = "pw-Test-12345") -> Any:  # noqa: S107
        counter["n"] += 1
        name = username or f"{role.value if role else 'user'}{counter['n']}"
        user = django_user_model.objects.create_user(
            username=name, password=password, is_staff=role in ADMIN_ROLES if role else False
        )
        if role is not None:
            grant_role(user, role)
        return user

    return make


@pytest.fixture
def client_for() -> Callable[..., Client]:
    """client_for(user, **client_kwargs) -> a test client signed in as `user` as the sign-in flow leaves
    it (password and second factor); e.g. `client_for(user, headers={"accept-language": "en"})`."""

    def make(user: Any, **kwargs: Any) -> Client:
        return signed_in(Client(**kwargs), user)

    return make


@pytest.fixture
def client_as(make_user: Callable[..., Any], client_for: Callable[..., Client]) -> Callable[..., Client]:
    """client_as(role) -> a test client signed in as a new holder of `role` (None: no role)."""

    def make(role: Role | None = None, **kwargs: Any) -> Client:
        return client_for(make_user(role), **kwargs)

    return make


@pytest.fixture
def bearer(make_user: Callable[..., Any]) -> Callable[..., dict[str, str]]:
    """bearer(role) -> headers with a fresh token of a new holder of `role`."""

    def make(role: Role | None = None) -> dict[str, str]:
        _, raw = token_create(user=make_user(role), name="test", days=1, scopes=token_scopes())
        return {"Authorization": f"Bearer {raw}"}

    return make


@contextmanager
def sandbox_mode() -> Iterator[None]:
    """The sandbox clock as `make demo` runs it (GGZY_SANDBOX=1 at speed 1, never production), its
    cached anchor forgotten on the way in and out. For fixtures wider than a test (tests/demo)."""
    with override_settings(GGZY_PRODUCTION=False, GGZY_SANDBOX=True, GGZY_SANDBOX_SPEED=1):
        clock.sandbox_reset_for_tests()
        try:
            yield
        finally:
            clock.sandbox_reset_for_tests()


@pytest.fixture
def sandbox() -> Iterator[None]:
    """This test runs on the sandbox clock (`sandbox_mode`)."""
    with sandbox_mode():
        yield
