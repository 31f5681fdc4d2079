"""The back office for registration: the categories each centre serves (with what to tell initiators
after acceptance and the must-enter list), checklists and their items, trading methods, the head of
each desk and the deputy, and document templates (centre staff keep theirs from their own pages).
Every change is recorded (RecordedAdmin). A published checklist is never edited: add a new version
instead, so registrations keep the version they were filed under."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ggzy.events.admin_log import RecordedAdmin
from ggzy.registry.models import (
    CentreCategory,
    Checklist,
    ChecklistItem,
    DeskHead,
    Registration,
    Template,
    TradingCategory,
    TradingMethod,
)


@admin.register(TradingCategory)
class TradingCategoryAdmin(RecordedAdmin):
    list_display = ("code", "name", "letter", "routed_to")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # projects carry the category's letter in their codes


@admin.register(CentreCategory)
class CentreCategoryAdmin(RecordedAdmin):
    list_display = ("centre", "category", "enabled")
    list_filter = ("centre", "enabled")


@admin.register(TradingMethod)
class TradingMethodAdmin(RecordedAdmin):
    list_display = ("code", "name", "category")
    list_filter = ("category",)


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


@admin.register(Checklist)
class ChecklistAdmin(RecordedAdmin):
    list_display = ("category", "centre", "version", "published_at", "basis")
    list_filter = ("category", "centre")
    inlines = (ChecklistItemInline,)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and Registration.objects.filter(checklist=obj).exists():
            return False  # in use: publish a new version
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DeskHead)
class DeskHeadAdmin(RecordedAdmin):
    list_display = ("centre", "user", "deputy")


@admin.register(Template)
class TemplateAdmin(RecordedAdmin):
    list_display = ("name", "centre", "category", "version", "file_name", "withdrawn_at")
    #: The stored file by its SM3, typed: a dropdown would list every file the platform stores (a guarantee
    #: document among them, which tells who gave security before the opening — the differential crawl).
    raw_id_fields = ("blob",)
