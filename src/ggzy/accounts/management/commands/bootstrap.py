"""`ggzy bootstrap`: the three administrators of a new installation (三员分立), and the break-glass
recovery of an administrator's account.

    ggzy bootstrap --system-admin alice --security-admin bob --audit-admin carol \
        [--system-admin-phone 139…] [--security-admin-phone …] [--audit-admin-phone …]
    ggzy bootstrap --recover security_admin [--user bob]      # asks for the recovery code

Bootstrap gives each administrator one role, a random initial password and a console enrolment code
(for the second factor, valid seven days), printed once: each sets their own password and enrols
at the first sign-in. It also prints the **recovery code** once — seal it in an envelope and keep
it where two people must open it. Refused once any administrator exists: after that,
administrators' accounts change by request and a second administrator's approval.

`--recover ROLE` reads the recovery code (a prompt, or one line on stdin) and recovers the holder of
ROLE: a new temporary password and enrolment code are printed, the used code is spent and a new
one printed, and the three administrators and the supervisors are told (ggzy.accounts.recovery)."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ggzy.accounts import policy, recovery
from ggzy.accounts.credentials import temporary_password
from ggzy.accounts.identifiers import is_mobile_number
from ggzy.accounts.models import EnrolmentCode, RoleGrant
from ggzy.accounts.services import account_open
from ggzy.core.errors import DomainError
from ggzy.core.roles import ADMIN_ROLES, Role


class Command(BaseCommand):
    help = "Create the three administrators of a new installation, or recover one (--recover ROLE)."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--system-admin")
        parser.add_argument("--security-admin")
        parser.add_argument("--audit-admin")
        for role in ("system", "security", "audit"):
            parser.add_argument(f"--{role}-admin-phone", default="", help="the phone on record (SMS)")
        parser.add_argument(
            "--recover",
            choices=sorted(r.value for r in ADMIN_ROLES),
            help="break-glass: recover the account of this administrator role with the recovery code",
        )
        parser.add_argument("--user", default="", help="with --recover: which holder, when several")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["recover"]:
            self.recover(Role(options["recover"]), options["user"], options.get("stdin") or sys.stdin)
            return
        names = {
            Role.SYSTEM_ADMIN: options["system_admin"],
            Role.SECURITY_ADMIN: options["security_admin"],
            Role.AUDIT_ADMIN: options["audit_admin"],
        }
        if not all(names.values()):
            raise CommandError("give --system-admin, --security-admin and --audit-admin (or --recover ROLE)")
        if len(set(names.values())) != len(names):
            raise CommandError("three different people: one person never holds two administrator roles")
        phones = {
            Role.SYSTEM_ADMIN: options["system_admin_phone"],
            Role.SECURITY_ADMIN: options["security_admin_phone"],
            Role.AUDIT_ADMIN: options["audit_admin_phone"],
        }
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
            printed = []
            for role, username in names.items():
                password = temporary_password()
                user = user_model.objects.create_user(username=username, password=password, is_staff=True)
                account_open(actor=None, user=user, roles=frozenset({role}), initial_password=True)
                if phones[role]:
                    if not is_mobile_number(phones[role]):
                        raise CommandError(f"{phones[role]}: not a mobile number")
                    state = policy.login_state(user)
                    state.phone = phones[role]
                    state.save(update_fields=["phone"])
                code = policy.enrolment_code_issue(user=user, channel=EnrolmentCode.Channel.CONSOLE)
                printed.append((role, username, password, code))
            recovery_code = recovery.recovery_code_create()
        for role, username, password, code in printed:
            self.stdout.write(
                f"{role.label}: {username}  initial password: {password}  enrolment code: {code}"
            )
        self.stdout.write(
            "Each sets their own password and enrols a TOTP authenticator with the enrolment code at the "
            "first sign-in."
        )
        self.stdout.write(f"RECOVERY CODE (printed only now; seal it, two people open it): {recovery_code}")

    def recover(self, role: Role, username: str, stdin: Any) -> None:
        code = getpass.getpass("Recovery code: ") if stdin.isatty() else stdin.readline()
        try:
            done = recovery.recover(role=role, code=code.strip(), username=username)
        except DomainError as exc:
            detail = f" {exc.detail}" if exc.detail else ""
            raise CommandError(f"{exc.code.value}: {exc.message}{detail}") from exc
        self.stdout.write(
            f"{role.label}: {done.username}  temporary password: {done.password}  "
            f"enrolment code: {done.enrolment_code}"
        )
        self.stdout.write("The three administrators and the supervisors have been told of this recovery.")
        self.stdout.write(f"NEW RECOVERY CODE (the old one is spent; seal this one): {done.recovery_code}")
