from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ggzy.accounts import selectors


def acting_for(request: HttpRequest) -> dict[str, Any]:
    """The organisation the user acts for, and the ones they could switch to (header)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    organisations = list(selectors.organisations_of(user=user))
    if not organisations:
        return {}
    current = selectors.acting_for(user=user) or organisations[0]
    return {"acting_for": current, "my_organisations": organisations}
