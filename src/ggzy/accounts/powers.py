"""The powers of the three administrators (三员分立, GB/T 22239 level 3; standard 8.2.1, 8.2.3), as one
table the back office reads instead of Django's permission rows.

* The **system administrator** manages accounts (not administrators' ones) and configuration.
* The **security administrator** grants roles, resets other people's credentials, issues enrolment
  codes and manages keys.
* The **audit administrator** reads: the audit trail and what the other two did.
* **Centre staff** hold one narrow power of granting (`VERIFY_ORGANISATION`): verifying an organisation
  that registered itself grants it the role it asked for.

Changes to an administrator's account are never done by one person: one administrator requests,
a second approves (`ggzy.accounts.changes`). Nobody is a superuser; nobody changes their own
account in the back office. Django's `user_permissions`, groups and `is_superuser` give nothing
here (`PolicyBackend`): a row written into those tables by hand is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable

from ggzy.core.roles import Role

_CONFIGURATION = tuple(
    f"registry.{verb}_{model}"
    for model in ("tradingcategory", "centrecategory", "tradingmethod", "checklist", "deskhead", "template")
    for verb in ("view", "add", "change")
)

#: Back-office permissions ("app_label.codename") of each administrator role.
POWERS: dict[Role, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(
        {
            "auth.view_user",
            "auth.add_user",
            "auth.change_user",
            "accounts.view_rolegrant",
            "accounts.view_organisation",
            "accounts.view_centre",
            "accounts.view_accountchange",
            "django_tasks_db.view_dbtaskresult",
            *_CONFIGURATION,
        }
    ),
    Role.SECURITY_ADMIN: frozenset(
        {
            "auth.view_user",
            "accounts.view_rolegrant",
            "accounts.view_apitoken",
            "accounts.view_accountchange",
            "accounts.view_enrolmentcode",
            "core.view_platformkey",
        }
    ),
    Role.AUDIT_ADMIN: frozenset(
        {
            "auth.view_user",
            "accounts.view_rolegrant",
            "accounts.view_apitoken",
            "accounts.view_organisation",
            "accounts.view_centre",
            "accounts.view_accountchange",
            "accounts.view_enrolmentcode",
            "core.view_platformkey",
            "events.view_event",
            "events.view_message",
            "django_tasks_db.view_dbtaskresult",
            *(p for p in _CONFIGURATION if ".view_" in p),
        }
    ),
}

#: Changes to administrators' accounts, by kind: which administrator may ask for one. A second
#: administrator (not the one asking, not the one concerned) approves.
REQUESTERS: dict[str, frozenset[Role]] = {
    "role_grant": frozenset({Role.SECURITY_ADMIN}),
    "role_revoke": frozenset({Role.SECURITY_ADMIN}),
    "password_reset": frozenset({Role.SECURITY_ADMIN}),
    "totp_reset": frozenset({Role.SECURITY_ADMIN}),
    "enrolment_code": frozenset({Role.SECURITY_ADMIN}),
    "deactivate": frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}),
    "reactivate": frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}),
}


#: The one power outside the administrators' to grant a role: **verify an organisation**. The staff of
#: the centre an organisation chose when it registered itself grant the role it asked for (initiator,
#: agent or responder), scoped to that organisation, to the account that registered it — only by
#: verifying that pending registration (`accounts.registration.application_verify`, which passes it to
#: `accounts.parties.role_grant`); every other grant stays the security administrator's.
VERIFY_ORGANISATION: frozenset[Role] = frozenset({Role.CENTRE_STAFF})


def permissions_of(roles: Iterable[Role]) -> frozenset[str]:
    found: set[str] = set()
    for role in roles:
        found |= POWERS.get(role, frozenset())
    return frozenset(found)
