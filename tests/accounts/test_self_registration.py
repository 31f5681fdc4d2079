"""Organisations register themselves on the public page with their CA certificate (checked as certificate
sign-in checks it, and naming their credit code), start with no role, are verified or refused by the
staff of the centre they chose, and an initiator entrusts a verified agent from a page. Every refusal
says why in Chinese and changes nothing; nothing keeps out-of-region organisations away."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ggzy.accounts import parties, registration
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.forms import OrganisationRegistrationForm
from ggzy.accounts.models import (
    Centre,
    Entrustment,
    Membership,
    Organisation,
    OrganisationApplication,
    ProjectRole,
    RoleGrant,
)
from ggzy.accounts.selectors import user_roles
from ggzy.accounts.states import APPLICATION_TRANSITIONS
from ggzy.certs import services as certs
from ggzy.certs.models import BoundCertificate, CertificateAuthority
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import local_date
from ggzy.core.roles import Role
from ggzy.core.states import actions, next_state, pairs
from ggzy.events.models import Event, Message
from ggzy_sm import x509
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.factories import default_centre, make_uscc, signed_in

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
CA_KEY, OTHER_KEY, HOLDER_KEY = Sm2PrivateKey.generate(), Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
CA_NAME = {"common_name": "测试签发 CA", "organization_name": "ggzy 测试"}
OTHER_NAME = {"common_name": "未经认可的 CA"}
PASSWORD = "Zhuce-2026-ggzy"
PASSWORD_TOO_COMMON = "这个密码太常见了"  # Django's password validators, in Chinese
_serials = itertools.count(1000)
State = OrganisationApplication.State


def _root(key: Sm2PrivateKey = CA_KEY) -> bytes:
    now = clock.now()
    return x509.issue(
        issuer_key=key,
        issuer=CA_NAME,
        subject=CA_NAME,
        public_key=key.public_key,
        serial=1,
        not_before=now - 365 * DAY,
        not_after=now + 3650 * DAY,
        usage="ca",
    )


def certificate(
    holder: str, *, usage: x509.Usage = "signing", days: int = 365, trusted: bool = True, serial: int = 0
) -> bytes:
    """A certificate for the holder (credit code) from the test CA, or from a CA nobody accepts."""
    now = clock.now()
    return x509.issue(
        issuer_key=CA_KEY if trusted else OTHER_KEY,
        issuer=CA_NAME if trusted else OTHER_NAME,
        subject={"common_name": "持有单位", "serial_number": holder},
        public_key=HOLDER_KEY.public_key,
        serial=serial or next(_serials),
        not_before=now - 30 * DAY,
        not_after=now + days * DAY,
        usage=usage,
    )


@pytest.fixture(autouse=True)
def ca() -> CertificateAuthority:
    return certs.ca_add(actor=None, name="测试 CA", root=_root(), intermediates=[], is_test=True)


@pytest.fixture
def centre() -> Centre:
    return default_centre()


def form(uscc: str, *, der: bytes | None = None, pem: bool = False, **changes: str) -> dict[str, Any]:
    """What the registration page posts: everything valid for `uscc`, its certificate attached."""
    der = certificate(uscc) if der is None else der
    data: dict[str, Any] = {
        "role": "agent",
        "code_kind": "uscc",
        "uscc": uscc,
        "country": "",
        "name": "浙江宏信招标代理有限公司",
        "legal_representative": "钟信",
        "contact_name": "钟小信",
        "contact_phone": "0571-88886666",
        "centre": "ln",
        "username": "hongxin",
        "last_name": "钟",
        "first_name": "小信",
        "phone": "13900000001",
        "password1": PASSWORD,
        "password2": PASSWORD,
    } | changes
    content = x509.pem_blocks([der]) if pem else der
    data["certificate"] = SimpleUploadedFile("org.pem" if pem else "org.cer", content)
    return data


def _count() -> tuple[int, ...]:
    """Everything a registration, a decision or an entrustment would write."""
    return (
        get_user_model().objects.count(),
        Organisation.objects.count(),
        Membership.objects.count(),
        BoundCertificate.objects.count(),
        OrganisationApplication.objects.count(),
        RoleGrant.objects.count(),
        Entrustment.objects.count(),
        Event.objects.count(),
        Message.objects.count(),
    )


def _register(client: Client, data: dict[str, Any]) -> Any:
    return client.post(reverse("accounts:register"), data)


def _applied(uscc: str, **changes: str) -> OrganisationApplication:
    response = _register(Client(), form(uscc, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    return OrganisationApplication.objects.select_related("applicant", "organisation").get(
        organisation__uscc=uscc
    )


# --- registration ---------------------------------------------------------------------------------------
@pytest.mark.clause("11.2.6")
@pytest.mark.clause("11.2.7")
def test_an_out_of_province_organisation_registers_through_the_page(centre: Centre) -> None:
    """A Zhejiang agent (credit code of 杭州) whose contact person has a Hong Kong phone registers on the
    public page with its certificate, and is treated as any other: nothing asks where it is registered,
    whether it has a branch here or whether its legal representative comes in person."""
    page = Client().get(reverse("accounts:register"))
    assert page.status_code == 200
    forbidden = ("local", "branch", "office_in", "presence", "on_site", "registered_in", "province")
    assert not [f for f in OrganisationRegistrationForm.base_fields if any(w in f for w in forbidden)]
    uscc, client = make_uscc(region="330100"), Client()
    response = _register(client, form(uscc, pem=True, phone="+85291234567"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    said = client.get(response["Location"]).content.decode()
    assert "浙江省杭州市" in said  # the region, from the credit code, by name
    assert "等待辽宁省公共资源交易中心核验" in said
    organisation = Organisation.objects.get(uscc=uscc)
    assert organisation.region == "330100"
    application = OrganisationApplication.objects.get(organisation=organisation)
    assert (application.state, application.role, application.centre) == (State.PENDING, "agent", centre)
    user = application.applicant
    assert user.check_password(PASSWORD)
    assert (user.last_name, user.first_name) == ("钟", "小信")
    assert user_roles(user) == frozenset()  # no role until verified
    assert Membership.objects.filter(user=user, organisation=organisation).exists()
    bound = BoundCertificate.objects.get(user=user, unbound_at__isnull=True)
    assert (bound.usage, bound.holder_id) == ("signing", uscc)
    assert {"CN=持有单位", f"serialNumber={uscc}"} == set(application.certificate_subject.split(", "))
    assert "CN=测试签发 CA" in application.certificate_issuer
    [event] = [
        e for e in Event.objects.filter(type="accounts.organisation.applied") if e.data["uscc"] == uscc
    ]
    assert (event.centre, event.region, event.actor_id) == ("ln", "210000", user.pk)


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda code: form(code[:17] + ("0" if code[17] != "0" else "1")), "校验码"),  # bad check character
        (lambda code: form(code[:10]), "18 位"),
        (lambda code: form(code, der=certificate(make_uscc())), "证书载明"),  # another organisation's
        (
            lambda code: form(code, der=certificate(code, trusted=False)),
            "无法链接到本中心接受",
        ),  # untrusted CA
        (lambda code: form(code, der=certificate(code, days=-1)), "已过期"),
        (lambda code: form(code, der=certificate(code, usage="encryption")), "单位证书未通过检查"),
        (lambda code: form(code, der=b"not a certificate"), "不是可读取的 SM2 证书"),
        (lambda code: form(code, password2="Another-2026-pw"), "两次输入的密码不一致"),
        (lambda code: form(code, password1="12345678", password2="12345678"), PASSWORD_TOO_COMMON),
        (lambda code: form(code, phone="12345"), "请填写手机号码：11 位"),
        (lambda code: form(code, role="supervisor"), "supervisor"),  # not one of the choices
    ],
)
def test_a_bad_registration_is_refused_in_chinese_and_creates_nothing(
    centre: Centre, make: Callable[[str], dict[str, Any]], said: str
) -> None:
    before = _count()
    response = _register(Client(), make(make_uscc(region="330100")))
    assert response.status_code == 400
    assert said in response.content.decode()
    assert _count() == before


def test_a_revoked_certificate_is_refused(centre: Centre, ca: CertificateAuthority) -> None:
    uscc, now = make_uscc(), clock.now()
    crl = x509.issue_crl(
        issuer_key=CA_KEY,
        issuer=CA_NAME,
        revoked=[(77, now - DAY)],
        this_update=now - DAY,
        next_update=now + DAY,
    )
    certs.crl_import(actor=None, ca=ca, der=crl)
    before = _count()
    response = _register(Client(), form(uscc, der=certificate(uscc, serial=77)))
    assert response.status_code == 400
    assert "已被其 CA 的吊销列表吊销" in response.content.decode()
    assert _count() == before


def test_a_taken_user_name_or_credit_code_is_refused_and_creates_nothing(centre: Centre) -> None:
    code = make_uscc()
    _applied(code)
    before = _count()
    taken_name = _register(Client(), form(make_uscc(), username="HongXin"))  # the same name, other case
    assert taken_name.status_code == 400
    assert "已有使用该用户名的账户" in taken_name.content.decode()
    taken_code = _register(Client(), form(code, username="someone-else"))
    assert taken_code.status_code == 400
    assert "该单位已在平台注册" in taken_code.content.decode()
    assert "联系交易中心" in taken_code.content.decode()
    assert _count() == before


def test_only_the_certificate_holder_learns_that_an_organisation_is_registered(centre: Centre) -> None:
    """Without the organisation's own valid certificate the answer is about the certificate, never
    whether that organisation is on the platform already."""
    code = make_uscc()
    _applied(code)
    probe = _register(Client(), form(code, username="prober", der=certificate(code, trusted=False)))
    assert probe.status_code == 400
    assert "已在平台注册" not in probe.content.decode()


def test_the_sign_in_page_and_the_header_lead_to_registration() -> None:
    register = reverse("accounts:register")
    assert f'href="{register}"' in Client().get(reverse("accounts:login")).content.decode()
    assert f'href="{register}"' in Client().get(reverse("core:home")).content.decode()


# --- verification -----------------------------------------------------------------------------------------
def _staff(make_user: Callable[..., Any], centre: Centre, username: str) -> Any:
    user = make_user(username=username)
    RoleGrant.objects.create(user=user, role=Role.CENTRE_STAFF, centre=centre, granted_at=clock.now())
    user._ggzy_roles = None
    return user


def test_centre_staff_see_the_certificate_and_verify_the_role_asked_for(
    centre: Centre, make_user: Callable[..., Any]
) -> None:
    application = _applied(make_uscc(region="330100"))
    staff = signed_in(Client(), _staff(make_user, centre, "verifier"))
    page = staff.get(reverse("accounts:organisations-to-verify")).content.decode()
    for shown in (
        application.organisation.name,
        application.organisation.uscc,
        "浙江省杭州市",
        application.certificate_subject,
        "测试签发 CA",
        local_date(application.certificate_not_after),
    ):
        assert shown in page, shown
    url = reverse("accounts:organisation-decide", args=[application.uid, "verify"])
    response = staff.post(url, follow=True)
    assert "已核验通过" in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.VERIFIED
    grant = RoleGrant.objects.get(user=application.applicant, revoked_at__isnull=True)
    assert (grant.role, grant.organisation) == (Role.AGENT, application.organisation)
    assert Event.objects.filter(type="accounts.organisation.verified", centre="ln").count() == 1
    told = Message.objects.get(recipient=application.applicant, template="accounts.organisation_verified")
    assert application.organisation.name in told.body
    assert "代理机构" in told.body
    agent = signed_in(Client(), application.applicant)
    assert agent.get(reverse("accounts:entrusted")).status_code == 200  # the agent's own page now


def test_refusal_needs_a_reason_and_tells_the_applicant(
    centre: Centre, make_user: Callable[..., Any]
) -> None:
    application = _applied(make_uscc())
    staff = signed_in(Client(), _staff(make_user, centre, "verifier"))
    url = reverse("accounts:organisation-decide", args=[application.uid, "refuse"])
    before = _count()
    staff.post(url, {"reason": ""})
    assert _count() == before
    staff.post(url, {"reason": "证书所载单位名称与营业执照不一致"})
    application.refresh_from_db()
    assert (application.state, application.reason) == (State.REFUSED, "证书所载单位名称与营业执照不一致")
    assert not RoleGrant.objects.filter(user=application.applicant).exists()
    told = Message.objects.get(recipient=application.applicant, template="accounts.organisation_refused")
    assert "营业执照不一致" in told.body
    again = staff.post(reverse("accounts:organisation-decide", args=[application.uid, "verify"]), follow=True)
    assert "已核验通过或已驳回" in again.content.decode()  # decided: nothing more
    assert not RoleGrant.objects.filter(user=application.applicant).exists()


@pytest.mark.parametrize("who", ["anonymous", "responder", "applicant", "other_centre", "administrator"])
def test_every_refused_role_changes_nothing(
    centre: Centre, make_user: Callable[..., Any], client_as: Callable[..., Client], who: str
) -> None:
    application = _applied(make_uscc())
    other = parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200")
    client = {
        "anonymous": Client,
        "responder": lambda: client_as(Role.RESPONDER),
        "applicant": lambda: signed_in(Client(), application.applicant),
        "other_centre": lambda: signed_in(Client(), _staff(make_user, other, "dl-staff")),
        "administrator": lambda: client_as(Role.SECURITY_ADMIN),
    }[who]()
    before = _count()
    for action in ("verify", "refuse"):
        url = reverse("accounts:organisation-decide", args=[application.uid, action])
        response = client.post(url, {"reason": "不予通过的理由"})
        expected = {"anonymous": 302, "other_centre": 404}.get(who, 403)
        assert response.status_code == expected, (who, action)
    listed = client.get(reverse("accounts:organisations-to-verify"))
    assert application.organisation.uscc not in listed.content.decode()
    assert _count() == before
    application.refresh_from_db()
    assert application.state == State.PENDING


def test_the_power_to_verify_grants_nothing_else(centre: Centre, make_user: Callable[..., Any]) -> None:
    """Centre staff grant a role only as a pending registration asked for it; every other grant stays the
    security administrator's."""
    application = _applied(make_uscc())
    staff = _staff(make_user, centre, "verifier")
    before = _count()
    for role, verifying in ((Role.INITIATOR, application), (Role.AGENT, None)):
        with pytest.raises(DomainError) as caught:
            parties.role_grant(
                actor=staff,
                user=application.applicant,
                role=role,
                organisation=application.organisation,
                verifying=verifying,
            )
        assert caught.value.code is AccountsError.NOT_YOUR_ADMIN_WORK
    assert _count() == before


#: The service that does each action of the table, as the staff of the application's centre.
SERVICES: dict[str, Callable[[Any, OrganisationApplication], object]] = {
    "verify": lambda staff, a: registration.application_verify(actor=staff, application=a),
    "refuse": lambda staff, a: registration.application_refuse(actor=staff, application=a, reason="材料不符"),
}


def test_every_action_of_the_table_has_its_service() -> None:
    assert set(actions(APPLICATION_TRANSITIONS)) == set(SERVICES)


@pytest.mark.parametrize(("state", "action"), pairs(State.values, APPLICATION_TRANSITIONS))
def test_each_state_and_action_moves_as_the_table_says(
    centre: Centre, make_user: Callable[..., Any], state: str, action: str
) -> None:
    application = _applied(make_uscc())
    OrganisationApplication.objects.filter(pk=application.pk).update(state=state)  # test set-up
    application.refresh_from_db()
    staff = _staff(make_user, centre, "verifier")
    target = next_state(APPLICATION_TRANSITIONS, state, action)
    before = _count()
    if target is None:
        with pytest.raises(DomainError) as caught:
            SERVICES[action](staff, application)
        assert caught.value.code is AccountsError.APPLICATION_DECIDED
        assert _count() == before
    else:
        SERVICES[action](staff, application)
    application.refresh_from_db()
    assert application.state == (target or state)


# --- entrustment ------------------------------------------------------------------------------------------
@pytest.fixture
def initiator(make_user: Callable[..., Any]) -> tuple[Any, Organisation]:
    """An initiator account acting for its organisation (granted from the console)."""
    organisation = parties.organisation_register(
        actor=None,
        uscc=make_uscc(region="210100"),
        name="沈阳地铁集团有限公司",
        legal_representative="张德明",
        contact_name="李建国",
        contact_phone="13900000002",
    )
    user = make_user(username="sydt")
    parties.membership_add(actor=None, user=user, organisation=organisation)
    parties.role_grant(actor=None, user=user, role=Role.INITIATOR, organisation=organisation)
    return user, organisation


@pytest.fixture
def agent(centre: Centre, make_user: Callable[..., Any]) -> OrganisationApplication:
    """An agent from outside the province, registered through the page and verified by the centre."""
    application = _applied(make_uscc(region="330100"))
    registration.application_verify(actor=_staff(make_user, centre, "verifier"), application=application)
    return application


def entrust_form(agent: str, **changes: str) -> dict[str, str]:
    today = clock.local_now().date()
    return {
        "agent": agent,
        "project": "L2101000000000031",
        "scope": "施工招标代理",
        "valid_from": today.isoformat(),
        "valid_until": (today + 90 * DAY).isoformat(),
    } | changes


def test_an_initiator_entrusts_a_verified_agent_who_sees_it(
    initiator: tuple[Any, Organisation], agent: OrganisationApplication
) -> None:
    user, organisation = initiator
    client = signed_in(Client(), user)
    found = client.get(reverse("accounts:entrustments"), {"q": "宏信"}).content.decode()
    assert agent.organisation.uscc in found  # the search offers the verified agent
    response = client.post(reverse("accounts:entrust"), entrust_form(agent.organisation.uscc), follow=True)
    assert "L2101000000000031" in response.content.decode()
    entrustment = Entrustment.objects.get()
    assert (entrustment.initiator, entrustment.agent) == (organisation, agent.organisation)
    assert clock.now() < entrustment.valid_until
    assert Event.objects.filter(type="accounts.entrustment.created", actor=user).count() == 1
    seen = signed_in(Client(), agent.applicant).get(reverse("accounts:entrusted")).content.decode()
    assert "L2101000000000031" in seen
    assert organisation.name in seen
    by_name = client.post(
        reverse("accounts:entrust"), entrust_form(agent.organisation.name, project="L2101000000000032")
    )
    assert by_name.status_code == 302
    assert Entrustment.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ("unknown", "没有使用该统一社会信用代码或名称的已注册单位"),
        ("not_an_agent", "不是平台上已核验的代理机构"),
        ("backwards", "结束时间须晚于开始时间"),
        ("not_yours", "只有该项目的发起方可以委托"),
    ],
)
def test_an_entrustment_is_refused_with_its_reason_and_changes_nothing(
    initiator: tuple[Any, Organisation], agent: OrganisationApplication, change: str, said: str
) -> None:
    user, _organisation = initiator
    data = entrust_form(agent.organisation.uscc)
    if change == "unknown":
        data["agent"] = make_uscc()
    elif change == "not_an_agent":
        pending = _applied(make_uscc(), username="pending-agent")  # registered, not verified yet
        data["agent"] = pending.organisation.uscc
    elif change == "backwards":
        data["valid_until"] = (clock.local_now().date() - DAY).isoformat()
    else:  # the project is on the platform, another initiator's
        other = parties.organisation_register(
            actor=None, uscc=make_uscc(), name="浑南区教育局", legal_representative="孙丽",
            contact_name="卫东", contact_phone="13900000003",
        )  # fmt: skip
        ProjectRole.objects.create(
            project=data["project"], organisation=other, role=Role.INITIATOR, centre=default_centre()
        )
    client = signed_in(Client(), user)
    before = _count()
    response = client.post(reverse("accounts:entrust"), data)
    assert response.status_code == 400
    assert said in response.content.decode()
    assert _count() == before


def test_only_initiators_entrust(agent: OrganisationApplication, client_as: Callable[..., Client]) -> None:
    clients = {role: client_as(role) for role in (None, Role.RESPONDER, Role.AGENT, Role.CENTRE_STAFF)}
    before = _count()
    for role, client in clients.items():
        assert client.get(reverse("accounts:entrustments")).status_code == 403
        response = client.post(reverse("accounts:entrust"), entrust_form(agent.organisation.uscc))
        assert response.status_code == 403, role
    assert _count() == before
