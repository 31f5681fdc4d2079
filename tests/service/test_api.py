"""The service API: ask, take, hand over, answer; complaints; ratings; the public figures and commitments."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from ggzy.core import clock
from ggzy.registry import services as registry
from ggzy.service import services
from tests.registry.conftest import World

pytestmark = pytest.mark.django_db


def test_a_question_through_the_api(client_for: Callable[..., Client], world: World) -> None:
    a, b, _c = world.staff
    asker = client_for(world.agent_user)
    asked = asker.post(
        "/api/v1/service/questions",
        data={"centre": "sy", "kind": "system", "text": "CA 证书如何绑定？"},
        content_type="application/json",
    )
    assert asked.status_code == 201
    question_uid = asked.json()["uid"]
    staff = client_for(a)
    assert staff.post(f"/api/v1/service/questions/{question_uid}/take").json()["owner"] == a.username
    handed = staff.post(
        f"/api/v1/service/questions/{question_uid}/handover",
        data={"to": world.agent_user.username, "reason": "转交"},
        content_type="application/json",
    )
    assert handed.json()["code"] == "handover_outside_centre"
    staff.post(
        f"/api/v1/service/questions/{question_uid}/handover",
        data={"to": b.username, "reason": "b 熟悉证书业务"},
        content_type="application/json",
    )
    answered = (
        client_for(b)
        .post(
            f"/api/v1/service/questions/{question_uid}/answer",
            data={"answer": "在“我的证书”页面绑定。"},
            content_type="application/json",
        )
        .json()
    )
    assert answered["answered_at"] is not None
    assert [q["uid"] for q in asker.get("/api/v1/service/questions").json()] == [question_uid]
    stranger = Client()
    assert stranger.get("/api/v1/service/questions").status_code == 401


def test_ratings_and_the_public_figures(client_for: Callable[..., Client], world: World) -> None:
    registration = world.file()
    a, b, c = world.staff
    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    rated = client_for(world.agent_user).post(
        "/api/v1/service/ratings",
        data={
            "service": "registration",
            "reference": f"registry.registration:{registration.uid}",
            "score": 1,
        },
        content_type="application/json",
    )
    assert rated.status_code == 201
    assert rated.json()["follow_up_due_at"] is not None
    from ggzy.service.models import Rating

    services.follow_up_record(actor=b, rating=Rating.objects.get(), text="已改进")
    month = clock.local_now().strftime("%Y-%m")
    public = Client().get(f"/api/v1/service/figures?centre=sy&month={month}").json()
    assert public["figures"] == [
        {"service": "registration", "ratings": 1, "average": 1.0, "bad": 1, "followed_up": 1}
    ]
    assert [f["text"] for f in public["follow_ups"]] == ["已改进"]
    assert Client().get("/api/v1/service/figures?centre=sy&month=2026-13").status_code == 422


def test_a_complaint_through_the_api(client_for: Callable[..., Client], world: World) -> None:
    response = client_for(world.agent_user).post(
        "/api/v1/service/feedback",
        data={"centre": "sy", "kind": "complaint", "content": "停车场标识不清。"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["due_at"] is not None
