from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ggzy.core.admin_site import ByRefAdmin
from ggzy.core.models import PlatformKey
from ggzy.events.admin_log import RecordedAdmin


@admin.register(PlatformKey)
class PlatformKeyAdmin(ByRefAdmin, RecordedAdmin):
    """Read-only: keys are made and rotated by the key store's services, never edited by hand. Named by
    their key id."""

    ref_field = "key_id"
    ref_pattern = r"[0-9a-f]{16}"

    list_display = ("purpose", "key_id", "algorithm", "created_at", "retired_at")
    exclude = ("wrapped_secret",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
