"""Setting up and running the platform without a shell (issue 22), each administrator within their own
role (三员分立, `ggzy.accounts.powers`):

* the **system administrator** lists and creates trading centres (`parties.centre_create`) and opens
  accounts (`services.account_create`): the initial password is shown once, and the account must
  change it at its first sign-in;
* the **security administrator** grants and revokes roles on a user's page (`parties.role_grant`,
  `parties.role_revoke`); an administrator's role stays a request that a second administrator
  approves (the account-changes page), and nobody changes their own roles.

The services check who acts, what and for whom; a refusal is an error on the page and changes
nothing (`core.pages.page_action`). The audit administrator reads the trail of all of it."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts import parties, selectors, services
from ggzy.accounts.credentials import is_administrator
from ggzy.accounts.forms import AccountForm, CentreForm, RoleGrantForm
from ggzy.accounts.models import Centre, RoleGrant
from ggzy.accounts.views import _secret_once
from ggzy.core import regions
from ggzy.core.access import actor_of, allow
from ggzy.core.context_processors import TRADING_CATEGORIES
from ggzy.core.formatting import person_name
from ggzy.core.pages import form_again, page_action
from ggzy.core.roles import Role
from ggzy.core.types import Actor


# --- trading centres (the system administrator) ------------------------------------------------------
def _centres_page(request: HttpRequest, form: CentreForm, status: int = 200) -> HttpResponse:
    return render(
        request, "accounts/centres.html", {"centres": selectors.centre_list(), "form": form}, status=status
    )


@allow(Role.SYSTEM_ADMIN)
def centres(request: HttpRequest) -> HttpResponse:
    return _centres_page(request, CentreForm())


@require_POST
@allow(Role.SYSTEM_ADMIN)
def centre_new(request: HttpRequest) -> HttpResponse:
    form = CentreForm(request.POST)

    def page() -> HttpResponse:
        return _centres_page(request, form, status=400)

    if not form.is_valid():
        return page()
    data = form.cleaned_data
    return page_action(
        request,
        lambda: parties.centre_create(
            actor=actor_of(request),
            code=data["code"],
            name=data["name"],
            region=data["region"],
            parent=data["parent"],
            closing_time=data["closing_time"],
        ),
        success=lambda centre: (
            _("The trading centre %(name)s (%(code)s) is created.")
            % {"name": centre.name, "code": centre.code}
        ),
        to=reverse("accounts:centres"),
        failure=form_again(form, page),
    )


# --- accounts (the system administrator) ----------------------------------------------------------------
@allow(Role.SYSTEM_ADMIN)
def account_new(request: HttpRequest) -> HttpResponse:
    """Open an account: no role yet (the security administrator grants them); its initial password is
    shown once, to hand over in person, and must be changed at the first sign-in."""
    form = AccountForm(request.POST or None)

    def page() -> HttpResponse:
        status = 400 if request.method == "POST" else 200
        return render(request, "accounts/account_new.html", {"form": form}, status=status)

    if request.method != "POST" or not form.is_valid():
        return page()
    data = form.cleaned_data

    def shown(done: tuple[Actor, str]) -> HttpResponse:
        user, password = done
        back = f"{reverse('accounts:security')}?q={user.get_username()}"
        return _secret_once(request, _("Initial password"), password, user, back)

    return page_action(
        request,
        lambda: services.account_create(
            actor=actor_of(request),
            username=data["username"],
            last_name=data["last_name"],
            first_name=data["first_name"],
            email=data["email"],
            phone=data["phone"],
        ),
        success=shown,
        to=reverse("accounts:account-new"),
        failure=form_again(form, page),
    )


# --- roles (the security administrator) -------------------------------------------------------------------
@allow(Role.SECURITY_ADMIN)
def roles(request: HttpRequest) -> HttpResponse:
    """Find the account whose roles to change."""
    query = request.GET.get("q", "").strip()[:150]
    found = selectors.account_overview(query=query) if query else []
    return render(
        request,
        "accounts/roles.html",
        {"query": query, "accounts": [(row, person_name(row["user"])) for row in found]},
    )


def _scope_text(grant: RoleGrant) -> str:
    """A grant's scope in words: its centre, organisation, or region (and trading category)."""
    if grant.centre is not None:
        return grant.centre.name
    if grant.organisation is not None:
        return grant.organisation.name
    if grant.region:
        category = dict(TRADING_CATEGORIES).get(grant.category, grant.category)
        return " · ".join(str(part) for part in (regions.full_name(grant.region), category) if part)
    return ""


def _user_roles_page(
    request: HttpRequest, target: Actor, form: RoleGrantForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "accounts/user_roles.html",
        {
            "target": target,
            "name": person_name(target),
            "grants": [(g, Role(g.role).label, _scope_text(g)) for g in selectors.grants_of(user=target)],
            "form": form,
            "administrator": is_administrator(target),
            "oneself": target.pk == request.user.pk,
            "has_centres": Centre.objects.exists(),
        },
        status=status,
    )


@allow(Role.SECURITY_ADMIN)
def user_roles(request: HttpRequest, username: str) -> HttpResponse:
    target = selectors.access_user(viewer=request.user, username=username)
    return _user_roles_page(request, target, RoleGrantForm(user=target))


@require_POST
@allow(Role.SECURITY_ADMIN)
def user_role_grant(request: HttpRequest, username: str) -> HttpResponse:
    target = selectors.access_user(viewer=request.user, username=username)
    form = RoleGrantForm(request.POST, user=target)

    def page() -> HttpResponse:
        return _user_roles_page(request, target, form, status=400)

    if not form.is_valid():
        return page()
    role = Role(form.cleaned_data["role"])
    return page_action(
        request,
        lambda: parties.role_grant(actor=actor_of(request), user=target, role=role, **form.scope()),
        success=_("Granted: %(role)s.") % {"role": role.label},
        to=reverse("accounts:user-roles", args=[target.get_username()]),
        failure=form_again(form, page),
    )


@require_POST
@allow(Role.SECURITY_ADMIN)
def role_grant_revoke(request: HttpRequest, grant_uid: uuid.UUID) -> HttpResponse:
    grant = selectors.access_grant(viewer=request.user, uid=grant_uid)
    return page_action(
        request,
        lambda: parties.role_revoke(actor=actor_of(request), grant=grant),
        success=_("Revoked: %(role)s. The account's sessions have ended.") % {"role": Role(grant.role).label},
        to=reverse("accounts:user-roles", args=[grant.user.get_username()]),
    )
