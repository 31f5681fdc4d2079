from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.core.access import actor_of, allow
from ggzy.core.models import Purpose
from ggzy.core.pages import page_action
from ggzy.core.roles import Role
from ggzy.ops import selectors, services


@allow(Role.SECURITY_ADMIN)
def key_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "ops/key_list.html",
        {"keys": selectors.key_list(), "purposes": Purpose.choices, "not_rotatable": services.NOT_ROTATABLE},
    )


@require_POST
@allow(Role.SECURITY_ADMIN)
def key_rotate(request: HttpRequest, purpose: str) -> HttpResponse:
    return page_action(
        request,
        lambda: services.key_rotate(actor=actor_of(request), purpose=purpose),
        success=lambda key: (
            _("A new key %(key)s is active; the old one is kept for verification.") % {"key": key.key_id}
        ),
        to="ops:keys",
    )
