"""Parties: organisations and persons with valid codes, nothing that excludes out-of-region
entities, scoped roles, entrustments, acting for an organisation; bad input refused."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from ggzy.accounts import parties
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.models import Organisation, Person, RoleGrant
from ggzy.accounts.schemas import OrganisationIn
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from tests.factories import default_centre, make_resident_id, make_uscc

pytestmark = pytest.mark.django_db


def register(uscc: str, **kwargs: Any) -> Organisation:
    args = {
        "actor": None,
        "uscc": uscc,
        "name": "浙江宏信建设有限公司",
        "legal_representative": "钟信",
        "contact_name": "钟信",
        "contact_phone": "13900000000",
    } | kwargs
    return parties.organisation_register(**args)


def test_an_out_of_region_organisation_registers_like_any_other() -> None:
    organisation = register(make_uscc(region="330100"))
    assert organisation.region == "330100"
    assert str(Organisation.objects.get(pk=organisation.pk).contact_phone) == "139****0000"


@pytest.mark.clause("11.2.6")
@pytest.mark.clause("11.2.7")
def test_registration_asks_nothing_that_keeps_outsiders_away() -> None:
    asked = set(OrganisationIn.model_fields)
    # the registration code, its kind and (only for a registration abroad) the country that issued it
    assert asked == {
        "code_kind",
        "uscc",
        "country",
        "name",
        "legal_representative",
        "contact_name",
        "contact_phone",
    }
    service = set(inspect.signature(parties.organisation_register).parameters)
    forbidden = (
        "local",
        "branch",
        "office_in",
        "presence",
        "on_site",
        "registered_in",
        "qualification_region",
    )
    for name in asked | service | {f.name for f in Organisation._meta.get_fields()}:
        assert not any(word in name for word in forbidden), name


@pytest.mark.parametrize("mutate", ["org_check", "uscc_check", "length"])
def test_invalid_credit_codes_are_refused(mutate: str) -> None:
    good = make_uscc()
    bad = {
        "org_check": good[:16] + ("0" if good[16] != "0" else "1") + good[17],
        "uscc_check": good[:17] + ("0" if good[17] != "0" else "1"),
        "length": good[:17],
    }[mutate]
    with pytest.raises(DomainError) as caught:
        register(bad)
    assert caught.value.code is AccountsError.IDENTIFIER_INVALID
    assert Organisation.objects.count() == 0


def test_a_duplicate_organisation_is_a_conflict() -> None:
    code = make_uscc()
    register(code)
    with pytest.raises(DomainError) as caught:
        register(code.lower())
    assert caught.value.code is AccountsError.ORGANISATION_EXISTS
    assert caught.value.status == 409
    with pytest.raises(DomainError) as again:
        register(code, code_kind="uscc")  # the same code given with its kind, as today's default
    assert again.value.code is AccountsError.ORGANISATION_EXISTS


def test_an_organisation_without_a_credit_code_registers_with_its_own_code() -> None:
    """A Taiwan company (統一編號) and a Hong Kong one (BR number): the region is the SAR's or Taiwan's line
    of GB/T 2260; a refusal names the field and the reason."""
    taiwan = register("04595257", code_kind="taiwan_ubn", name="台湾宏信股份有限公司")
    assert (taiwan.code_kind, taiwan.uscc, taiwan.region, taiwan.country) == (
        "taiwan_ubn",
        "04595257",
        "710000",
        "",
    )
    hong_kong = register("12345678", code_kind=Organisation.CodeKind.HK_BR)
    assert (hong_kong.code_kind, hong_kong.region) == ("hk_br", "810000")
    with pytest.raises(DomainError) as caught:
        register("04595258", code_kind="taiwan_ubn")
    assert caught.value.code is AccountsError.IDENTIFIER_INVALID
    assert caught.value.detail == {"field": "uscc", "reason": "check_digit"}
    with pytest.raises(DomainError) as caught:
        register("01234567", code_kind="foreign", country="CN")
    assert caught.value.detail == {"field": "country", "reason": "not_foreign"}
    with pytest.raises(DomainError) as caught:
        register("01234567", code_kind="swiss")
    assert caught.value.detail == {"field": "code_kind", "reason": "kind"}
    assert Organisation.objects.count() == 2


def test_natural_persons_with_any_valid_document() -> None:
    resident = parties.person_register(
        actor=None, name="王建国", id_kind="resident", id_number=make_resident_id(5), phone="13700000000"
    )
    assert str(Person.objects.get(pk=resident.pk).id_number).endswith(make_resident_id(5)[-4:])
    parties.person_register(
        actor=None, name="John Smith", id_kind="passport", id_number="K12345678", phone="13700000001"
    )
    parties.person_register(
        actor=None, name="陈大文", id_kind="hk_macao_permit", id_number="H12345678", phone="13700000002"
    )
    assert Person.objects.count() == 3


@pytest.mark.parametrize(
    ("kind", "number"),
    [
        ("resident", "210102198001010011"),  # wrong check digit (0 is right)
        ("resident", "21010230000101001X"),
        ("passport", "!!"),
        ("resident", "123"),
    ],
)
def test_invalid_documents_are_refused(kind: str, number: str) -> None:
    with pytest.raises(DomainError) as caught:
        parties.person_register(actor=None, name="某人", id_kind=kind, id_number=number, phone="13700000000")
    assert caught.value.code is AccountsError.IDENTIFIER_INVALID
    assert Person.objects.count() == 0


def test_a_duplicate_person_is_a_conflict() -> None:
    number = make_resident_id(7)
    parties.person_register(actor=None, name="甲", id_kind="resident", id_number=number, phone="13700000000")
    with pytest.raises(DomainError) as caught:
        parties.person_register(
            actor=None, name="乙", id_kind="resident", id_number=number.lower(), phone="1"
        )
    assert caught.value.code is AccountsError.PERSON_EXISTS


def test_roles_need_their_scope_and_membership(make_user: Callable[..., Any]) -> None:
    admin, user = make_user(Role.SECURITY_ADMIN), make_user()
    with pytest.raises(DomainError) as caught:
        parties.role_grant(actor=admin, user=user, role=Role.CENTRE_STAFF)
    assert caught.value.code is AccountsError.SCOPE_REQUIRED
    organisation = register(make_uscc())
    with pytest.raises(DomainError) as caught:
        parties.role_grant(actor=admin, user=user, role=Role.RESPONDER, organisation=organisation)
    assert caught.value.code is AccountsError.NOT_A_MEMBER
    with pytest.raises(DomainError):
        parties.acting_for_set(user=user, organisation=organisation)
    parties.membership_add(actor=admin, user=user, organisation=organisation)
    parties.role_grant(actor=admin, user=user, role=Role.RESPONDER, organisation=organisation)
    assert RoleGrant.objects.filter(user=user, role="responder").count() == 1


def test_an_agent_acts_only_within_its_entrustment() -> None:
    initiator, agent = register(make_uscc()), register(make_uscc())
    now = clock.now()
    parties.entrustment_create(
        actor=None,
        initiator=initiator,
        agent=agent,
        project="L2101000000000009",
        scope="施工招标代理",
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
    )
    assert parties.entrustment_check(agent=agent, project="L2101000000000009").scope == "施工招标代理"
    for project, at in [("L2101000000000008", now), ("L2101000000000009", now + dt.timedelta(days=31))]:
        with pytest.raises(DomainError) as caught:
            parties.entrustment_check(agent=agent, project=project, at=at)
        assert caught.value.code is AccountsError.OUTSIDE_ENTRUSTMENT
        assert caught.value.status == 403
    with pytest.raises(DomainError):
        parties.entrustment_create(
            actor=None,
            initiator=agent,
            agent=agent,
            project="X",
            scope="x",
            valid_from=now,
            valid_until=now + dt.timedelta(days=1),
        )


def test_organisations_are_fetched_and_authorised_in_one_call(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    owner, stranger = make_user(), make_user()
    client = client_for(owner)
    created = client.post(
        "/api/v1/organisations",
        data={
            "uscc": make_uscc(),
            "name": "测试科技有限公司",
            "legal_representative": "甲",
            "contact_name": "乙",
            "contact_phone": "13900000000",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["contact_phone"] == "139****0000"
    other = client_for(stranger)
    missing = other.get(f"/api/v1/organisations/{created.json()['uid']}")
    nonexistent = other.get("/api/v1/organisations/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == nonexistent.status_code == 404
    assert missing.json() == nonexistent.json()


@pytest.mark.clause("8.2.1")
def test_granting_roles_is_the_security_administrators_work(
    client_as: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    target = make_user()
    body = {"role": "centre_staff", "centre": default_centre().code}
    assert (
        client_as(Role.SYSTEM_ADMIN)
        .post(f"/api/v1/users/{target.username}/roles", data=body, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        client_as(Role.SECURITY_ADMIN)
        .post(f"/api/v1/users/{target.username}/roles", data=body, content_type="application/json")
        .status_code
        == 201
    )


def test_bootstrap_creates_the_three_administrators_once() -> None:
    call_command("bootstrap", system_admin="alice", security_admin="bob", audit_admin="carol", verbosity=0)
    assert sorted(RoleGrant.objects.values_list("role", flat=True)) == [
        "audit_admin",
        "security_admin",
        "system_admin",
    ]
    with pytest.raises(CommandError, match="exist already"):
        call_command(
            "bootstrap", system_admin="dave", security_admin="erin", audit_admin="frank", verbosity=0
        )
    with pytest.raises(CommandError, match="three different"):
        call_command("bootstrap", system_admin="x", security_admin="x", audit_admin="y", verbosity=0)


def test_the_header_shows_the_organisation_one_acts_for(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    user = make_user()
    first, second = register(make_uscc(), name="甲建设有限公司"), register(make_uscc(), name="乙建设有限公司")
    for organisation in (first, second):
        parties.membership_add(actor=None, user=user, organisation=organisation)
    client = client_for(user)
    client.post("/accounts/acting-for/", {"organisation": str(second.uid), "next": "/"})
    page = client.get("/").content.decode()
    assert f'<option value="{second.uid}" selected>乙建设有限公司</option>' in page
    assert (
        client.post("/accounts/acting-for/", {"organisation": "abc", "next": "https://evil.example/"})[
            "Location"
        ]
        == "/workspace/"
    )
