"""Start-up checks: every message template speaks every language; every back-office admin records."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.checks import Error, register

from ggzy.events import templates_registry
from ggzy.events.admin_log import RecordedAdmin


@register("ggzy_notifications")
def templates_have_every_language(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [
        Error(f"message template {t.key!r} is missing {name}", id="ggzy.E101")
        for t in templates_registry.registered().values()
        for name in templates_registry.missing_files(t)
    ]


@register("ggzy_admin")
def admins_record(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [
        Error(
            f"the back-office admin of {model._meta.label} does not derive from RecordedAdmin", id="ggzy.E102"
        )
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, RecordedAdmin)
    ]
