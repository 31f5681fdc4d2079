"""The back office records every addition, change and deletion through the recorder, with what
changed (before and after), instead of Django's own LogEntry table: one audit trail, not two.

Every ModelAdmin of the project derives from `RecordedAdmin` (a test checks it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from ggzy.events.catalogue import EventType
from ggzy.events.event_types import EventsEvents
from ggzy.events.services import event_record

SECRET_FIELDS = frozenset({"password", "digest", "salt", "secret", "key"})


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's field values as strings (masked where secret), many-to-many as sorted id lists."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        raw = field.value_to_string(obj)
        values[field.name] = "***" if field.name in SECRET_FIELDS else raw
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            values[field.name] = sorted(
                str(pk) for pk in getattr(obj, field.name).values_list("pk", flat=True)
            )
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    changed: dict[str, list[Any]] = {}
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            if name in SECRET_FIELDS:
                changed[name] = ["***", "*** (changed)"]
            else:
                changed[name] = [before.get(name), after.get(name)]
    return changed


class RecordedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose additions, changes and deletions are recorded as security events."""

    def _record(
        self, request: HttpRequest, event_type: EventType, obj: models.Model, data: dict[str, Any]
    ) -> None:
        event_record(
            type=event_type,
            actor=request.user,
            data={"model": obj._meta.label_lower, "object": str(obj.pk), "repr": str(obj)[:200], **data},
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk deletion is not one transaction with its record
        return actions

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            request._ggzy_before = snapshot(obj)  # type: ignore[attr-defined]  # noqa: SLF001
        return obj

    # Django's admin ignores what these return; we write our event, not a LogEntry.
    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> None:  # type: ignore[override]
        self._record(request, EventsEvents.ADMIN_OBJECT_ADDED, obj, {"values": snapshot(obj)})

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> None:  # type: ignore[override]
        before = getattr(request, "_ggzy_before", {})
        self._record(
            request, EventsEvents.ADMIN_OBJECT_CHANGED, obj, {"changes": diff(before, snapshot(obj))}
        )

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:  # type: ignore[override]
        for obj in queryset:
            self._record(request, EventsEvents.ADMIN_OBJECT_DELETED, obj, {"values": snapshot(obj)})
