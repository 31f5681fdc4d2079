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
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect

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
