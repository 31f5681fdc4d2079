"""The back office for accounts, under the powers of `ggzy.accounts.powers`: the system administrator
adds accounts and edits names, e-mail and whether an account is active — never an administrator's
account (that is a request another administrator approves), never their own. No flag that gives
rights (`is_staff`, `is_superuser`, groups, permissions) and no password is set here: roles are
granted by the security administrator through `accounts.parties.role_grant`, credentials are reset
through `accounts.credentials` (both with the owner told outside the platform). Role grants, tokens,
change requests, enrolment codes, organisations and centres are shown, not edited by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import Group, User
from django.http import HttpRequest
from django.urls import URLPattern

from ggzy.accounts.credentials import is_administrator
from ggzy.accounts.models import AccountChange, ApiToken, Centre, EnrolmentCode, Organisation, RoleGrant
from ggzy.core.admin_site import ByRefAdmin
from ggzy.events.admin_log import RecordedAdmin

admin.site.unregister(User)
admin.site.unregister(Group)  # groups give nothing here: powers come from roles (accounts.powers)


@admin.register(User)
class GgzyUserAdmin(RecordedAdmin, UserAdmin):
    add_form = UserCreationForm
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username",)}),
        ("", {"fields": ("first_name", "last_name", "email")}),
        ("", {"fields": ("is_active",)}),
        ("", {"fields": ("last_login", "date_joined")}),
    )
    list_display = ("username", "last_name", "first_name", "email", "is_active")
    list_filter = ("is_active",)

    def get_urls(self) -> list[URLPattern]:
        # No password form: resets go through accounts.credentials (recorded, the owner told).
        return [u for u in super().get_urls() if "password" not in str(u.pattern)]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and (obj.pk == request.user.pk or is_administrator(obj)):
            return False  # nobody edits their own account; administrators' changes are requests
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit trail refers to them

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:  # opened like every account: recorded, welcomed, its password for the first sign-in
            from ggzy.accounts.services import account_open
            from ggzy.core.access import actor_of

            account_open(actor=actor_of(request), user=obj, roles=frozenset(), initial_password=True)


class ReadOnlyRecordedAdmin(ByRefAdmin, RecordedAdmin):
    """Shown, never edited; named by `uid` (or `ref_field`), never by the sequential key."""

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
    # `uscc` is the registration code of kind `code_kind` (the column keeps its historical name).
    list_display = ("name", "code_kind", "uscc", "country", "region", "created_at")
    list_filter = ("code_kind",)
    search_fields = ("name", "uscc")
    exclude = ("contact_phone_lookup", "bank_account")


@admin.register(Centre)
class CentreAdmin(ReadOnlyRecordedAdmin):
    ref_field = "code"
    ref_pattern = r"[-a-zA-Z0-9_]*[-a-zA-Z_][-a-zA-Z0-9_]*"  # a slug, but never a bare number (a key)
    list_display = ("code", "name", "region", "parent")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyRecordedAdmin):
    list_display = (
        "name",
        "prefix",
        "user",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    search_fields = ("name", "prefix", "user__username")
    exclude = ("digest",)
    list_filter = ("revoked_at",)


@admin.register(AccountChange)
class AccountChangeAdmin(ReadOnlyRecordedAdmin):
    list_display = (
        "kind",
        "target",
        "role",
        "state",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    )
    list_filter = ("kind", "state")


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(ReadOnlyRecordedAdmin):
    list_display = ("user", "channel", "issued_by", "issued_at", "expires_at", "used_at", "revoked_at")
    exclude = ("digest",)
