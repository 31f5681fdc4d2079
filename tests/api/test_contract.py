"""The API contract beside the property-based test: every integer bounded, every status documented as the
router declares it, lists paged, a leave refused outside its bounds (issue 23, item 6)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from ggzy.core import clock
from ggzy.core.access import mounted_apis
from ggzy.core.schemas import INT64_MAX
from ggzy.registry.models import Leave
from ggzy.service import services as service_services
from ggzy.service.models import QuestionKind
from tests.registry.conftest import World

pytestmark = pytest.mark.django_db


def _document() -> dict[str, Any]:
    [(api, prefix)] = mounted_apis()
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix=prefix)))


def _integers(
    node: Any, where: str, components: dict[str, Any], seen: frozenset[str]
) -> Iterator[tuple[str, Any]]:
    """Every integer schema under `node` (following $refs into the components once)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            yield from _integers(
                components[ref.rsplit("/", 1)[1]], f"{where}->{ref}", components, seen | {ref}
            )
        if node.get("type") == "integer":
            yield where, node
        for key, value in node.items():
            yield from _integers(value, f"{where}.{key}", components, seen)
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _integers(value, f"{where}[{n}]", components, seen)


def test_every_integer_an_operation_takes_is_bounded_within_a_signed_64_bit_column() -> None:
    document = _document()
    components = document["components"]["schemas"]
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            inputs = [operation.get("parameters", []), operation.get("requestBody", {})]
            for where, schema in _integers(inputs, f"{method.upper()} {path}", components, frozenset()):
                found.append(where)
                assert schema.get("minimum", -(2**64)) >= -(2**63), where
                assert schema.get("maximum", 2**64) <= INT64_MAX, where
    assert any("witness/consistency" in w for w in found)  # the walk finds the integers there are


@pytest.mark.parametrize("old", ["9223372036854775808", "-1", "0", "99999999999999999999999999"])
def test_a_tree_size_out_of_range_is_a_422_never_a_500(client: Client, old: str) -> None:
    answer = client.get(f"/api/v1/witness/consistency?new=3&old={old}")  # the 500 on SQLite
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation_failed"


def test_every_operation_documents_the_statuses_every_operation_can_answer_and_its_conflicts() -> None:
    operations = {
        (method.upper(), path): operation
        for path, entries in _document()["paths"].items()
        for method, operation in entries.items()
    }
    for (method, path), operation in operations.items():
        documented = set(operation["responses"])
        assert {"400", "404", "422"} <= documented, (method, path)  # NUL, bad JSON, bad Content-Length
        if method in {"POST", "PUT", "PATCH", "DELETE"}:
            assert {"413", "415"} <= documented, (method, path)
    conflicts = {key for key, operation in operations.items() if "409" in operation["responses"]}
    assert {
        ("POST", "/api/v1/service/questions/{question_uid}/take"),
        ("DELETE", "/api/v1/tokens/{token_uid}"),
        ("POST", "/api/v1/registry/registrations/{registration_uid}/accept"),
        ("POST", "/api/v1/sealing/bids/{bid_uid}/withdraw"),
        ("POST", "/api/v1/users"),
        ("POST", "/api/v1/service/ratings"),
    } <= conflicts
    assert not {key for key in conflicts if key[0] == "GET"}  # a read conflicts with nothing
    take = operations[("POST", "/api/v1/service/questions/{question_uid}/take")]["responses"]["409"]
    assert "`question_taken`" in take["description"]  # the codes that answer it are named


def test_a_conflict_the_router_documents_is_what_the_operation_answers(
    client_for: Callable[..., Client], world: World
) -> None:
    question = service_services.question_ask(
        asker=world.agent_user, centre=world.centre, kind=QuestionKind.PROCESS, text="保证金如何退还？"
    )
    a, b, _c = world.staff
    assert client_for(a).post(f"/api/v1/service/questions/{question.uid}/take").status_code == 200
    taken = client_for(b).post(f"/api/v1/service/questions/{question.uid}/take")
    assert taken.status_code == 409
    assert taken.json()["code"] == "question_taken"


def test_my_questions_come_a_page_at_a_time_with_the_total_and_the_next_page(
    client_for: Callable[..., Client], world: World
) -> None:
    asked = [
        service_services.question_ask(
            asker=world.agent_user, centre=world.centre, kind=QuestionKind.PROCESS, text=f"第 {n} 个问题"
        ).uid
        for n in range(5)
    ]
    asker = client_for(world.agent_user)
    whole = asker.get("/api/v1/service/questions")
    assert whole.status_code == 200
    assert whole["X-Total-Count"] == "5"
    assert "Link" not in whole  # one page holds them all: no next page
    assert {q["uid"] for q in whole.json()} == {str(uid) for uid in asked}
    seen: list[str] = []
    url = "/api/v1/service/questions?limit=2"
    while url:
        page = asker.get(url)
        assert page["X-Total-Count"] == "5"
        assert len(page.json()) <= 2
        seen += [q["uid"] for q in page.json()]
        url = page["Link"].split(";")[0].strip("<>") if "Link" in page else ""
    assert seen == [q["uid"] for q in whole.json()]  # the pages, in order, are the whole list, once
    assert asker.get("/api/v1/service/questions?offset=4").json() == whole.json()[4:]
    assert asker.get("/api/v1/service/questions?limit=501").status_code == 422
    assert asker.get(f"/api/v1/service/questions?offset={2**63}").status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organisations",
        "/api/v1/inbox",
        "/api/v1/registry/registrations",
        "/api/v1/service/questions",
    ],
)
def test_a_list_that_stopped_at_a_fixed_length_pages_instead(
    client_for: Callable[..., Client], world: World, path: str
) -> None:
    answer = client_for(world.agent_user).get(f"{path}?limit=1")
    assert answer.status_code == 200
    assert int(answer["X-Total-Count"]) >= len(answer.json())
    assert len(answer.json()) <= 1
    operation = _document()["paths"][path]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"limit", "offset"}
    assert set(operation["responses"]["200"]["headers"]) == {"X-Total-Count", "Link"}


def _leave(client: Client, starts_at: Any, ends_at: dt.datetime) -> Any:
    body = {"starts_at": starts_at, "ends_at": ends_at.isoformat()}
    return client.post("/api/v1/registry/leave", data=body, content_type="application/json")


def test_a_leave_from_1970_or_too_far_ahead_or_too_long_is_refused_with_a_reason(
    client_for: Callable[..., Client], world: World
) -> None:
    staff = client_for(world.staff[1], headers={"accept-language": "zh-hans"})
    now = clock.now()
    epoch = _leave(staff, 0, dt.datetime(2000, 1, 1, tzinfo=dt.UTC))  # the leave: 1970 to 2000
    assert epoch.status_code == 422
    assert epoch.json()["code"] == "leave_invalid"
    assert epoch.json()["detail"]["reason"] == "starts_in_the_past"
    assert "两天" in epoch.json()["message"]  # said in Chinese
    last_week = _leave(staff, (now - dt.timedelta(days=7)).isoformat(), now + dt.timedelta(days=1))
    assert last_week.json()["detail"]["reason"] == "starts_in_the_past"
    ahead = _leave(staff, (now + dt.timedelta(days=400)).isoformat(), now + dt.timedelta(days=401))
    assert ahead.json()["detail"]["reason"] == "starts_too_far_ahead"
    endless = _leave(staff, now.isoformat(), dt.datetime(9999, 12, 31, tzinfo=dt.UTC))
    assert endless.json()["detail"]["reason"] == "too_long"
    assert not Leave.objects.exists()
    # a leave that began this morning, recorded now, is what staff do: taken
    assert (
        _leave(staff, (now - dt.timedelta(hours=20)).isoformat(), now + dt.timedelta(days=1)).status_code
        == 201
    )


def test_the_leave_page_refuses_a_leave_in_the_past_too(
    client_for: Callable[..., Client], world: World
) -> None:
    _a, b, c = world.staff
    now = clock.local_now()
    form = {
        "starts_at": (now - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "covered_by": c.username,
    }
    answer = client_for(b).post("/workspace/registrations/leave/", form)
    assert answer.status_code == 400
    assert "两天" in answer.content.decode()
    assert not Leave.objects.exists()
