"""`ggzy bootstrap`: create the three administrators of a new installation (三员分立).

    ggzy bootstrap --system-admin alice --security-admin bob --audit-admin carol

Each gets one administrator role, a random initial password printed once (to be changed at the first
sign-in) and enrols a TOTP second factor at the first sign-in. Refused once any administrator exists:
after that, administrators are managed by the system administrator in the platform."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ggzy.accounts.models import RoleGrant
from ggzy.accounts.services import account_open
from ggzy.core.roles import ADMIN_ROLES, Role


class Command(BaseCommand):
    help = "Create the three administrators of a new installation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--system-admin", required=True)
        parser.add_argument("--security-admin", required=True)
        parser.add_argument("--audit-admin", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        names = {
            Role.SYSTEM_ADMIN: options["system_admin"],
            Role.SECURITY_ADMIN: options["security_admin"],
            Role.AUDIT_ADMIN: options["audit_admin"],
        }
        if len(set(names.values())) != len(names):
            raise CommandError("three different people: one person never holds two administrator roles")
        user_model = get_user_model()
        with transaction.atomic():
            if RoleGrant.objects.filter(
                role__in=[r.value for r in ADMIN_ROLES], revoked_at__isnull=True
            ).exists():
                raise CommandError("administrators exist already: bootstrap runs once, on a new installation")
            taken = sorted(
                user_model.objects.filter(username__in=names.values()).values_list("username", flat=True)
            )
            if taken:
                raise CommandError(f"these user names exist: {', '.join(taken)}")
            passwords = {}
            for role, username in names.items():
                password = secrets.token_urlsafe(15) + "-A1"
                user = user_model.objects.create_user(username=username, password=password, is_staff=True)
                account_open(actor=None, user=user, roles=frozenset({role}), initial_password=True)
                passwords[username] = (role, password)
        for username, (role, password) in passwords.items():
            self.stdout.write(f"{role.label}: {username}  initial password: {password}")
        self.stdout.write("Each changes the password and enrols a TOTP authenticator at the first sign-in.")
