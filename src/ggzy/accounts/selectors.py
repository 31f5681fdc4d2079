"""Reads about users: the roles a user holds, the user's API tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ggzy.accounts.models import ApiToken
from ggzy.core.roles import HELD_ROLES, Role

_VALUES = {r.value: r for r in HELD_ROLES}


def user_roles(user: Any) -> frozenset[Role]:
    """The roles `user` holds: for now through the Django group named by the role's code.

    Cached on the user object for the request. Anonymous users hold none (everyone is PUBLIC)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_ggzy_roles", None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)
        cached = frozenset(_VALUES[n] for n in names if n in _VALUES)
        user._ggzy_roles = cached  # noqa: SLF001
    return cached


def token_list(*, user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
