"""The event log and the inbox in words: what happened by its title in the reader's language (never the
type's code), who by name, family name first (never the username); the inbox's button stays one line."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise

from ggzy.core.roles import Role
from ggzy.events import catalogue
from ggzy.events.event_types import EventsEvents
from ggzy.events.notifications import Recipient, notify
from ggzy.events.services import event_record
from ggzy.events.states import DeliveryChannel

pytestmark = pytest.mark.django_db


def platform_types() -> set[str]:
    return {t.type for c in catalogue.catalogues() if c.__module__.startswith("ggzy.") for t in c.types}


def test_every_catalogued_event_type_has_a_title_in_chinese() -> None:
    # each type's title is in its declaration (the catalogue refuses one without), translatable there
    assert {t for t in platform_types() if not isinstance(catalogue.types()[t].title, Promise)} == set()
    with translation.override("zh-hans"):
        titles = {t: catalogue.event_title(t) for t in platform_types()}
    assert {t: title for t, title in titles.items() if re.search(r"[a-z]{3}", title)} == {}
    assert titles["auth.login.succeeded"] == "登录"
    with translation.override("en"):
        assert catalogue.event_title("auth.login.succeeded") == "Signed in"
        # an old event of a type no longer catalogued reads as its name
        assert catalogue.event_title("removed.thing.done") == "removed.thing.done"


def test_the_event_log_says_what_happened_and_who_by_name(
    make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    actor = make_user(username="lijianguo")
    actor.last_name, actor.first_name = "李", "建国"
    actor.save()
    with transaction.atomic():
        event_record(type=EventsEvents.LOGIN_SUCCEEDED, actor=actor)
        event_record(type=EventsEvents.LOGOUT, actor=make_user(username="nameless"))
    client = client_as(Role.AUDIT_ADMIN)
    page = client.get("/events/").content.decode()
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "<td>李建国</td>" in table  # family name first, no space
    assert "lijianguo" not in table
    assert "<td>nameless</td>" in table  # no name on record: the username is all there is
    assert ">登录<" in table
    assert ">退出登录<" in table
    assert "auth.login.succeeded</" not in table  # the code is no longer the text
    client.cookies["django_language"] = "en"
    assert ">Signed in<" in client.get("/events/").content.decode()


def test_the_inbox_button_stays_on_one_line(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    user = make_user(Role.RESPONDER)
    with transaction.atomic():
        notify(
            template="accounts.token_created",
            recipients=[Recipient(user=user)],
            context={"name": "监管对接", "prefix": "ggzy_abc", "expires_at": "2026-12-31 00:00"},
            channels=[DeliveryChannel.INBOX],
        )
    page = client_for(user).get("/inbox/").content.decode()
    button = re.search(r'<button type="submit" class="([^"]+)">标为已读</button>', page)
    assert button is not None
    assert "text-nowrap" in button.group(1).split()
