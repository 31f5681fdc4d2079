"""Start-up checks of the accounts app: the platform has no superusers (三员分立)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register
from django.db import DatabaseError


@register("ggzy_accounts", deploy=False)
def no_superusers(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from django.contrib.auth import get_user_model

    try:
        found = sorted(get_user_model().objects.filter(is_superuser=True).values_list("username", flat=True))
    except DatabaseError:  # before the first migrate
        return []
    if not found:
        return []
    return [
        Error(
            f"superuser accounts exist: {', '.join(found)}",
            hint="The platform has no superusers; `ggzy bootstrap` makes the three administrators. "
            "Clear the flag (UPDATE auth_user SET is_superuser = false) and find out who set it.",
            id="ggzy.E301",
        )
    ]
