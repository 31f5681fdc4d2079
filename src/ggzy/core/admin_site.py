"""The back office: Django's admin on the platform's terms.

* **One sign-in flow.** Django's own admin sign-in page is not used: `/admin/login/` sends the
  browser to the platform's sign-in (password or certificate, then the second factor), and a session
  made any other way reaches nothing (`SignInMiddleware`).
* **Who may enter** is the role, not a flag: the three administrators (`has_permission`); Django's
  `is_staff` and `is_superuser` give nothing, and what each may do inside comes from the role's
  powers (`ggzy.accounts.powers`), read by the authentication backend.
* **A change that cannot be recorded does not happen.** Every view that may write (any method but
  GET/HEAD/OPTIONS) runs in one transaction with the record the recorder writes for it
  (`RecordedAdmin`), so a refused record rolls the change back, whichever admin view made it.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import URLPattern, path, re_path, reverse

from ggzy.core.roles import ADMIN_ROLES, roles_of_user

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class GgzyAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and not user.is_superuser and roles_of_user(user) & ADMIN_ROLES)

    def login(self, request: HttpRequest, extra_context: Any = None) -> Any:
        """No second way in: the platform's sign-in page, then back here."""
        target = request.GET.get("next") or request.get_full_path()
        if target.startswith("/admin/login"):
            target = "/admin/"
        return redirect_to_login(target)

    def password_change(self, request: HttpRequest, extra_context: Any = None) -> Any:
        """One password form: the platform's (history, the owner told, tokens revoked)."""
        return redirect("accounts:password-change")

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        @wraps(view)
        def in_one_transaction(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method in SAFE_METHODS:
                return view(request, *args, **kwargs)
            with transaction.atomic():
                return view(request, *args, **kwargs)

        return super().admin_view(in_one_transaction, cacheable)


UUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class ByRefAdmin(admin.ModelAdmin):
    """A read-only back-office page that names its objects by `ref_field` (a random `uid`, or another
    unique field that counts nothing), never by the sequential key: the change page's address, the
    changelist's links and the lookup all use it, `?id=`-style filters are refused, and there is no
    history or delete page (they name the key; nothing is changed here, and the record of back-office
    changes is the event log, not Django's history). A link from another object's page to one of these
    (a foreign key shown read-only) cannot be built from the key, so it is shown as text."""

    ref_field = "uid"
    ref_pattern = UUID_PATTERN  # what a reference looks like: an integer key never matches
    change_form_template = "core/admin/change_form_by_ref.html"

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        return super().get_object(request, object_id, self.ref_field)  # never the key, whatever is asked

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.changelist_view), name="{}_{}_changelist".format(*info)),
            path("add/", wrap(self.add_view), name="{}_{}_add".format(*info)),
            re_path(
                rf"^(?P<object_id>{self.ref_pattern})/change/$",
                wrap(self.change_view),
                name="{}_{}_change".format(*info),
            ),
        ]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if lookup.split("__", maxsplit=1)[0] in {"id", "pk", self.opts.pk.name}:
            return False
        return bool(super().lookup_allowed(lookup, value, request))

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        ref_field = self.ref_field

        class ByRefChangeList(ChangeList):
            def url_for_result(self, result: Any) -> str:
                return reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                    args=(quote(getattr(result, ref_field)),),
                    current_app=self.model_admin.admin_site.name,
                )

        return ByRefChangeList
