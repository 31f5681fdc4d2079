"""The back office for accounts. Roles are granted through `accounts.parties.role_grant` (the API),
which keeps the three administrators apart (三员分立); here nobody edits their own account, nobody
can be made a superuser, and role grants, organisations and persons are shown, not edited by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest

from ggzy.accounts.models import ApiToken, Centre, Organisation, RoleGrant
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


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(Group)
class RecordedGroupAdmin(RecordedAdmin, GroupAdmin):
    pass


@admin.register(User)
class GgzyUserAdmin(RecordedAdmin, UserAdmin):
    readonly_fields = ("is_superuser", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("", {"fields": ("first_name", "last_name", "email")}),
        ("", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("", {"fields": ("last_login", "date_joined")}),
    )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.pk == request.user.pk:
            return False  # nobody raises their own rights
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit trail refers to them


class ReadOnlyRecordedAdmin(RecordedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyRecordedAdmin):
    list_display = ("user", "role", "centre", "organisation", "region", "granted_at", "revoked_at")
    list_filter = ("role",)


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyRecordedAdmin):
    list_display = ("name", "uscc", "region", "created_at")
    search_fields = ("name", "uscc")
    exclude = ("contact_phone_lookup", "bank_account")


@admin.register(Centre)
class CentreAdmin(ReadOnlyRecordedAdmin):
    list_display = ("code", "name", "region", "parent")
