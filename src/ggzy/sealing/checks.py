"""Start-up checks: no demo custodians on a production installation, only demo custodians in the sandbox."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError


@register("ggzy_sealing", deploy=False)
def custodian_mode(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from ggzy.sealing.models import CustodianSet

    current = CustodianSet.objects.filter(retired_at__isnull=True)
    try:
        if settings.GGZY_PRODUCTION and current.filter(demo=True).exists():
            return [Error("a demo custodian set is published on a production installation", id="ggzy.E211")]
        if settings.GGZY_SANDBOX and current.filter(demo=False).exists():
            return [Error("a real custodian set is published in the sandbox", id="ggzy.E212")]
        if settings.GGZY_PRODUCTION and settings.GGZY_CUSTODIAN_TRANSPORT.startswith("ggzy.demo."):
            return [Error("the demo custodians' transport is configured in production", id="ggzy.E213")]
    except DatabaseError:  # before the first migrate
        return []
    return []
