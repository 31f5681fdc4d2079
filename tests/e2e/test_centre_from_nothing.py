"""In a real browser, from `ggzy bootstrap` on an empty database to an accepted project registration,
through the pages only (issue 22): the three administrators sign in with their initial passwords, set
their own and enrol their authenticators, and each is refused outside its role; the system administrator
adds a CA and creates a centre and two staff accounts; the security administrator grants them the
centre-staff role and issues an enrolment code; the staff member signs in; an initiator, an agent and a
bidder register themselves with their certificates and the staff verify them; the initiator entrusts
the agent; the staff serve a category, publish a guide and a commitment, offer a template, publish a
checklist version and designate technical staff; the initiator registers a project and the staff
accept it. Nothing after bootstrap is written by the test itself: it reads the database to check."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from ggzy.accounts.models import Centre, Entrustment, OrganisationApplication, RoleGrant
from ggzy.certs.models import CertificateAuthority
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event, Message
from ggzy.registry.models import CentreCategory, Checklist, Registration, State, Template
from ggzy.service.models import Commitment, Guide, TechnicalStaff
from ggzy_sm import totp, x509
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.factories import fresh_totp_code, make_uscc

pytestmark = pytest.mark.django_db(transaction=True)
DAY = dt.timedelta(days=1)
OWN_PASSWORD = "Ziji-Mima-2026!gg"  # what each person chooses at the first sign-in
ORG_PASSWORD = "Danwei-Mima-2026!gg"
INVESTMENT_CODE = "2026-210100-48-01-000777"
NEXT_STEPS = "招标文件发出之日起至投标截止不少于 20 日。"
CA_KEY, HOLDER_KEY = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
CA_NAME = {"common_name": "从零开始测试 CA", "organization_name": "ggzy 测试"}


def zh(text: str) -> str:
    """What the Chinese interface shows for `text` (a button's name, say)."""
    with translation.override("zh-hans"):
        return gettext(text)


# --- what the test makes outside the platform: certificates, files ------------------------------------
def ca_root() -> bytes:
    now = clock.now()
    return x509.issue(
        issuer_key=CA_KEY, issuer=CA_NAME, subject=CA_NAME, public_key=CA_KEY.public_key, serial=1,
        not_before=now - 365 * DAY, not_after=now + 3650 * DAY, usage="ca",
    )  # fmt: skip


def org_certificate(uscc: str, serial: int) -> bytes:
    now = clock.now()
    return x509.issue(
        issuer_key=CA_KEY, issuer=CA_NAME, subject={"common_name": "持有单位", "serial_number": uscc},
        public_key=HOLDER_KEY.public_key, serial=serial, not_before=now - 30 * DAY,
        not_after=now + 365 * DAY, usage="signing",
    )  # fmt: skip


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def pdf(tmp_path: Path, name: str) -> str:
    return write(
        tmp_path, name, b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%" + name.encode() + b"\n%%EOF\n"
    )


# --- the people and their browsers ----------------------------------------------------------------------
@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def new_page(browser: Any, contexts: list[Any]) -> Any:
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(10_000)
    contexts.append(context)
    return context.new_page()


def submit(page: Any, name: str) -> None:
    page.get_by_role("button", name=zh(name), exact=True).click()
    page.wait_for_load_state()


def first_sign_in(page: Any, base: str, username: str, password: str, enrolment_code: str) -> None:
    """The first sign-in of an administrator or staff member: the password handed over, their own
    password, the enrolment code, the authenticator (its key read off the page), the code it shows."""
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/accounts/totp/")
    page.locator("#id_new_password1").fill(OWN_PASSWORD)
    page.locator("#id_new_password2").fill(OWN_PASSWORD)
    submit(page, "Change password")
    page.get_by_label(zh("Enrolment code")).fill(enrolment_code)
    submit(page, "Continue")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    step = int(clock.authority_now().timestamp()) // totp.STEP
    page.get_by_label(zh("6-digit code")).fill(totp.code_at(secret, step * totp.STEP))
    submit(page, "Confirm")
    page.wait_for_url("**/workspace/**")


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    """A later sign-in: the password, and the current code for those who enrolled one."""
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    if "/accounts/totp/" in page.url:
        user = get_user_model().objects.get(username=username)
        page.locator("#id_code").fill(fresh_totp_code(user))
        page.locator("main button[type=submit]").click()
    page.wait_for_url("**/workspace/**")


def status_of(page: Any, path: str) -> int:
    response = page.goto(path)
    return int(response.status)


def secret_shown(page: Any) -> str:
    return str(page.get_by_test_id("secret-once").inner_text()).strip()


def bootstrap() -> dict[str, tuple[str, str]]:
    """`ggzy bootstrap` on the empty database: each administrator's initial password and enrolment code."""
    out = io.StringIO()
    call_command(
        "bootstrap", "--system-admin", "xitong", "--security-admin", "anquan", "--audit-admin", "shenji",
        stdout=out,
    )  # fmt: skip
    found = re.findall(r"(\S+)  initial password: (\S+)  enrolment code: (\S+)", out.getvalue())
    return {username: (password, code) for username, password, code in found}


# --- the steps --------------------------------------------------------------------------------------------
def administrators_sign_in(browser: Any, contexts: list[Any], base: str) -> dict[str, Any]:
    printed = bootstrap()
    assert set(printed) == {"xitong", "anquan", "shenji"}
    pages = {}
    for username, (password, code) in printed.items():
        page = new_page(browser, contexts)
        first_sign_in(page, base, username, password, code)
        pages[username] = page
    users = get_user_model().objects
    for username in printed:
        assert users.get(username=username).check_password(OWN_PASSWORD)
    # each is refused outside its role (三员分立)
    assert status_of(pages["anquan"], base + "/workspace/centres/") == 403
    assert status_of(pages["anquan"], base + "/workspace/accounts/new/") == 403
    assert status_of(pages["xitong"], base + "/workspace/roles/") == 403
    assert status_of(pages["shenji"], base + "/workspace/centres/") == 403
    assert status_of(pages["shenji"], base + "/workspace/roles/") == 403
    assert status_of(pages["shenji"], base + "/manage/certificate-authorities/add/") == 403
    enrolled = Event.objects.filter(type="auth.totp.enrolled").values_list("actor__username", flat=True)
    assert set(enrolled) == set(printed)
    return pages


def system_admin_sets_up(page: Any, base: str, tmp_path: Path) -> dict[str, str]:
    """A CA the centre accepts, the centre, and two staff accounts (their initial passwords)."""
    page.goto(base + "/manage/certificate-authorities/add/")
    page.locator("#id_name").fill("从零开始测试 CA")
    page.locator("#id_root").set_input_files(write(tmp_path, "root.cer", ca_root()))
    page.locator("#id_is_test").check()
    submit(page, "Add the CA")
    assert CertificateAuthority.objects.filter(name="从零开始测试 CA", enabled=True).exists()

    page.goto(base + "/workspace/centres/")
    page.locator("#id_code").fill("sy")
    page.locator("#id_name").fill("沈阳市公共资源交易中心")
    page.locator("#id_region").select_option("210100")
    submit(page, "Create the centre")
    assert page.get_by_test_id("centre-sy").is_visible()
    centre = Centre.objects.get(code="sy")
    assert (centre.name, centre.region) == ("沈阳市公共资源交易中心", "210100")

    passwords = {}
    for username, family, given in (("wang-staff", "王", "小明"), ("li-staff", "李", "小红")):
        page.goto(base + "/workspace/accounts/new/")
        page.locator("#id_username").fill(username)
        page.locator("#id_last_name").fill(family)
        page.locator("#id_first_name").fill(given)
        page.locator("#id_email").fill(f"{username}@example.cn")
        submit(page, "Create the account")
        passwords[username] = secret_shown(page)
    return passwords


def security_admin_grants(page: Any, base: str) -> str:
    """The centre-staff role for both accounts, and an enrolment code for the first (returned)."""
    for username in ("wang-staff", "li-staff"):
        page.goto(f"{base}/workspace/roles/?q={username}")
        page.get_by_test_id(f"account-{username}").get_by_role("link").click()
        page.wait_for_url(f"**/workspace/roles/{username}/")
        page.locator("#id_role").select_option(Role.CENTRE_STAFF.value)
        page.locator("#id_centre").select_option("sy")
        submit(page, "Grant")
        assert page.get_by_test_id("grant-centre_staff").is_visible()
        assert RoleGrant.objects.filter(
            user__username=username, role=Role.CENTRE_STAFF, centre__code="sy", revoked_at__isnull=True
        ).exists()
    page.goto(f"{base}/workspace/accounts/?q=wang-staff")
    card = page.get_by_test_id("account-wang-staff")
    card.get_by_role("button", name=zh("Issue an enrolment code")).click()
    page.wait_for_load_state()
    return secret_shown(page)


def organisations_register(browser: Any, contexts: list[Any], base: str, tmp_path: Path) -> dict[str, str]:
    """An initiator, an agent and a bidder register themselves on the public page; their credit codes."""
    codes = {}
    people = (
        ("initiator", "沈阳地铁集团有限公司", "ditie", "赵"),
        ("agent", "辽宁中咨工程项目管理有限公司", "zhongzi", "钱"),
        ("responder", "沈阳建工集团有限公司", "jiangong", "孙"),
    )
    for serial, (role, name, username, family) in enumerate(people, start=100):
        uscc = make_uscc()
        codes[role] = uscc
        page = new_page(browser, contexts)
        page.goto(base + "/accounts/register/")
        page.locator(f"input[name=role][value={role}]").check()
        page.locator("#id_uscc").fill(uscc)
        page.locator("#id_name").fill(name)
        page.locator("#id_legal_representative").fill(family + "法人")
        page.locator("#id_contact_name").fill(family + "联系")
        page.locator("#id_contact_phone").fill("024-88886666")
        page.locator("#id_certificate").set_input_files(
            write(tmp_path, f"{username}.cer", org_certificate(uscc, serial))
        )
        page.locator("#id_centre").select_option("sy")
        page.locator("#id_username").fill(username)
        page.locator("#id_last_name").fill(family)
        page.locator("#id_first_name").fill("经办")
        page.locator("#id_phone").fill("13900000001")
        page.locator("#id_password1").fill(ORG_PASSWORD)
        page.locator("#id_password2").fill(ORG_PASSWORD)
        submit(page, "Register")
        page.wait_for_url("**/accounts/login/")
    assert OrganisationApplication.objects.filter(state=OrganisationApplication.State.PENDING).count() == 3
    return codes


def staff_verify(page: Any, base: str) -> None:
    page.goto(base + "/workspace/organisations/")
    for _ in range(3):
        page.get_by_test_id("application").first.get_by_role("button", name=zh("Verify")).click()
        page.wait_for_load_state()
    assert page.get_by_test_id("application").count() == 0
    assert set(OrganisationApplication.objects.values_list("state", flat=True)) == {
        OrganisationApplication.State.VERIFIED
    }
    for username, role in (("ditie", Role.INITIATOR), ("zhongzi", Role.AGENT), ("jiangong", Role.RESPONDER)):
        assert RoleGrant.objects.filter(user__username=username, role=role, revoked_at__isnull=True).exists()


def initiator_entrusts(page: Any, base: str, codes: dict[str, str]) -> None:
    page.goto(base + "/workspace/entrustments/")
    page.locator("#id_agent").fill(codes["agent"])
    page.locator("#id_project").fill(INVESTMENT_CODE)
    page.locator("#id_scope").fill("招标代理")
    today = clock.local_now().date()
    page.locator("#id_valid_from").fill(today.isoformat())
    page.locator("#id_valid_until").fill((today + 365 * DAY).isoformat())
    submit(page, "Entrust")
    entrustment = Entrustment.objects.get(project=INVESTMENT_CODE)
    assert entrustment.initiator.uscc == codes["initiator"]
    assert entrustment.agent.uscc == codes["agent"]
    assert entrustment.scope == "招标代理"


def staff_serve_engineering(page: Any, base: str) -> None:
    """The centre serves 工程建设, with what it tells after acceptance and its must-enter list."""
    page.goto(base + "/workspace/registry/categories/?centre=sy")
    section = page.get_by_test_id("category-engineering")
    section.get_by_label(zh("The centre serves this category")).check()
    section.get_by_label(zh("What to watch out for after acceptance")).fill(NEXT_STEPS)
    section.get_by_label(zh("Projects that must enter (应进必进)")).fill("依法必须招标的工程建设项目")
    section.get_by_role("button", name=zh("Save")).click()
    page.wait_for_load_state()
    served = CentreCategory.objects.get(centre__code="sy", category_id="engineering")
    assert served.enabled
    assert served.next_steps == NEXT_STEPS
    shown = page.get_by_test_id("category-engineering")  # the page again, as saved
    assert (
        shown.get_by_label(zh("Projects that must enter (应进必进)")).input_value()
        == "依法必须招标的工程建设项目"
    )
    assert zh("Served") in shown.get_by_role("heading").inner_text()


def staff_keep_the_centre(page: Any, base: str, tmp_path: Path) -> None:
    """A guide and a commitment published, a template offered, checklist version 2, technical staff."""
    page.goto(base + "/service/desk/guides/?centre=sy")
    page.get_by_test_id("guide-new").click()
    page.locator("#id_title").fill("工程建设项目进场交易指南")
    page.locator("#id_body").fill("进场交易须先登记项目，交易中心两个工作日内办结。")
    submit(page, "Save the draft")
    page.get_by_role("button", name=zh("Publish"), exact=True).click()
    page.wait_for_load_state()
    guide = Guide.objects.get(title="工程建设项目进场交易指南")
    assert guide.state == "published"

    page.goto(base + "/service/desk/commitments/?centre=sy")
    page.get_by_role("link", name=zh("Write a commitment")).click()
    page.locator("#id_title").fill("项目进场登记")
    page.locator("#id_steps").fill("网上提交申请表及材料，中心审核登记。")
    page.locator("#id_time_limit").fill("2 个工作日")
    submit(page, "Save the draft")
    page.get_by_role("button", name=zh("Publish"), exact=True).click()
    page.wait_for_load_state()
    assert Commitment.objects.get(title="项目进场登记").state == "published"

    page.goto(base + "/workspace/registry/templates/?centre=sy")
    page.locator("#id_category").select_option("engineering")
    page.locator("#id_name").fill("进场交易申请表（工程建设）")
    page.locator("#id_file").set_input_files(pdf(tmp_path, "申请表模板.pdf"))
    submit(page, "Upload")
    assert Template.objects.filter(centre__code="sy", name="进场交易申请表（工程建设）").exists()

    page.goto(base + "/workspace/registry/checklists/?centre=sy&category=engineering")
    page.locator("#id_n0_name").fill("投资项目在线审批监管平台截图")
    page.locator("#id_n0_need").select_option("optional")
    page.locator("#id_basis").fill("沈阳市进场交易新规")
    submit(page, "Publish the new version")
    assert Checklist.objects.filter(centre__code="sy", category_id="engineering", version=2).exists()

    page.goto(base + "/service/desk/technical/?centre=sy")
    page.locator("#id_technical_user").select_option("li-staff")
    submit(page, "Designate")
    assert TechnicalStaff.objects.filter(centre__code="sy", user__username="li-staff").exists()


def initiator_registers(page: Any, base: str, tmp_path: Path) -> Registration:
    page.goto(base + "/registrations/new/")
    page.locator("#id_centre").select_option("sy")
    page.locator("#id_category").select_option("engineering")
    submit(page, "Continue")
    page.locator("#id_name").fill("沈阳地铁 9 号线车站装修工程")
    page.locator("#id_investment_code").fill(INVESTMENT_CODE)
    page.locator("#id_approval_number").fill("沈发改审批〔2026〕77号")
    page.locator("#id_tender_name").fill("车站装修施工")
    page.locator("#id_s0_name").fill("一标段")
    page.locator("#id_s0_budget").fill("12345678.90")
    page.locator("#id_s0_method").select_option("open_tender")
    page.locator("#id_file_application_form").set_input_files(pdf(tmp_path, "申请表.pdf"))
    page.locator("#id_file_filing_form").set_input_files(pdf(tmp_path, "备案表.pdf"))
    page.locator("#id_file_agency_contract").set_input_files(pdf(tmp_path, "代理合同.pdf"))
    submit(page, "File the registration")
    page.wait_for_url(re.compile(r".*/registrations/[0-9a-f-]{36}/$"))
    return Registration.objects.get(project__name="沈阳地铁 9 号线车站装修工程")


def staff_accept(page: Any, base: str, registration: Registration) -> None:
    page.goto(f"{base}/registrations/{registration.uid}/")
    form = page.get_by_test_id("accept-form")
    form.locator("select[name=responsible]").select_option("wang-staff")
    form.locator("select[name=deputy]").select_option("li-staff")
    submit(page, "Accept the registration")
    registration.refresh_from_db()
    assert registration.state == State.ACCEPTED


@pytest.mark.slow
def test_a_centre_from_nothing_to_an_accepted_registration(
    browser: Any, live_server: Any, contexts: list[Any], tmp_path: Path
) -> None:
    base = live_server.url
    assert not get_user_model().objects.exists()
    assert not Centre.objects.exists()

    admins = administrators_sign_in(browser, contexts, base)
    staff_passwords = system_admin_sets_up(admins["xitong"], base, tmp_path)
    enrolment_code = security_admin_grants(admins["anquan"], base)

    staff = new_page(browser, contexts)
    first_sign_in(staff, base, "wang-staff", staff_passwords["wang-staff"], enrolment_code)
    assert get_user_model().objects.get(username="wang-staff").check_password(OWN_PASSWORD)

    codes = organisations_register(browser, contexts, base, tmp_path)
    staff_verify(staff, base)

    initiator = new_page(browser, contexts)
    sign_in(initiator, base, "ditie", ORG_PASSWORD)
    initiator_entrusts(initiator, base, codes)

    staff_serve_engineering(staff, base)
    staff_keep_the_centre(staff, base, tmp_path)
    hall = new_page(browser, contexts)
    hall.goto(base + "/service/")
    assert "工程建设项目进场交易指南" in hall.get_by_test_id("guides").inner_text()
    assert "项目进场登记" in hall.get_by_test_id("commitments").inner_text()

    registration = initiator_registers(initiator, base, tmp_path)
    assert registration.checklist.version == 2
    assert registration.project.initiator.uscc == codes["initiator"]
    staff_accept(staff, base, registration)
    told = Message.objects.filter(recipient__username="ditie", event__type="registry.registration.accepted")
    assert any(NEXT_STEPS in m.body for m in told)  # what the centre set on its categories page

    recorded = set(Event.objects.values_list("type", flat=True))
    assert {
        "accounts.user.opened",
        "auth.password.changed",
        "auth.totp.enrolled",
        "certs.ca.added",
        "accounts.centre.created",
        "accounts.role.granted",
        "accounts.credential.enrolment_code_issued",
        "accounts.organisation.applied",
        "accounts.organisation.verified",
        "accounts.entrustment.created",
        "service.guide.published",
        "service.commitment.published",
        "registry.category.configured",
        "registry.template.published",
        "registry.checklist.published",
        "service.technical_staff.designated",
        "registry.registration.filed",
        "registry.registration.accepted",
    } <= recorded
    # each step was taken by the person whose role it is
    by = {
        "certs.ca.added": "xitong",
        "accounts.centre.created": "xitong",
        "accounts.user.opened": "xitong",
        "accounts.role.granted": "anquan",
        "accounts.credential.enrolment_code_issued": "anquan",
        "accounts.organisation.verified": "wang-staff",
        "accounts.entrustment.created": "ditie",
        "registry.category.configured": "wang-staff",
        "service.guide.published": "wang-staff",
        "registry.checklist.published": "wang-staff",
        "service.technical_staff.designated": "wang-staff",
        "registry.registration.filed": "ditie",
        "registry.registration.accepted": "wang-staff",
    }
    for type_, username in by.items():
        actors = set(Event.objects.filter(type=type_).values_list("actor__username", flat=True))
        assert username in actors, type_
