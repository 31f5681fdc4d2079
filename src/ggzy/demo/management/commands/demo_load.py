"""Load the demo data: one user per role (the trading data comes with the issues that build it).

Idempotent: running it twice changes nothing. Prints the demo logins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ggzy.accounts.services import account_open
from ggzy.core import clock
from ggzy.core.roles import HELD_ROLES, Role

DEMO_PASSWORD = "Demo-2026-ggzy"  # noqa: S105  (printed for the demo; never in production data)

DEMO_USERS: tuple[tuple[str, str, str, Role], ...] = (
    ("staff", "王", "小明", Role.CENTRE_STAFF),
    ("initiator", "李", "建国", Role.INITIATOR),
    ("agent", "赵", "丽华", Role.AGENT),
    ("bidder", "陈", "志强", Role.RESPONDER),
    ("expert", "刘", "芳", Role.EXPERT),
    ("supervisor", "周", "正", Role.SUPERVISOR),
    ("sysadmin", "孙", "立", Role.SYSTEM_ADMIN),
    ("secadmin", "吴", "安", Role.SECURITY_ADMIN),
    ("auditadmin", "郑", "审", Role.AUDIT_ADMIN),
)

#: Django-admin permissions of each administrator (三员分立: none gets another's).
ADMIN_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.SYSTEM_ADMIN: ("auth.view_user", "auth.add_user", "auth.change_user", "auth.view_group"),
    Role.SECURITY_ADMIN: ("accounts.view_apitoken", "accounts.change_apitoken"),
    Role.AUDIT_ADMIN: ("accounts.view_apitoken",),
}


class Command(BaseCommand):
    help = "Load the demo data and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        # On the sandbox clock the demo writes a month of history, forward from 30 days ago, then
        # brings the clock to the present. Without the sandbox it writes everything now.
        started = clock.sandbox_enabled() and clock.sandbox_start(clock.authority_now() - timedelta(days=30))
        self.load(history=started)
        if started:
            clock.sandbox_travel(clock.authority_now())
        if clock.sandbox_enabled():
            self.stdout.write(
                f"Sandbox clock: {timezone.localtime(clock.now()):%Y-%m-%d %H:%M} (history from 30 days ago)"
            )

    @transaction.atomic
    def load(self, *, history: bool) -> None:
        groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in HELD_ROLES}
        for role, perms in ADMIN_PERMISSIONS.items():
            for dotted in perms:
                app_label, codename = dotted.split(".")
                groups[role].permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
        user_model = get_user_model()
        for username, last, first, role in DEMO_USERS:
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={"last_name": last, "first_name": first, "is_staff": role in ADMIN_PERMISSIONS},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                account_open(actor=None, user=user, roles=frozenset({role}))
                if history:
                    clock.sandbox_travel(clock.now() + timedelta(hours=7))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, last, first, role in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {last}{first:<4} {role.label}")
