"""Centre staff choose from a page which trading categories their centre serves, what the parties are told
once a registration is accepted, and the must-enter list (6.2.4, 12.1.5) — before this page it took a
shell. Another centre's staff get the same not-found as for a missing centre, other roles are refused,
and a refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from ggzy.accounts import parties
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.registry import selectors, services
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import CentreCategory
from tests.registry.conftest import World, staff_user

pytestmark = pytest.mark.django_db
PAGE = "/workspace/registry/categories/"
SERVE = "/workspace/registry/categories/serve/"
MUST_ENTER = "依法必须招标的土地出让项目"


def _land(world: World) -> CentreCategory | None:
    return CentreCategory.objects.filter(centre=world.centre, category_id="land").first()


def _served(world: World) -> set[str]:
    return {c.code for c in selectors.served_categories(centre=world.centre)}


@pytest.mark.clause("12.1.5")
def test_staff_serve_a_category_from_a_page_and_stop_serving_it(
    client_for: Callable[..., Client], world: World
) -> None:
    staff = client_for(world.head)
    page = staff.get(PAGE)
    assert page.status_code == 200
    assert 'data-testid="category-land"' in page.content.decode()
    assert _land(world) is None
    assert "land" not in _served(world)

    answer = staff.post(
        SERVE,
        {
            "centre": "sy",
            "category": "land",
            "enabled": "on",
            "next_steps": "公告期 20 日",
            "must_enter": MUST_ENTER,
        },
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"{PAGE}?centre=sy"
    row = _land(world)
    assert row is not None
    assert row.enabled
    assert (row.next_steps, row.must_enter) == ("公告期 20 日", MUST_ENTER)
    event = Event.objects.filter(type="registry.category.configured", category="land").get()
    assert event.actor == world.head
    assert event.centre == "sy"
    assert "land" in _served(world)
    assert MUST_ENTER in Client().get("/registry/must-enter/?centre=sy").content.decode()

    staff.post(SERVE, {"centre": "sy", "category": "land", "must_enter": MUST_ENTER})  # the box unticked
    row = _land(world)
    assert row is not None
    assert not row.enabled
    assert "land" not in _served(world)


def test_another_centres_staff_and_other_roles_change_nothing(
    client_for: Callable[..., Client], client_as: Callable[..., Client], world: World
) -> None:
    province = parties.centre_create(actor=None, code="ln", name="辽宁省公共资源交易中心", region="210000")
    outsider = client_for(staff_user(province, "ln-staff"))
    posted = {"centre": "sy", "category": "land", "enabled": "on"}
    assert outsider.post(SERVE, posted).status_code == 404
    assert outsider.get(f"{PAGE}?centre=sy").status_code == 404
    assert client_for(world.initiator_user).post(SERVE, posted).status_code == 403
    assert client_as(Role.SYSTEM_ADMIN).get(PAGE).status_code == 403
    staff = client_for(world.head)
    assert staff.post(SERVE, {**posted, "category": "nothing"}).status_code == 404
    assert _land(world) is None
    assert not Event.objects.filter(type="registry.category.configured", category="land").exists()
    # the service itself refuses someone who is not staff of the centre
    with pytest.raises(DomainError) as refused:
        services.category_serve(
            actor=world.initiator_user, centre=world.centre, category=world.engineering, enabled=False
        )
    assert refused.value.code is RegistryError.NOT_STAFF
    assert CentreCategory.objects.get(centre=world.centre, category=world.engineering).enabled
