"""Print the current TOTP code of a demo user — on a demonstration instance only.

    .venv/bin/ggzy demo_totp <username>

Run from the project folder beside `make demo` (another shell, no variables needed): the instance is a
demonstration if GGZY_SANDBOX=1 is set here, or if its database is a demonstration's — it holds the
sandbox clock's anchor, which only a sandbox instance ever writes (`ggzy.core.clock`). A production
database has none, and the command refuses there."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.accounts import policy
from ggzy.core import clock
from ggzy.core.models import SandboxAnchor
from ggzy_sm import totp


def demonstration() -> bool:
    """This instance is a demonstration: the sandbox is on here, or the database is a sandbox's."""
    return clock.sandbox_enabled() or SandboxAnchor.objects.filter(pk=1).exists()


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo user (demonstration instances only)."
    # Without GGZY_SANDBOX the production guards (a test CA, demo custodians: ggzy.E201, E211) fail
    # on a demo database by design; this command only reads a code, so it runs no system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: str, **options: object) -> None:
        if not demonstration():
            raise CommandError(
                "only on a demonstration instance: this database has no sandbox clock (a production"
                " instance's codes come from its users' authenticators)"
            )
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("no such user")
        secret = policy.totp_secret(user)
        if not secret:
            raise CommandError(f"{user.get_username()} has no TOTP key (not enrolled)")
        self.stdout.write(totp.code_at(secret, clock.authority_now().timestamp()))
