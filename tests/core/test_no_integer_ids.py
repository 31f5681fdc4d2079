"""No counts through ids (issue 21): pages, the API and the back office name every entity by a random
`uid` (an account by its user name); integer primary keys stay inside the database. A bidder who did not
bid once counted hidden bids from the gaps between sequential ids — this walks every address and every
API shape, so a new integer id fails here before it ships."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from ggzy.core.admin_site import ByRefAdmin
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.events.services import event_record

OPENAPI = (
    Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
)  # `ggzy openapi --check` keeps it live

#: Integer path or query parameters that are values, not keys, and why.
INTEGER_VALUES = {
    "year": "a calendar year (/calendar/years/{year})",
    "old": "a tree size of the public witness log (consistency proofs)",
    "new": "a tree size of the public witness log (consistency proofs)",
    "limit": "a page size",
    "offset": "a position in a list the viewer may see",
    "attendees": "how many people a room must seat (venues free rooms)",
}
#: Back-office pages still addressed by the integer key, and why. Everything else is a ByRefAdmin.
ADMIN_BY_KEY = {
    # Django's own account model: no column of ours can be added to it; its pages are the system
    # administrator's (accounts are named by user name everywhere else).
    "auth.User": "Django's own model",
    # Its key is a UUID already.
    "django_tasks_database.DBTaskResult": "keyed by a UUID",
    # The registry's configuration, edited by hand in the back office (ByRefAdmin is for read-only
    # pages): what each centre serves, checklists, desk heads, document templates — no trade's facts,
    # and nothing whose number is secret.
    "registry.CentreCategory": "configuration, edited here",
    "registry.Checklist": "configuration, edited here",
    "registry.DeskHead": "configuration, edited here",
    "registry.Template": "configuration, edited here",
    # Keyed by their code already (a slug), not by a sequence.
    "registry.TradingCategory": "keyed by its code",
    "registry.TradingMethod": "keyed by its code",
}


def _is_key_name(name: str) -> bool:
    return name in {"id", "pk"} or name.endswith(("_id", "_ids"))


def _is_integer(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "integer":
        return True
    if schema.get("type") == "array":
        return _is_integer(schema.get("items", {}))
    return any(_is_integer(s) for s in schema.get("anyOf", []) + schema.get("oneOf", []))


def _properties(schema: Any, where: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, name, schema) of every property of every object schema inside `schema`."""
    if isinstance(schema, dict):
        for name, sub in (schema.get("properties") or {}).items():
            yield where, name, sub
        for key, sub in schema.items():
            yield from _properties(sub, f"{where}.{key}")
    elif isinstance(schema, list):
        for i, sub in enumerate(schema):
            yield from _properties(sub, f"{where}[{i}]")


def _document() -> dict[str, Any]:
    return dict(json.loads(OPENAPI.read_text(encoding="utf-8")))


def test_no_api_parameter_is_an_integer_key() -> None:
    found = []
    for path, operations in _document()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                name, schema = parameter["name"], parameter.get("schema", {})
                if _is_key_name(name) or (_is_integer(schema) and name not in INTEGER_VALUES):
                    found.append(f"{method.upper()} {path}: {parameter['in']} parameter {name}")
    assert found == []


def test_path_parameters_name_entities_by_uid() -> None:
    """An operation that names an entity says which, by its uid: `{bid_uid}`, typed as a UUID."""
    for path in _document()["paths"]:
        for name in re.findall(r"\{(\w+)\}", path):
            if name.endswith("_uid"):
                for operation in _document()["paths"][path].values():
                    [parameter] = [p for p in operation["parameters"] if p["name"] == name]
                    assert parameter["schema"].get("format") == "uuid", (path, name)


@pytest.mark.clause("11.2.8")
def test_no_api_shape_carries_an_integer_key() -> None:
    document = _document()
    found = [
        f"{where}.{name}"
        for where, name, schema in _properties(document, "")
        if _is_key_name(name) and _is_integer(schema)
    ]
    # an entity's own key is its uid: no property is called id at all (integer or not)
    found += [f"{where}.id" for where, name, _schema in _properties(document, "") if name in {"id", "pk"}]
    assert found == []


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def test_no_page_address_holds_an_integer_key() -> None:
    found = []
    for route, p in _walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "^admin/", "api/")):
            continue  # the back office: below; the API: above
        converters = getattr(p.pattern, "converters", {})
        names = list(converters) or list(p.pattern.regex.groupindex)
        for name in names:
            if _is_key_name(name) or isinstance(converters.get(name), IntConverter):
                found.append(f"{route}: {name}")
    assert found == []


def test_the_back_office_names_objects_by_reference() -> None:
    by_key = {
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, ByRefAdmin)
    }
    assert by_key == set(ADMIN_BY_KEY)


@pytest.mark.django_db
def test_the_event_back_office_shows_no_key(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    """Events and messages in the back office: listed with links by uid, opened by uid; their key is in
    no column, no link and no address, and a filter on it is refused."""
    event = event_record(type="testapp.notice.published")
    client = client_for(make_user(Role.AUDIT_ADMIN))
    listing = client.get("/admin/events/event/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert f"/admin/events/event/{event.uid}/change/" in html
    assert f"/admin/events/event/{event.pk}/" not in html
    assert 'class="column-id' not in html
    page = client.get(f"/admin/events/event/{event.uid}/change/")
    assert page.status_code == 200
    assert "/history/" not in page.content.decode()
    by_key = client.get(f"/admin/events/event/{event.pk}/change/")
    assert by_key.status_code == 404  # no such address: a key is not a reference
    assert client.get(f"/admin/events/event/?id__gte={event.pk}").status_code == 400
    assert client.get(f"/admin/events/event/?pk={event.pk}").status_code == 400
    assert Event.objects.filter(uid=event.uid).exists()


@pytest.mark.django_db
def test_an_integer_where_a_uid_belongs_finds_nothing(client_as: Callable[..., Client]) -> None:
    """A malformed uid is the API's validation error (422, the one error shape) and a page's 404; a valid
    uid that no row has is the entity's not-found (404), as for one of others."""
    client = client_as(Role.AGENT)
    malformed = client.post("/api/v1/inbox/1/read")
    assert (malformed.status_code, malformed.json()["code"]) == (422, "validation_failed")
    unknown = client.post("/api/v1/inbox/00000000-0000-4000-8000-000000000000/read")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "message_not_found")
    assert client.post("/inbox/1/read/").status_code == 404
