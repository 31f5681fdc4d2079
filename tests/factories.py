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
