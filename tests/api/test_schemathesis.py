"""The API contract, property-based (schemathesis over the live OpenAPI document, in-process through the
WSGI app): every operation, as every identity its declaration admits, answers no 5xx, no status its
OpenAPI entry does not document (a 409 an operation does not declare with `core.api.refuses` fails here),
and bodies of the documented shape.

Seeded and bounded: hypothesis is derandomized (the same requests on every run) with a few examples per
operation and identity, so the file runs in about a minute on SQLite on one core. The identities act
on a small world — a centre with its staff, an agent's organisation, a filed registration and an asked
question — and the path parameters that name an entity name the world's, so operations reach their
business rules (a question taken twice is a 409) instead of answering 404 to random ids.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.wsgi import get_wsgi_application
from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from ggzy.accounts.services import token_create
from ggzy.core.access import token_scopes
from ggzy.core.roles import Role
from ggzy.service import services as service_services
from ggzy.service.models import QuestionKind
from tests.factories import grant_role, signed_in
from tests.registry.conftest import make_world

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
#: Examples per operation and identity: enough to reach refusals and conflicts, few enough to stay fast.
EXAMPLES = 12

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# NUL is refused everywhere with 400 (documented); do not count it as valid input.
schema.config.generation.update(allow_x00=False)


@dataclasses.dataclass(frozen=True)
class Identity:
    name: str
    roles: frozenset[str]  # the roles it holds ("public": the anonymous public)
    session: bool = False  # a signed-in browser session (with its CSRF token) instead of a bearer token
    signed_in: bool = True  # also runs the operations any signed-in user may use


IDENTITIES = [
    Identity("anonymous", frozenset({"public"}), signed_in=False),
    Identity("agent", frozenset({Role.AGENT.value})),  # a filer: the world's registration is its own
    Identity("staff", frozenset({Role.CENTRE_STAFF.value})),  # staff of the world's centre
    Identity("responder", frozenset({Role.RESPONDER.value}), signed_in=False),  # a bidder
    Identity("supervisor", frozenset({Role.SUPERVISOR.value}), signed_in=False),
    Identity("security_admin", frozenset({Role.SECURITY_ADMIN.value}), session=True, signed_in=False),
    Identity("system_admin", frozenset({Role.SYSTEM_ADMIN.value}), session=True, signed_in=False),
    Identity("audit_admin", frozenset({Role.AUDIT_ADMIN.value}), session=True, signed_in=False),
]


def _admits(identity: Identity) -> Callable[[Any], bool]:
    def admits(ctx: Any) -> bool:
        declared = set(str(ctx.operation.definition.raw.get("x-ggzy-access", "")).split())
        if declared == {"signed_in"}:
            return identity.signed_in
        return bool(declared & identity.roles)

    admits.__name__ = f"admits_{identity.name}"
    return admits


@dataclasses.dataclass
class World:
    headers: dict[str, str]
    path: dict[str, str]  # path parameter -> the world's entity it names


def _world(identity: Identity, django_user_model: Any) -> World:
    world = make_world()
    registration = world.file()
    question = service_services.question_ask(
        asker=world.agent_user, centre=world.centre, kind=QuestionKind.PROCESS, text="开标时间能否调整？"
    )
    if identity.name == "agent":
        user = world.agent_user
    elif identity.name == "staff":
        user = world.staff[0]
    elif identity.name == "anonymous":
        user = None
    else:
        role = Role(next(iter(identity.roles)))
        user = django_user_model.objects.create_user(
            username=f"{identity.name}-user",
            is_staff=role in {Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN},
        )
        grant_role(user, role)
    target = get_user_model().objects.create_user(username="target-user")
    grant_role(target, Role.RESPONDER)
    path = {
        "registration_uid": str(registration.uid),
        "question_uid": str(question.uid),
        "username": target.get_username(),
        "centre": world.centre.code,
        "key": "agency_contract",
    }
    headers: dict[str, str] = {}
    if user is not None and identity.session:
        client = signed_in(Client(), user)
        csrf = get_random_string(32, CSRF_ALLOWED_CHARS)
        session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        headers["Cookie"] = (
            f"{django_settings.SESSION_COOKIE_NAME}={session}; {django_settings.CSRF_COOKIE_NAME}={csrf}"
        )
        headers["X-CSRFToken"] = csrf
    elif user is not None:
        token, raw = token_create(user=user, name="schemathesis", days=1, scopes=token_scopes())
        headers["Authorization"] = f"Bearer {raw}"
        path["token_uid"] = str(token.uid)
    return World(headers=headers, path=path)


def _contract_test(identity: Identity) -> Callable[..., None]:
    @pytest.mark.django_db
    @schema.include(_admits(identity)).parametrize()
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def test(case: schemathesis.Case, django_user_model: Any, request: pytest.FixtureRequest) -> None:
        world = getattr(request.node, "ggzy_world", None)
        if world is None:  # once per operation: every example of it acts on the same world
            world = request.node.ggzy_world = _world(identity, django_user_model)
        for name in case.path_parameters or {}:
            if name in world.path:
                case.path_parameters[name] = world.path[name]
        case.call_and_validate(headers=world.headers, checks=CHECKS)

    return test


test_api_as_anonymous = _contract_test(IDENTITIES[0])
test_api_as_agent = _contract_test(IDENTITIES[1])
test_api_as_staff = _contract_test(IDENTITIES[2])
test_api_as_responder = _contract_test(IDENTITIES[3])
test_api_as_supervisor = _contract_test(IDENTITIES[4])
test_api_as_security_admin = _contract_test(IDENTITIES[5])
test_api_as_system_admin = _contract_test(IDENTITIES[6])
test_api_as_audit_admin = _contract_test(IDENTITIES[7])
