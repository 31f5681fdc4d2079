"""Standard 8.1.2: the trading system keeps interfaces for the service and supervision systems and shares
its data through them. Another system — here a supervision system and a centre's service system — holds
an API token of a person it acts for, with read scopes only, and reads what that person may see:
registrations, and events (a filed registration's event included). Without a token, with a revoked one
or outside the token's scopes it reads nothing; and the supervisors of another region see nothing of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ggzy.accounts.services import account_open, token_create, token_revoke
from ggzy.core.roles import Role
from tests.registry.conftest import make_world

pytestmark = pytest.mark.django_db


def _supervisor(username: str, region: str) -> Any:
    user = get_user_model().objects.create_user(username=username)
    return account_open(actor=None, user=user, roles=frozenset({Role.SUPERVISOR}), region=region)


def _token(user: Any, *scopes: str) -> tuple[Any, dict[str, str]]:
    token, raw = token_create(user=user, name="对接系统", days=30, scopes=scopes)
    return token, {"Authorization": f"Bearer {raw}"}


@pytest.mark.clause("8.1.2")
def test_other_systems_read_registrations_and_events_through_the_api_with_a_token() -> None:
    world = make_world()
    registration = world.file()
    system = Client()  # no session: the token alone
    _staff_token, staff = _token(world.staff[0], "registry:read")
    listed = system.get("/api/v1/registry/registrations", headers=staff)
    assert listed.status_code == 200
    assert [r["uid"] for r in listed.json()] == [str(registration.uid)]
    one = system.get(f"/api/v1/registry/registrations/{registration.uid}", headers=staff)
    assert one.status_code == 200
    assert one.json()["name"] == registration.project.name

    supervisor = _supervisor("supervision-system", "210100")  # the region of the centre (沈阳)
    token, supervision = _token(supervisor, "events:read")
    page = system.get("/api/v1/events?type_prefix=registry.", headers=supervision)
    assert page.status_code == 200
    filed = [e for e in page.json()["items"] if e["type"] == "registry.registration.filed"]
    assert len(filed) == 1
    assert page.json()["count"] >= 1

    # read scopes only: the supervision system's token reads events, nothing else and writes nothing
    assert system.get("/api/v1/registry/registrations", headers=supervision).status_code == 403
    assert system.get("/api/v1/events", headers=staff).status_code == 403
    # another region's supervisors see none of it
    _other_token, other = _token(_supervisor("another-region", "210200"), "events:read")
    elsewhere = system.get("/api/v1/events?type_prefix=registry.", headers=other).json()
    assert elsewhere["count"] >= 1  # the public events are everyone's
    assert filed[0]["uid"] not in {e["uid"] for e in elsewhere["items"]}
    # no token, or a revoked one: nothing
    assert system.get("/api/v1/registry/registrations").status_code == 401
    assert system.get("/api/v1/events").status_code == 401
    token_revoke(user=supervisor, token_uid=token.uid)
    assert system.get("/api/v1/events", headers=supervision).status_code == 401


@pytest.mark.clause("8.1.2")
def test_the_interfaces_are_documented_for_other_systems_with_their_token_auth(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/registry/registrations", "/api/v1/events"):
        operation = document["paths"][path]["get"]
        assert {"BearerTokenAuth": []} in operation["security"], path
    assert document["components"]["securitySchemes"]["BearerTokenAuth"]["scheme"] == "bearer"
