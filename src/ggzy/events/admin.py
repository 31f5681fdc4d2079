"""Events and messages in the back office: read-only (events are append-only; messages are
changed only by their delivery), named by their `uid` (`core.admin_site.ByRefAdmin`): no sequential key
in an address, a link or a column."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ggzy.core.admin_site import ByRefAdmin
from ggzy.events.admin_log import RecordedAdmin
from ggzy.events.models import Event, Message


class ReadOnlyAdmin(RecordedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ByRefAdmin, ReadOnlyAdmin):
    list_display = ("uid", "occurred_at", "type", "event_class", "visibility", "actor_label", "source", "ip")
    list_filter = ("event_class", "visibility", "source")
    search_fields = ("type", "actor_label", "project_ref")

    def get_queryset(self, request: HttpRequest) -> Any:
        from ggzy.events.selectors import events_visible_to

        return events_visible_to(request.user)  # the back office reads through the embargo too


@admin.register(Message)
class MessageAdmin(ByRefAdmin, ReadOnlyAdmin):
    list_display = ("uid", "created_at", "channel", "template", "status", "attempts")
    list_filter = ("channel", "status")
    exclude = ("address",)

    def get_queryset(self, request: HttpRequest) -> Any:
        from ggzy.events.selectors import messages_visible_to

        return messages_visible_to(request.user)


# The task queue's own admin, re-registered so that its changes are recorded too.
from django_tasks_db.admin import DBTaskResultAdmin  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class RecordedTaskResultAdmin(RecordedAdmin, DBTaskResultAdmin):
    pass
