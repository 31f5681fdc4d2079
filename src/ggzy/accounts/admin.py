"""The back office for accounts. Until the parties issue brings roles per project, roles are held
through groups named by role code; this admin keeps the three administrators apart (三员分立):
no one holds two administrator roles, no one edits their own account here, and nobody can be made
a superuser from the back office."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group, User
from django.http import HttpRequest

from ggzy.accounts.models import ApiToken
from ggzy.accounts.services import roles_check
from ggzy.core.errors import DomainError
from ggzy.core.roles import HELD_ROLES
from ggzy.events.admin_log import RecordedAdmin

_ROLE_BY_NAME = {r.value: r for r in HELD_ROLES}


@admin.register(ApiToken)
class ApiTokenAdmin(RecordedAdmin):
    list_display = ("name", "prefix", "user", "created_at", "expires_at", "revoked_at")
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("prefix", "digest", "created_at")
    list_filter = ("revoked_at",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # tokens are revoked, never deleted


class RoleSeparationForm(UserChangeForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        groups = cleaned.get("groups")
        if groups is not None:
            roles = frozenset(_ROLE_BY_NAME[g.name] for g in groups if g.name in _ROLE_BY_NAME)
            try:
                roles_check(roles)
            except DomainError as exc:
                raise forms.ValidationError(str(exc.message), code=exc.code.value) from exc
        return cleaned


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(Group)
class RecordedGroupAdmin(RecordedAdmin, GroupAdmin):
    pass


@admin.register(User)
class GgzyUserAdmin(RecordedAdmin, UserAdmin):
    form = RoleSeparationForm
    readonly_fields = ("is_superuser", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("", {"fields": ("first_name", "last_name", "email")}),
        ("", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("", {"fields": ("last_login", "date_joined")}),
    )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.pk == request.user.pk:
            return False  # nobody raises their own rights
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit trail refers to them
