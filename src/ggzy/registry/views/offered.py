"""What the platform offers about registration: the document templates centres offer, for initiators
and agents to download (6.2.6: 可应申请提供标准化模板 — a template is offered, never a trading document
approved), each centre's published list of the projects that must enter the platform (应进必进,
12.1.5), public, and the method table (standard 6.5.1, 8.1.1): every trading method's rules with their
legal sources, public."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ggzy.accounts.selectors import centre_by_code
from ggzy.core.access import allow, public
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.roles import Role
from ggzy.registry import methods, selectors


@allow(Role.INITIATOR, Role.AGENT, Role.CENTRE_STAFF)
def templates(request: HttpRequest) -> HttpResponse:
    """The templates offered now, by centre and category; each downloads through the API's file
    operation (`GET /api/v1/registry/templates/{uid}/file`), the one download path."""
    groups: dict[str, dict[str, object]] = {}
    for template in selectors.template_list():
        centre = template.centre
        key = centre.code if centre is not None else ""
        group = groups.setdefault(key, {"centre": centre, "templates": []})
        group["templates"].append(template)  # type: ignore[attr-defined]
    return render(request, "registry/templates.html", {"groups": list(groups.values())})


@public
def must_enter(request: HttpRequest) -> HttpResponse:
    """Each centre's must-enter list per category it serves (`?centre=` one centre; an unknown one is not
    found)."""
    code = request.GET.get("centre", "")
    centre = centre_by_code(code) if code else None
    if code and centre is None:
        raise DomainError(CoreError.NOT_FOUND)
    context = {
        "centre": centre,
        "lists": selectors.must_enter_lists(centre=centre),
        "centres": selectors.serving_centres(),
    }
    return render(request, "registry/must_enter.html", context)


@public
def method_table(request: HttpRequest) -> HttpResponse:
    """Every trading method's row of the method table, by category, each rule with its source ("待核"
    where the article was not read in the text)."""
    return render(request, "registry/methods.html", {"table": methods.method_table()})
