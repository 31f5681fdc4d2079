"""Start-up checks: no test CA on a production installation, no real CA in the sandbox."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError


@register("ggzy_certs", deploy=False)
def ca_mode(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from ggzy.certs.models import CertificateAuthority

    try:
        if (
            settings.GGZY_PRODUCTION
            and CertificateAuthority.objects.filter(enabled=True, is_test=True).exists()
        ):
            return [Error("a test CA is enabled on a production installation", id="ggzy.E201")]
        if (
            settings.GGZY_SANDBOX
            and CertificateAuthority.objects.filter(enabled=True, is_test=False).exists()
        ):
            return [Error("a real CA is enabled in the sandbox", id="ggzy.E202")]
    except DatabaseError:  # before the first migrate
        return []
    return []
