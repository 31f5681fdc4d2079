from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ggzy.core.formatting import person_name
from ggzy.core.roles import Role

#: Navigation by trading category, as Chinese trading portals show it. The registry issue makes
#: the categories configurable per centre; the codes stay.
TRADING_CATEGORIES = (
    ("engineering", _("Construction projects")),
    ("procurement", _("Government procurement")),
    ("land", _("Land and mining rights")),
    ("assets", _("State-owned assets")),
    ("medical", _("Medicines and medical consumables")),
)


def shell(request: HttpRequest) -> dict[str, Any]:
    from ggzy.core.middleware import roles_of

    user = getattr(request, "user", None)
    held = roles_of(request) if user is not None and user.is_authenticated else frozenset()
    return {
        "centre_name": settings.GGZY_CENTRE_NAME,
        "sandbox": getattr(settings, "GGZY_SANDBOX", False),
        "trading_categories": TRADING_CATEGORIES,
        "person_name": person_name(user) if user is not None and user.is_authenticated else "",
        "held_roles": sorted(held, key=list(Role).index),
    }
