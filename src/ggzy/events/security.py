"""Security events from Django's authentication: sign-ins, failed sign-ins, sign-outs.

Django announces these with signals (there is no other hook for a failed sign-in); each receiver
records one security event, visible to the audit administrator and to the user concerned."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from ggzy.core.types import Actor
from ggzy.events.event_types import EventsEvents
from ggzy.events.services import event_record


@receiver(user_logged_in, dispatch_uid="ggzy.events.logged_in")
def _logged_in(sender: object, request: HttpRequest | None, user: Actor, **kwargs: object) -> None:
    with transaction.atomic():
        event_record(
            type=EventsEvents.LOGIN_SUCCEEDED,
            actor=user,
        )


@receiver(user_logged_out, dispatch_uid="ggzy.events.logged_out")
def _logged_out(sender: object, request: HttpRequest | None, user: Actor | None, **kwargs: object) -> None:
    if user is None:
        return
    with transaction.atomic():
        event_record(type=EventsEvents.LOGOUT, actor=user)


@receiver(user_login_failed, dispatch_uid="ggzy.events.login_failed")
def _login_failed(
    sender: object, credentials: dict[str, object], request: HttpRequest | None = None, **kwargs: object
) -> None:
    with transaction.atomic():
        event_record(
            type=EventsEvents.LOGIN_FAILED,
            data={"username": str(credentials.get("username", ""))[:150]},
        )
