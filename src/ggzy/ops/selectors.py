from __future__ import annotations

from django.db.models import QuerySet

from ggzy.core.models import PlatformKey


def key_list() -> QuerySet[PlatformKey]:
    """Every platform key, active and retired — never their secrets."""
    return PlatformKey.objects.defer("wrapped_secret").order_by("purpose", "-created_at")
