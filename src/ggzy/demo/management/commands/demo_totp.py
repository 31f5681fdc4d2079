"""Print the current TOTP code of a demo user (sandbox instances only)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.accounts import policy
from ggzy.core import clock
from ggzy_sm import totp


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo user (sandbox only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: str, **options: object) -> None:
        if not clock.sandbox_enabled():
            raise CommandError("only on a sandbox (demo) instance")
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("no such user")
        self.stdout.write(totp.code_at(policy.totp_secret(user), clock.authority_now().timestamp()))
