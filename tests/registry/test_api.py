"""The registry API: the public service guide, filing with base64 files, who sees what, the review steps."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.core import clock
from ggzy.registry.models import Project, Registration, TradingCategory
from tests.registry.conftest import APPROVAL, INVESTMENT_CODE, PDF, World

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def b64(text: str) -> dict[str, str]:
    return {"name": f"{text}.pdf", "content": base64.b64encode(PDF + text.encode()).decode()}


def body(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "centre": "sy",
        "category": "engineering",
        "name": "浑南新城道路改造工程",
        "region": "210100",
        "initiator": world.initiator.uscc,
        "agent": world.agent.uscc,
        "investment_code": INVESTMENT_CODE,
        "approval_number": APPROVAL,
        "tender_projects": [
            {
                "name": "道路施工",
                "sections": [
                    {
                        "name": "一标段",
                        "budget_yuan": "3500000.50",
                        "price_form": "amount",
                        "method": "open_tender",
                    }
                ],
            }
        ],
        "files": {
            "application_form": b64("申请表"),
            "filing_form": b64("备案表"),
            "agency_contract": b64("合同"),
        },
    }
    data.update(overrides)
    return data


def test_the_service_guide_is_public() -> None:
    guide = Client().get("/api/v1/registry/categories").json()
    assert [c["code"] for c in guide] == list(TradingCategory.objects.values_list("code", flat=True))
    engineering = next(c for c in guide if c["code"] == "engineering")
    assert {i["key"] for i in engineering["checklist"]} >= {"application_form", "filing_form"}
    assert engineering["external_codes"] == ["investment_code", "approval_number"]
    assert {m["code"] for m in engineering["methods"]} >= {"open_tender"}


def test_an_agent_files_through_the_api_and_staff_review_it(
    client_for: Callable[..., Client], world: World
) -> None:
    agent = client_for(world.agent_user)
    response = agent.post("/api/v1/registry/registrations", data=body(world), content_type="application/json")
    assert response.status_code == 201, response.content
    filed = response.json()
    assert filed["tender_projects"][0]["sections"][0]["budget_fen"] == 350000050
    assert filed["due_at"] is not None
    url = f"/api/v1/registry/registrations/{filed['uid']}"
    a, b, c = world.staff
    staff = client_for(a)
    returned = staff.post(
        url + "/notices",
        data={"lines": [{"item": "filing_form", "reason": "未盖章"}]},
        content_type="application/json",
    )
    assert returned.status_code == 201
    assert returned.json()["state"] == "returned"
    supplied = agent.post(
        url + "/items/filing_form", data={"file": b64("备案表2")}, content_type="application/json"
    )
    assert supplied.status_code == 200
    assert agent.post(url + "/resubmit").json()["state"] == "submitted"
    accepted = staff.post(
        url + "/accept",
        data={"responsible": b.username, "deputy": c.username},
        content_type="application/json",
    ).json()
    assert accepted["state"] == "accepted"
    assert accepted["handler"] == b.username
    assert [n["number"] for n in accepted["notices"]] == [1]
    listed = agent.get("/api/v1/registry/registrations").json()
    assert listed == [agent.get(url).json()]  # a row of the list is the registration as fetched alone
    now = clock.now()
    away = {"starts_at": (now - dt.timedelta(hours=1)).isoformat(), "ends_at": (now + DAY).isoformat()}
    assert (
        client_for(b).post("/api/v1/registry/leave", data=away, content_type="application/json").status_code
        == 201
    )
    assert agent.get(url).json()["handler"] == c.username  # the deputy while b is away (AB角)
    assert [r["handler"] for r in agent.get("/api/v1/registry/registrations").json()] == [c.username]


def test_bad_api_input_changes_nothing(client_for: Callable[..., Client], world: World) -> None:
    agent = client_for(world.agent_user)
    bad_file = body(world, files={"application_form": {"name": "a.pdf", "content": "***"}})
    response = agent.post("/api/v1/registry/registrations", data=bad_file, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "file_type"
    for change in ({"budget": "0"}, {"price_form": "float"}):
        section = {"name": "一标段", "budget_yuan": "0", "price_form": "amount", "method": "open_tender"}
        section.update({k: v for k, v in change.items() if k != "budget"})
        data = body(world, tender_projects=[{"name": "施工", "sections": [section]}])
        assert (
            agent.post(
                "/api/v1/registry/registrations", data=data, content_type="application/json"
            ).status_code
            == 422
        )
    english = agent.post(
        "/api/v1/registry/registrations",
        data=body(world, category="land"),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.json()["code"] == "category_not_served"
    assert "does not handle" in english.json()["message"]
    assert Project.objects.count() == 0


def test_others_do_not_see_a_registration(
    client_for: Callable[..., Client], world: World, make_user: Any
) -> None:
    from ggzy.core.roles import Role

    filed = client_for(world.agent_user).post(
        "/api/v1/registry/registrations", data=body(world), content_type="application/json"
    )
    registration_uid = filed.json()["uid"]
    stranger = client_for(make_user(Role.AGENT))
    assert stranger.get(f"/api/v1/registry/registrations/{registration_uid}").status_code == 404
    assert stranger.get("/api/v1/registry/registrations").json() == []
    assert (
        client_for(world.initiator_user).get("/api/v1/registry/registrations").json()[0]["uid"]
        == registration_uid
    )
    bidder = client_for(make_user(Role.RESPONDER))
    assert bidder.get(f"/api/v1/registry/registrations/{registration_uid}").status_code == 403
    assert Registration.objects.count() == 1


@pytest.mark.clause("6.2.6")
def test_templates_are_offered_for_download_on_request(
    client_for: Callable[..., Client], world: World
) -> None:
    from ggzy.registry import blobs
    from ggzy.registry.models import Template, TradingCategory

    blob = blobs.store(PDF + b"model tender documents", "application/pdf")
    template = Template.objects.create(
        category=TradingCategory.objects.get(code="engineering"),
        name="施工招标文件示范文本",
        blob=blob,
        file_name="示范文本.pdf",
    )
    agent = client_for(world.agent_user)
    listed = agent.get("/api/v1/registry/templates").json()
    assert [t["name"] for t in listed] == ["施工招标文件示范文本"]
    response = agent.get(f"/api/v1/registry/templates/{template.uid}/file")
    assert response.status_code == 200
    assert response.content == PDF + b"model tender documents"
    assert "attachment" in response["Content-Disposition"]
    assert agent.get(f"/api/v1/registry/templates/{uuid.uuid4()}/file").status_code == 404
    assert agent.get(f"/api/v1/registry/templates/{template.pk}/file").status_code == 422  # not an address
