"""Organisations without a 统一社会信用代码 register and bid like any other (standard 11.2.6): a Hong
Kong, Macao or Taiwan company with its own registration number, a foreign one with its registration
number and country. The certificate names that code; a wrong code is refused and changes nothing; the
same digits may be codes of two kinds, of two different organisations."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from ggzy.accounts import parties, registration
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.models import Membership, Organisation, OrganisationApplication
from ggzy.certs import services as certs
from ggzy.certs.models import BoundCertificate, CertificateAuthority
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy_sm import x509
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.factories import default_centre, make_uscc

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
CA_KEY, HOLDER_KEY = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
CA_NAME = {"common_name": "测试签发 CA", "organization_name": "ggzy 测试"}
PASSWORD = "Zhuce-2026-ggzy"
_serials = itertools.count(5000)
_users = itertools.count(1)
Kind = Organisation.CodeKind


def certificate(holder: str) -> bytes:
    """A signing certificate from the test CA whose subject's serialNumber is `holder` (the code)."""
    now = clock.now()
    return x509.issue(
        issuer_key=CA_KEY,
        issuer=CA_NAME,
        subject={"common_name": "持有单位", "serial_number": holder},
        public_key=HOLDER_KEY.public_key,
        serial=next(_serials),
        not_before=now - 30 * DAY,
        not_after=now + 365 * DAY,
        usage="signing",
    )


@pytest.fixture(autouse=True)
def ca() -> CertificateAuthority:
    now = clock.now()
    root = x509.issue(
        issuer_key=CA_KEY,
        issuer=CA_NAME,
        subject=CA_NAME,
        public_key=CA_KEY.public_key,
        serial=1,
        not_before=now - 365 * DAY,
        not_after=now + 3650 * DAY,
        usage="ca",
    )
    default_centre()
    return certs.ca_add(actor=None, name="测试 CA", root=root, intermediates=[], is_test=True)


def apply(code: str, *, kind: str, country: str = "", named: str | None = None) -> OrganisationApplication:
    """`registration.organisation_apply` for an organisation with this code, its certificate naming
    `named` (the code itself unless said)."""
    return registration.organisation_apply(
        username=f"applicant{next(_users)}",
        family_name="陈",
        given_name="大文",
        phone="+85291234567",
        password=PASSWORD,
        centre=default_centre(),
        role="responder",
        code_kind=kind,
        uscc=code,
        country=country,
        name="宏信建设有限公司",
        legal_representative="陈大文",
        contact_name="陈小文",
        contact_phone="+852 2123 4567",
        certificate=certificate(code if named is None else named),
    )


def register(code: str, *, kind: str, country: str = "") -> Organisation:
    return parties.organisation_register(
        actor=None,
        code_kind=kind,
        uscc=code,
        country=country,
        name="宏信建设有限公司",
        legal_representative="陈大文",
        contact_name="陈小文",
        contact_phone="13900000000",
    )


def written() -> tuple[int, ...]:
    """Everything a registration would write."""
    return (
        get_user_model().objects.count(),
        Organisation.objects.count(),
        Membership.objects.count(),
        BoundCertificate.objects.count(),
        OrganisationApplication.objects.count(),
        Event.objects.count(),
    )


# --- registration by kind -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "typed", "country", "code", "region"),
    [
        (Kind.HK_BR, "12345678", "", "12345678", "810000"),
        (Kind.MACAO, "54321", "", "54321", "820000"),
        (Kind.TAIWAN_UBN, "04595257", "", "04595257", "710000"),
        (Kind.FOREIGN, "hrb  12345", "de", "HRB 12345", ""),
    ],
)
def test_an_organisation_without_a_credit_code_applies_with_its_certificate(
    kind: str, typed: str, country: str, code: str, region: str
) -> None:
    application = apply(typed, kind=kind, country=country, named=code)
    organisation = application.organisation
    assert (organisation.code_kind, organisation.uscc, organisation.country, organisation.region) == (
        kind,
        code,
        country.upper(),
        region,
    )
    assert application.state == OrganisationApplication.State.PENDING
    bound = BoundCertificate.objects.get(user=application.applicant, unbound_at__isnull=True)
    assert bound.holder_id == code
    assert f"serialNumber={code}" in application.certificate_subject
    applied = Event.objects.get(type="accounts.organisation.applied")
    assert (applied.data["code_kind"], applied.data["uscc"]) == (kind, code)
    registered = Event.objects.get(type="accounts.organisation.registered")
    assert (registered.region, registered.data["country"]) == (region, country.upper())


def test_a_hong_kong_company_registers_through_the_page_with_its_br_number() -> None:
    """The page's select offers the kinds (统一社会信用代码 first, chosen); a Hong Kong company gives its
    BR number and the certificate naming it, and is told it awaits verification, in 香港."""
    page = Client().get(reverse("accounts:register")).content.decode()
    for label in ("统一社会信用代码", "香港商业登记号码", "澳门商业登记编号", "台湾统一编号", "境外注册号"):
        assert label in page, label
    assert '<option value="uscc" selected>' in page
    data: dict[str, Any] = {
        "role": "responder",
        "code_kind": "hk_br",
        "uscc": "12345678",
        "country": "",
        "name": "香港宏信工程有限公司",
        "legal_representative": "陈大文",
        "contact_name": "陈小文",
        "contact_phone": "+852 2123 4567",
        "centre": "ln",
        "username": "hongxin-hk",
        "last_name": "陈",
        "first_name": "小文",
        "phone": "+85291234567",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "certificate": SimpleUploadedFile("org.cer", certificate("12345678")),
    }
    client = Client()
    response = client.post(reverse("accounts:register"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    said = client.get(response["Location"]).content.decode()
    assert "香港" in said
    organisation = Organisation.objects.get(code_kind="hk_br", uscc="12345678")
    assert organisation.region == "810000"


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"code_kind": "taiwan_ubn", "uscc": "04595258"}, "统一编号"),
        ({"code_kind": "hk_br", "uscc": "1234567"}, "8 位"),
        ({"code_kind": "foreign", "uscc": "01234567", "country": ""}, "国际标准化组织 3166 标准"),
        ({"code_kind": "foreign", "uscc": "01234567", "country": "CN"}, "内地"),
        ({"code_kind": "hk_br", "uscc": "12345678", "country": "GB"}, "境外"),
    ],
)
def test_a_wrong_code_is_refused_on_the_page_in_chinese(changes: dict[str, str], said: str) -> None:
    data: dict[str, Any] = {
        "role": "responder",
        "code_kind": "uscc",
        "country": "",
        "name": "宏信建设有限公司",
        "legal_representative": "陈大文",
        "contact_name": "陈小文",
        "contact_phone": "+852 2123 4567",
        "centre": "ln",
        "username": "hongxin",
        "last_name": "陈",
        "first_name": "小文",
        "phone": "+85291234567",
        "password1": PASSWORD,
        "password2": PASSWORD,
    } | changes
    data["certificate"] = SimpleUploadedFile("org.cer", certificate(changes["uscc"]))
    before = written()
    response = Client().post(reverse("accounts:register"), data)
    assert response.status_code == 400
    assert said in response.content.decode()
    assert written() == before


@pytest.mark.parametrize(
    ("kind", "code", "country", "named", "error", "detail"),
    [
        (
            Kind.HK_BR,
            "1234567",
            "",
            None,
            AccountsError.IDENTIFIER_INVALID,
            {"field": "uscc", "reason": "length"},
        ),
        (
            Kind.TAIWAN_UBN,
            "04595258",
            "",
            None,
            AccountsError.IDENTIFIER_INVALID,
            {"field": "uscc", "reason": "check_digit"},
        ),
        (
            Kind.MACAO,
            "12345678901",
            "",
            None,
            AccountsError.IDENTIFIER_INVALID,
            {"field": "uscc", "reason": "length"},
        ),
        (
            Kind.FOREIGN,
            "01234567",
            "",
            None,
            AccountsError.IDENTIFIER_INVALID,
            {"field": "country", "reason": "country"},
        ),
        (
            Kind.FOREIGN,
            "01234567",
            "TW",
            None,
            AccountsError.IDENTIFIER_INVALID,
            {"field": "country", "reason": "not_foreign"},
        ),
        (
            Kind.HK_BR,
            "12345678",
            "GB",
            None,
            AccountsError.IDENTIFIER_INVALID,
            {"field": "country", "reason": "country"},
        ),
        (
            "hk",
            "12345678",
            "",
            None,
            AccountsError.IDENTIFIER_INVALID,
            {"field": "code_kind", "reason": "kind"},
        ),
        (
            Kind.HK_BR,
            "12345678",
            "",
            "87654321",
            AccountsError.REGISTRATION_CERTIFICATE_MISMATCH,
            {"named": "87654321"},
        ),
        (
            Kind.HK_BR,
            "12345678",
            "",
            "12345678-000",
            AccountsError.REGISTRATION_CERTIFICATE_MISMATCH,
            {"named": "12345678-000"},
        ),
    ],
)
def test_a_wrong_code_or_certificate_is_refused_and_changes_nothing(  # noqa: PLR0917 (parametrized)
    kind: str, code: str, country: str, named: str | None, error: AccountsError, detail: dict[str, str]
) -> None:
    before = written()
    with pytest.raises(DomainError) as caught:
        apply(code, kind=kind, country=country, named=code if named is None else named)
    assert caught.value.code is error
    assert caught.value.detail == detail
    assert written() == before


def test_a_usccs_certificate_does_not_register_a_hong_kong_code() -> None:
    """The certificate names the code of the kind given: a USCC certificate is no HK BR certificate."""
    uscc = make_uscc()
    with pytest.raises(DomainError) as caught:
        apply("12345678", kind=Kind.HK_BR, named=uscc)
    assert caught.value.code is AccountsError.REGISTRATION_CERTIFICATE_MISMATCH


def test_todays_callers_register_a_uscc_by_default() -> None:
    code = make_uscc(region="330100")
    application = registration.organisation_apply(
        username="legacy",
        family_name="钟",
        given_name="信",
        phone="13900000001",
        password=PASSWORD,
        centre=default_centre(),
        role="agent",
        uscc=code,
        name="浙江宏信招标代理有限公司",
        legal_representative="钟信",
        contact_name="钟小信",
        contact_phone="0571-88886666",
        certificate=certificate(code),
    )
    organisation = application.organisation
    assert (organisation.code_kind, organisation.uscc, organisation.country, organisation.region) == (
        "uscc",
        code,
        "",
        "330100",
    )
    assert Organisation.objects.get(uscc=code) == organisation  # readers by code alone keep working


# --- the same digits, two kinds ---------------------------------------------------------------------------
def test_two_kinds_with_the_same_digits_coexist_and_each_is_taken_once() -> None:
    """04595257 is a valid Taiwan 統一編號 and looks like a Hong Kong BR number: two organisations."""
    hong_kong = apply("04595257", kind=Kind.HK_BR)
    taiwan = apply("04595257", kind=Kind.TAIWAN_UBN)
    assert hong_kong.organisation != taiwan.organisation
    assert {o.region for o in Organisation.objects.filter(uscc="04595257")} == {"810000", "710000"}
    before = written()
    with pytest.raises(DomainError) as caught:
        apply("04595257", kind=Kind.HK_BR)
    assert caught.value.code is AccountsError.REGISTRATION_ORGANISATION_TAKEN
    with pytest.raises(DomainError) as exists:
        register("04595257", kind=Kind.TAIWAN_UBN)
    assert exists.value.code is AccountsError.ORGANISATION_EXISTS
    assert written() == before


def test_the_same_number_in_two_countries_is_two_organisations() -> None:
    british, german = (
        register("01234567", kind=Kind.FOREIGN, country="GB"),
        register("01234567", kind=Kind.FOREIGN, country="DE"),
    )
    assert (british.country, german.country) == ("GB", "DE")
    with pytest.raises(DomainError) as caught:
        register("01234567", kind=Kind.FOREIGN, country="gb")
    assert caught.value.code is AccountsError.ORGANISATION_EXISTS


def test_the_database_keeps_a_code_once_per_kind_and_a_country_only_abroad() -> None:
    register("12345678", kind=Kind.HK_BR)
    rows: list[dict[str, str]] = [
        {"code_kind": "hk_br", "uscc": "12345678"},  # taken
        {"code_kind": "foreign", "uscc": "X1"},  # abroad without its country
        {"code_kind": "foreign", "uscc": "X1", "country": "CN"},  # the mainland is no abroad
        {"code_kind": "hk_br", "uscc": "87654321", "country": "HK"},  # a country only abroad
    ]
    for row in rows:
        with pytest.raises(IntegrityError), transaction.atomic():
            Organisation.objects.create(
                name="直接写入", region="", legal_representative="甲", contact_name="乙",
                contact_phone="13900000000", created_at=clock.now(), **row,
            )  # fmt: skip
    assert Organisation.objects.count() == 1


def test_an_agent_is_found_by_its_code_of_any_kind() -> None:
    """Entrustment names an agent by its code: a Hong Kong agent by its BR number; the same digits of
    two kinds are ambiguous (the name then decides)."""
    register("12345678", kind=Kind.HK_BR)
    with pytest.raises(DomainError) as found:
        registration.agent_find("12345678")
    assert found.value.code is AccountsError.ENTRUSTMENT_NOT_AN_AGENT  # found, but not verified
    register("12345678", kind=Kind.MACAO)
    with pytest.raises(DomainError) as two:
        registration.agent_find(" 12345678 ")
    assert two.value.code is AccountsError.ENTRUSTMENT_AGENT_AMBIGUOUS


# --- the API ----------------------------------------------------------------------------------------------
def test_the_api_registers_an_organisation_of_any_kind(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    client = client_for(make_user())

    def post(**body: str) -> Any:
        base = {"name": "台湾宏信股份有限公司", "legal_representative": "陈", "contact_name": "陈",
                "contact_phone": "13900000000"}  # fmt: skip
        return client.post("/api/v1/organisations", data=base | body, content_type="application/json")

    created = post(code_kind="taiwan_ubn", uscc="04595257")
    assert created.status_code == 201, created.content
    assert {k: created.json()[k] for k in ("code_kind", "uscc", "country", "region")} == {
        "code_kind": "taiwan_ubn",
        "uscc": "04595257",
        "country": "",
        "region": "710000",
    }
    abroad = post(code_kind="foreign", uscc="hrb 12345", country="DE")
    assert abroad.status_code == 201, abroad.content
    assert (abroad.json()["uscc"], abroad.json()["country"], abroad.json()["region"]) == (
        "HRB 12345",
        "DE",
        "",
    )
    refused = post(code_kind="taiwan_ubn", uscc="04595258")
    assert refused.status_code == 422
    assert refused.json()["code"] == "identifier_invalid"
    assert refused.json()["detail"] == {"field": "uscc", "reason": "check_digit"}
    assert post(code_kind="swiss", uscc="1").status_code == 422  # not one of the kinds
    assert post(uscc=make_uscc()).json()["code_kind"] == "uscc"  # the default
