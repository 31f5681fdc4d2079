"""The platform's roles as one constant table (design.md §2).

Who holds which role comes with the parties issue (roles per project, per centre, per
jurisdiction). Until then a user holds a role through the Django group of the same code, which
`ggzy.accounts.selectors.user_roles` reads; everything else asks that function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import cast

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from ggzy.core.types import Viewer


class Role(models.TextChoices):
    CENTRE_STAFF = "centre_staff", _("Centre staff")
    INITIATOR = "initiator", _("Trade initiator")
    AGENT = "agent", _("Agent")
    RESPONDER = "responder", _("Responder")
    EXPERT = "expert", _("Evaluation expert")
    SUPERVISOR = "supervisor", _("Supervisor")
    PUBLIC = "public", _("Public")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


@dataclass(frozen=True)
class RoleInfo:
    role: Role
    who: Promise
    work: Promise


ROLE_TABLE: tuple[RoleInfo, ...] = (
    RoleInfo(
        Role.CENTRE_STAFF,
        _("Operation service institution (trading centre)"),
        _("Accept registrations, schedule venues, witness, archive, statistics"),
    ),
    RoleInfo(
        Role.INITIATOR,
        _("Tenderers, purchasers, transferors"),
        _("Register projects, publish notices, book rooms, request expert draws, issue results"),
    ),
    RoleInfo(
        Role.AGENT,
        _("Tendering, procurement and auction agencies"),
        _("Act for an initiator within the entrustment"),
    ),
    RoleInfo(
        Role.RESPONDER,
        _("Bidders, suppliers, land bidders, transferees"),
        _("Download documents, seal and submit bids, decrypt at the opening, object, bid in auctions"),
    ),
    RoleInfo(Role.EXPERT, _("Evaluation experts"), _("Confirm a draw, check in, score, sign the report")),
    RoleInfo(
        Role.SUPERVISOR,
        _("Administrative supervisors, discipline commission, auditors"),
        _("Watch live, read and copy archives, handle complaints, credit records, alerts"),
    ),
    RoleInfo(
        Role.PUBLIC, _("Anyone"), _("Read notices, results and statistics; verify a witness certificate")
    ),
    RoleInfo(Role.SYSTEM_ADMIN, _("System administrator"), _("Users and configuration, calendar data")),
    RoleInfo(Role.SECURITY_ADMIN, _("Security administrator"), _("Keys and security policies")),
    RoleInfo(Role.AUDIT_ADMIN, _("Audit administrator"), _("Read the audit trail")),
)

#: The three administrators of 等保三级: none may do another's work, one person never holds two.
ADMIN_ROLES: frozenset[Role] = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

#: Roles a signed-in user can hold (PUBLIC is what everyone, signed in or not, is).
HELD_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.PUBLIC)


@cache
def _resolver() -> Callable[[Viewer], frozenset[Role]]:
    return cast(Callable[[Viewer], frozenset[Role]], import_string(settings.GGZY_ROLE_RESOLVER))


def roles_of_user(user: Viewer | None) -> frozenset[Role]:
    """The roles `user` holds, as the accounts app resolves them (settings.GGZY_ROLE_RESOLVER).

    Apps below accounts (core, events) ask this instead of importing accounts."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return _resolver()(user)
