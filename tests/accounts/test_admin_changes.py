"""三员分立 enforced (issue 17): every account change one administrator might make to another or to
themselves is refused, or requested, approved by a second administrator and recorded — never
silently done; the back office cannot be used around it; break-glass recovery works and is recorded."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from ggzy.accounts import changes, credentials, policy
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.models import AccountChange, LoginState, RecoveryCode, RoleGrant
from ggzy.accounts.parties import role_grant
from ggzy.core.errors import DomainError
from ggzy.core.roles import ADMIN_ROLES, Role
from ggzy.events.models import Event, Message
from tests.factories import default_centre

pytestmark = pytest.mark.django_db
Kind = AccountChange.Kind


@pytest.fixture
def admins(make_user: Callable[..., Any]) -> dict[Role, Any]:
    found = {role: make_user(role, username=role.value.replace("_", "")) for role in sorted(ADMIN_ROLES)}
    for user in found.values():
        state = policy.login_state(user)
        state.phone = f"1390000{user.pk:04d}"
        state.save()
    make_user(Role.SUPERVISOR, username="watcher")
    return found


def refused(code: AccountsError, act: Callable[[], Any]) -> None:
    with pytest.raises(DomainError) as caught:
        act()
    assert caught.value.code is code, caught.value.code


# --- what one administrator may not do alone ------------------------------------------------------
@pytest.mark.clause("8.2.3")
def test_no_administrator_changes_another_administrators_account_alone(admins: dict[Role, Any]) -> None:
    for actor in admins.values():
        for target in admins.values():
            expect = (
                AccountsError.NOT_FOR_ONESELF
                if actor == target
                else AccountsError.ADMIN_CHANGE_NEEDS_APPROVAL
            )
            security = Role.SECURITY_ADMIN in {r for r, u in admins.items() if u == actor}
            if not security:  # the others do not even hold the power
                expect = AccountsError.NOT_YOUR_ADMIN_WORK
            for act in (
                lambda a=actor, t=target: credentials.password_reset(actor=a, user=t, reason="测试重置"),
                lambda a=actor, t=target: credentials.totp_reset(actor=a, user=t, reason="测试重置"),
                lambda a=actor, t=target: credentials.enrolment_code_send(
                    actor=a, user=t, channel="in_person"
                ),
            ):
                refused(expect, act)
            refused(
                AccountsError.NOT_YOUR_ADMIN_WORK if not security else expect,
                lambda a=actor, t=target: role_grant(
                    actor=a, user=t, role=Role.CENTRE_STAFF, centre=default_centre()
                ),
            )
    assert not Event.objects.filter(type__startswith="accounts.credential.").exists()
    assert RoleGrant.objects.filter(role=Role.CENTRE_STAFF).count() == 0


@pytest.mark.clause("8.2.3")
def test_a_new_administrator_needs_a_second_administrators_approval(
    admins: dict[Role, Any], make_user: Callable[..., Any]
) -> None:
    sysadmin, secadmin, auditor = (
        admins[Role.SYSTEM_ADMIN],
        admins[Role.SECURITY_ADMIN],
        admins[Role.AUDIT_ADMIN],
    )
    puppet = make_user(username="puppet")
    refused(  # the system administrator may not grant roles at all
        AccountsError.NOT_YOUR_ADMIN_WORK,
        lambda: role_grant(actor=sysadmin, user=puppet, role=Role.AUDIT_ADMIN),
    )
    refused(  # the security administrator only asks for an administrator role
        AccountsError.ADMIN_CHANGE_NEEDS_APPROVAL,
        lambda: role_grant(actor=secadmin, user=puppet, role=Role.AUDIT_ADMIN),
    )
    refused(
        AccountsError.NOT_YOUR_ADMIN_WORK,
        lambda: changes.change_request(
            actor=sysadmin, target=puppet, kind=Kind.ROLE_GRANT, role=Role.AUDIT_ADMIN, reason="傀儡审计员"
        ),
    )
    change = changes.change_request(
        actor=secadmin, target=puppet, kind=Kind.ROLE_GRANT, role=Role.AUDIT_ADMIN, reason="增设审计管理员"
    )
    assert not RoleGrant.objects.filter(user=puppet).exists()  # nothing happens on the request
    refused(
        AccountsError.CHANGE_SECOND_PERSON,
        lambda: changes.change_approve(actor=secadmin, change_uid=change.uid),
    )
    refused(
        AccountsError.NOT_YOUR_ADMIN_WORK, lambda: changes.change_approve(actor=puppet, change_uid=change.uid)
    )
    changes.change_approve(actor=auditor, change_uid=change.uid, note="已核对")
    assert RoleGrant.objects.filter(user=puppet, role=Role.AUDIT_ADMIN, revoked_at__isnull=True).exists()
    types = list(
        Event.objects.filter(type__startswith="accounts.admin_change.")
        .order_by("id")
        .values_list("type", flat=True)
    )
    assert types == ["accounts.admin_change.requested", "accounts.admin_change.approved"]
    approved = Event.objects.get(type="accounts.admin_change.approved")
    assert approved.actor == auditor
    assert approved.data["requested_by"] == secadmin.pk
    told = set(
        Message.objects.filter(template="accounts.admin_change").values_list("recipient__username", flat=True)
    )
    assert {"watcher", "systemadmin", "auditadmin", "securityadmin"} <= told
    # the new administrator still cannot sign in without a second factor enrolled with a code
    assert not policy.totp_enrolled(puppet)
    refused(
        AccountsError.CHANGE_NOT_PENDING,
        lambda: changes.change_approve(actor=sysadmin, change_uid=change.uid),
    )


@pytest.mark.clause("8.2.3")
@pytest.mark.parametrize(
    "kind", [Kind.PASSWORD_RESET, Kind.TOTP_RESET, Kind.ENROLMENT_CODE, Kind.DEACTIVATE, Kind.ROLE_REVOKE]
)
def test_each_change_to_an_administrator_is_requested_then_approved(
    kind: str, admins: dict[Role, Any]
) -> None:
    sysadmin, secadmin, auditor = (
        admins[Role.SYSTEM_ADMIN],
        admins[Role.SECURITY_ADMIN],
        admins[Role.AUDIT_ADMIN],
    )
    LoginState.objects.filter(user=auditor).update(phone="")  # no phone: a secret is shown to the approver
    before = (auditor.password, auditor.is_active)
    role = Role.AUDIT_ADMIN if kind == Kind.ROLE_REVOKE else ""
    change = changes.change_request(actor=secadmin, target=auditor, kind=kind, reason="定期轮换", role=role)
    auditor.refresh_from_db()
    assert (auditor.password, auditor.is_active) == before
    change, secret = changes.change_approve(actor=sysadmin, change_uid=change.uid)
    auditor.refresh_from_db()
    assert change.state == AccountChange.State.APPROVED
    if kind == Kind.PASSWORD_RESET:
        assert auditor.check_password(secret)
        assert policy.password_must_change(auditor)
    elif kind == Kind.ENROLMENT_CODE:
        assert len(secret) == 11
    elif kind == Kind.DEACTIVATE:
        assert not auditor.is_active
    elif kind == Kind.ROLE_REVOKE:
        assert not RoleGrant.objects.filter(user=auditor, revoked_at__isnull=True).exists()
    else:
        assert not policy.totp_enrolled(auditor)
        assert secret == ""
    assert Event.objects.filter(type="accounts.admin_change.approved", actor=sysadmin).count() == 1
    assert Message.objects.filter(recipient=auditor, template="accounts.credential_changed").exists()


def test_requests_can_be_refused_withdrawn_and_expire(admins: dict[Role, Any]) -> None:
    from ggzy.accounts.states import change_state
    from ggzy.core import clock

    sysadmin, secadmin, auditor = (
        admins[Role.SYSTEM_ADMIN],
        admins[Role.SECURITY_ADMIN],
        admins[Role.AUDIT_ADMIN],
    )
    first = changes.change_request(actor=secadmin, target=auditor, kind=Kind.TOTP_RESET, reason="手机遗失")
    changes.change_refuse(actor=sysadmin, change_uid=first.uid, note="未经本人确认")
    second = changes.change_request(actor=secadmin, target=auditor, kind=Kind.TOTP_RESET, reason="手机遗失")
    refused(
        AccountsError.CHANGE_NOT_FOUND, lambda: changes.change_withdraw(actor=sysadmin, change_uid=second.uid)
    )
    changes.change_withdraw(actor=secadmin, change_uid=second.uid)
    third = changes.change_request(actor=secadmin, target=auditor, kind=Kind.TOTP_RESET, reason="手机遗失")
    AccountChange.objects.filter(pk=third.pk).update(expires_at=clock.now())
    third.refresh_from_db()
    assert change_state(third, clock.now()) == "expired"
    refused(
        AccountsError.CHANGE_NOT_PENDING, lambda: changes.change_approve(actor=sysadmin, change_uid=third.uid)
    )
    assert (
        policy.totp_secret(auditor) == "" or LoginState.objects.get(user=auditor).totp_confirmed is not False
    )


def test_a_request_for_a_non_administrator_is_refused_as_such(
    admins: dict[Role, Any], make_user: Callable[..., Any]
) -> None:
    clerk = make_user(Role.CENTRE_STAFF)
    refused(
        AccountsError.NOT_AN_ADMINISTRATOR,
        lambda: changes.change_request(
            actor=admins[Role.SECURITY_ADMIN], target=clerk, kind=Kind.PASSWORD_RESET, reason="忘记密码"
        ),
    )
    # done directly instead, recorded and told
    secret = credentials.password_reset(actor=admins[Role.SECURITY_ADMIN], user=clerk, reason="忘记密码")
    clerk.refresh_from_db()
    assert clerk.check_password(secret)
    assert Event.objects.filter(type="accounts.credential.password_reset").count() == 1


# --- the back office cannot be used around it --------------------------------------------------------
def _form(user: Any, **extra: str) -> dict[str, str]:
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "改",
        "email": "",
        "is_active": "on",
        **extra,
    }


@pytest.mark.clause("8.2.3")
def test_the_back_office_changes_no_administrator_and_no_right(
    client_for: Callable[..., Client], admins: dict[Role, Any], make_user: Callable[..., Any]
) -> None:
    client = client_for(admins[Role.SYSTEM_ADMIN])
    for target in admins.values():
        response = client.post(f"/admin/auth/user/{target.pk}/change/", _form(target, is_staff="on"))
        assert response.status_code == 403, target
        hashed = target.password
        for url in (
            f"/admin/auth/user/{target.pk}/password/",
            f"/admin/auth/user/{target.pk}/password/change/",
        ):
            assert b"password1" not in client.get(url, follow=True).content  # no password form at all
            client.post(url, {"password1": "Taken-over-2026", "password2": "Taken-over-2026"})
        target.refresh_from_db()
        assert target.password == hashed
    clerk = make_user(Role.RESPONDER)
    response = client.post(
        f"/admin/auth/user/{clerk.pk}/change/",
        _form(clerk, is_staff="on", is_superuser="on", user_permissions="1"),
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert (clerk.last_name, clerk.is_staff, clerk.is_superuser) == ("改", False, False)
    assert not clerk.user_permissions.exists()
    for target in admins.values():
        target_before = get_user_model().objects.get(pk=target.pk)
        assert target_before.last_name == ""  # untouched


@pytest.mark.clause("8.2.3")
def test_a_change_that_cannot_be_recorded_does_not_happen(
    client_for: Callable[..., Client],
    admins: dict[Role, Any],
    make_user: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clerk = make_user(Role.RESPONDER)
    client = client_for(admins[Role.SYSTEM_ADMIN])

    def broken(**kwargs: Any) -> None:
        raise DomainError(AccountsError.CHANGE_INVALID)

    monkeypatch.setattr("ggzy.events.admin_log.event_record", broken)
    client.raise_request_exception = False
    response = client.post(f"/admin/auth/user/{clerk.pk}/change/", _form(clerk, last_name="被改"))
    assert response.status_code >= 400
    clerk.refresh_from_db()
    assert clerk.last_name == ""


def test_permissions_written_by_hand_give_nothing(
    client_for: Callable[..., Client], admins: dict[Role, Any], make_user: Callable[..., Any]
) -> None:
    from django.contrib.auth.models import Permission

    auditor = admins[Role.AUDIT_ADMIN]
    auditor.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "add_user"]))
    client = client_for(auditor)
    clerk = make_user(Role.RESPONDER)
    assert client.post(f"/admin/auth/user/{clerk.pk}/change/", _form(clerk)).status_code == 403
    assert client.get("/admin/events/event/").status_code == 200  # the audit administrator reads
    bidder = client_for(make_user(Role.RESPONDER))
    assert bidder.get("/admin/").status_code == 403


# --- break-glass ---------------------------------------------------------------------------------
@pytest.mark.clause("8.2.3")
def test_bootstrap_then_break_glass_recovery_of_the_security_administrator(
    make_user: Callable[..., Any],
) -> None:
    make_user(Role.SUPERVISOR, username="watcher")
    out = io.StringIO()
    call_command(
        "bootstrap",
        "--system-admin",
        "alice",
        "--security-admin",
        "bob",
        "--audit-admin",
        "carol",
        stdout=out,
    )
    printed = out.getvalue()
    code = printed.split("RECOVERY CODE (printed only now; seal it, two people open it): ")[1].strip()
    assert "enrolment code:" in printed
    bob = get_user_model().objects.get(username="bob")
    assert not bob.is_superuser
    assert policy.password_must_change(bob)
    with pytest.raises(CommandError):
        call_command("bootstrap", "--system-admin", "x", "--security-admin", "y", "--audit-admin", "z")

    for wrong in ("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", "nope"):
        with pytest.raises(CommandError, match="recovery_refused"):
            call_command(
                "bootstrap",
                "--recover",
                "security_admin",
                stdin=io.StringIO(wrong + "\n"),
                stdout=io.StringIO(),
            )
    assert Event.objects.filter(type="accounts.recovery.failed").count() == 2
    out = io.StringIO()
    call_command("bootstrap", "--recover", "security_admin", stdin=io.StringIO(code + "\n"), stdout=out)
    printed = out.getvalue()
    password = printed.split("temporary password: ")[1].split()[0]
    bob.refresh_from_db()
    assert bob.check_password(password)
    assert Event.objects.filter(type="accounts.recovery.used").count() == 1
    told = set(
        Message.objects.filter(template="accounts.recovery_used").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"alice", "bob", "carol", "watcher"}
    assert RecoveryCode.objects.filter(spent_at__isnull=True).count() == 1  # a new one, printed once
    with pytest.raises(CommandError, match="recovery_refused"):  # the used code is spent
        call_command(
            "bootstrap", "--recover", "security_admin", stdin=io.StringIO(code + "\n"), stdout=io.StringIO()
        )


def test_three_wrong_recovery_codes_block_recovery(make_user: Callable[..., Any]) -> None:
    from ggzy.accounts import recovery

    make_user(Role.SECURITY_ADMIN)
    code = recovery.recovery_code_create()
    for _ in range(3):
        refused(
            AccountsError.RECOVERY_REFUSED, lambda: recovery.recover(role=Role.SECURITY_ADMIN, code="wrong")
        )
    refused(AccountsError.RECOVERY_REFUSED, lambda: recovery.recover(role=Role.SECURITY_ADMIN, code=code))
