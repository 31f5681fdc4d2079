"""Valid test identities and scoped users, made through the services."""

from __future__ import annotations

import itertools
from typing import Any

from ggzy.accounts.identifiers import org_code_check_char, resident_id_check_char, uscc_check_char
from ggzy.accounts.models import Centre, Membership, Organisation, RoleGrant
from ggzy.core.roles import Role

_counter = itertools.count(1)


def make_uscc(n: int | None = None, region: str = "210100") -> str:
    """A valid unified social credit code (GB 32100) with a valid organisation code (GB 11714)."""
    n = next(_counter) if n is None else n
    body = f"{n:08d}"
    org = body + org_code_check_char(body)
    first17 = "91" + region + org
    return first17 + uscc_check_char(first17)


def make_resident_id(n: int, region: str = "210102", birth: str = "19800101") -> str:
    first17 = f"{region}{birth}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def default_centre() -> Centre:
    centre, _created = Centre.objects.get_or_create(
        code="ln", defaults={"name": "辽宁省公共资源交易中心", "region": "210000"}
    )
    return centre


def default_organisation() -> Organisation:
    found = Organisation.objects.filter(name="测试建设有限公司").first()
    if found is not None:
        return found
    return Organisation.objects.create(
        uscc=make_uscc(),
        name="测试建设有限公司",
        region="210100",
        legal_representative="张三",
        contact_name="李四",
        contact_phone="13800000000",
        created_at=default_centre_time(),
    )


def default_centre_time() -> Any:
    from ggzy.core import clock

    return clock.now()


def grant_role(user: Any, role: Role) -> None:
    """Grant `role` with a default scope (directly: tests of the grant rules use the service)."""
    scope: dict[str, Any] = {}
    if role == Role.CENTRE_STAFF:
        scope["centre"] = default_centre()
    elif role in (Role.INITIATOR, Role.AGENT, Role.RESPONDER):
        scope["organisation"] = default_organisation()
        Membership.objects.get_or_create(user=user, organisation=scope["organisation"])
    elif role == Role.SUPERVISOR:
        scope["region"] = "210000"
    RoleGrant.objects.create(user=user, role=role, granted_at=default_centre_time(), **scope)
    user._ggzy_roles = None


def signed_in(client: Any, user: Any, factors: tuple[str, ...] = ("password", "totp")) -> Any:
    """Sign `client` in as `user` as the platform's sign-in flow would (force_login alone makes a
    session that carries no factors, and such a session reaches nothing)."""
    from ggzy.accounts.policy import SESSION_KEY

    client.force_login(user)
    session = client.session
    record = dict(session[SESSION_KEY])
    record["factors"] = list(factors)
    session[SESSION_KEY] = record
    session.save()
    return client


def enrol_second_factor(user: Any) -> str:
    """Enrol `user`'s second factor through the services (a console enrolment code, redeemed, then
    confirmed with the authenticator's code); returns the secret."""
    from django.db import transaction

    from ggzy.accounts import policy
    from ggzy.accounts.models import EnrolmentCode

    with transaction.atomic():
        code = policy.enrolment_code_issue(user=user, channel=EnrolmentCode.Channel.CONSOLE)
    assert policy.enrolment_redeem(user, code)
    assert policy.totp_check(user, fresh_totp_code(user))
    return policy.totp_secret(user)


def fresh_totp_code(user: Any) -> str:
    """A code the user's authenticator shows that has not been used yet (each code works once: the
    next step's code when the current one was spent, which the ±1 step window accepts)."""
    from ggzy.accounts import policy
    from ggzy.accounts.models import LoginState
    from ggzy.core import clock
    from ggzy_sm import totp

    state = LoginState.objects.get(user=user)
    step = max(state.totp_last_step + 1, int(clock.authority_now().timestamp()) // totp.STEP)
    return totp.code_at(policy.totp_secret(user), step * totp.STEP)
