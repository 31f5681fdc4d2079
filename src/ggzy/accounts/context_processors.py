from __future__ import annotations

from django.http import HttpRequest

from ggzy.accounts import selectors
from ggzy.core.access import is_signed_in
from ggzy.core.types import Viewer


def acting_for(request: HttpRequest) -> dict[str, object]:
    """The organisation the user acts for, and the ones they could switch to (header)."""
    user: Viewer | None = getattr(request, "user", None)
    if not is_signed_in(user):
        return {}
    organisations = list(selectors.organisations_of(user=user))
    if not organisations:
        return {}
    current = selectors.acting_for(user=user) or organisations[0]
    return {"acting_for": current, "my_organisations": organisations}
