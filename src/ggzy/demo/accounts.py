"""Demo accounts security, through the same services people use: second factors enrolled with
enrolment codes (never on first use), phones on record, the break-glass recovery code, a new staff
member waiting to enrol, changes to administrators' accounts — one approved by a second
administrator, one awaiting approval — and an organisation from outside the province that registered
itself with its certificate and awaits verification (with the demo test CAs only)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from ggzy.accounts import changes, credentials, policy, recovery
from ggzy.accounts.identifiers import org_code_check_char, uscc_check_char
from ggzy.accounts.models import AccountChange, Centre, EnrolmentCode
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.core.types import Actor
from ggzy.demo.history import Later
from ggzy.events.models import Message
from ggzy_sm import totp, x509
from ggzy_sm.files import write_atomic
from ggzy_sm.keys import load_key_file, write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey

#: Phones on record of demo people who confirm sign-ins with a second factor (SMS goes to the outbox).
PHONES = {
    "staff": "13800000011",
    "staff2": "13800000012",
    "sy-staff": "13800000013",
    "sy-staff2": "13800000014",
    "sysadmin": "13800000021",
    "secadmin": "13800000022",
    "auditadmin": "13800000023",
}
DEMO_PASSWORD = "Demo-2026-ggzy"  # noqa: S105  (the demo's shared password, printed by demo_load)
_state: dict[str, str | int] = {}


def uscc(serial: int, region: str, kind: str = "91") -> str:
    """A demo organisation's unified social credit code (GB 32100), with valid check characters."""
    body = f"{serial:08d}"
    first17 = kind + region + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def enrol(user: Actor, phone: str = "", code: str = "") -> None:
    """Enrol `user`'s second factor as a person would: an enrolment code (printed on the console, as
    `ggzy bootstrap` does, unless given), redeemed, then the first code of the authenticator confirms it."""
    with transaction.atomic():
        if phone:
            state = policy.login_state(user)
            state.phone = phone
            state.save(update_fields=["phone"])
        code = code or policy.enrolment_code_issue(user=user, channel=EnrolmentCode.Channel.CONSOLE)
    if not policy.enrolment_redeem(user, code):
        raise RuntimeError(f"demo enrolment of {user} refused")
    secret = policy.totp_secret(user)
    if not policy.totp_check(user, totp.code_at(secret, clock.authority_now().timestamp())):
        raise RuntimeError(f"demo enrolment of {user} not confirmed")


#: The people this module adds (for the demo CAs' certificates, like every other demo user).
PEOPLE: tuple[tuple[str, str, str, Role, str], ...] = (
    ("auditadmin2", "王", "审明", Role.AUDIT_ADMIN, ""),
    ("staff-new", "杨", "帆", Role.CENTRE_STAFF, ""),
)


def load(*, later: Later) -> None:
    """Run after the demo people exist (their second factors are enrolled as they are made)."""
    users = get_user_model().objects
    sysadmin, secadmin = users.get(username="sysadmin"), users.get(username="secadmin")
    _state["recovery_code"] = recovery.recovery_code_create()
    later(1)
    # a deputy audit administrator: the security administrator asks, the system administrator approves
    deputy = users.create_user(
        username="auditadmin2", password=DEMO_PASSWORD, last_name="王", first_name="审明", is_staff=False
    )
    credentials_phone(sysadmin, deputy, "13800000024")
    grant = changes.change_request(
        actor=secadmin,
        target=deputy,
        kind=AccountChange.Kind.ROLE_GRANT,
        role=Role.AUDIT_ADMIN,
        reason="审计管理员休假期间由王审明代为履行审计职责（经中心负责人批准）",
    )
    later(2)
    changes.change_approve(actor=sysadmin, change_uid=grant.uid, note="已核对人事批准文件")
    later(1)
    # the deputy's enrolment code: requested, approved by the audit administrator, sent by SMS
    asked = changes.change_request(
        actor=secadmin,
        target=deputy,
        kind=AccountChange.Kind.ENROLMENT_CODE,
        reason="新任审计管理员注册二次验证",
    )
    changes.change_approve(actor=users.get(username="auditadmin"), change_uid=asked.uid)
    sms = Message.objects.filter(recipient=deputy, template="accounts.enrolment_code").latest("pk")
    found = re.search(r"[A-Z0-9]{5}-[A-Z0-9]{5}", sms.body)
    enrol(deputy, code=found.group(0) if found else "")  # the deputy reads the SMS and enrols
    later(1)
    # a new staff member: account by the system administrator, role by the security administrator;
    # the enrolment code comes at the end (finish), so that it is still valid when the demo starts
    newcomer = users.create_user(
        username="staff-new", password=DEMO_PASSWORD, last_name="杨", first_name="帆", is_staff=False
    )
    state = policy.login_state(newcomer)  # as the back office's "add user" leaves it
    state.must_change_password = True
    state.save(update_fields=["must_change_password"])
    credentials_phone(sysadmin, newcomer, "13800000015")
    from ggzy.accounts.parties import role_grant
    from ggzy.accounts.selectors import centre_by_code

    role_grant(actor=secadmin, user=newcomer, role=Role.CENTRE_STAFF, centre=centre_by_code("sy"))
    later(1)


def finish() -> None:
    """At the present, once the history is written: a change awaiting a second administrator's
    approval (a lost phone) and the newcomer's enrolment code, handed over in person."""
    users = get_user_model().objects
    secadmin = users.get(username="secadmin")
    self_registered()
    _state["pending"] = changes.change_request(
        actor=secadmin,
        target=users.get(username="auditadmin2"),
        kind=AccountChange.Kind.TOTP_RESET,
        reason="王审明报告手机遗失，需重新注册二次验证",
    ).uid.hex[:8]
    _state["newcomer_code"] = credentials.enrolment_code_send(
        actor=secadmin, user=users.get(username="staff-new"), channel=EnrolmentCode.Channel.IN_PERSON
    )


def finished() -> bool:
    """Did `finish` run (the last step of a demo load)? Its last write is the newcomer's code."""
    return EnrolmentCode.objects.filter(
        user__username="staff-new", channel=EnrolmentCode.Channel.IN_PERSON
    ).exists()


#: The organisation that registers itself at the end of the demo: (username, family name, given name,
#: phone, name, credit-code serial, region, legal representative, contact person, contact phone).
APPLICANT = (
    "applicant",
    "白",
    "雪松",
    "13943000012",
    "吉林长白建设工程有限公司",
    73000012,
    "220100",  # 长春市: from outside the province, registered like any other
    "白长山",
    "白雪松",
    "0431-88880012",
)


def self_registered() -> None:
    """An organisation registers itself as a bidder with the signing certificate the demo's provincial test
    CA issued it, through the registration page's service; it awaits verification by the provincial
    centre. Its key files go where every demo user's do (and it binds its encryption certificate too).
    Only with the demo CAs: without a certificate nobody registers."""
    if not settings.GGZY_DEMO_CA_DIR:
        return
    from ggzy.accounts.registration import organisation_apply
    from ggzy.certs.services import certificate_bind
    from ggzy.demo.ca import ITERATIONS, PASSPHRASE

    username, family, given, phone, name, serial, region, legal, contact, contact_phone = APPLICANT
    folder = Path(settings.GGZY_DEMO_CA_DIR)
    issuing = x509.Certificate.load((folder / "liaoning" / "issuing.cer").read_bytes())
    issuer_key = load_key_file(folder / "liaoning" / "issuing.key", PASSPHRASE)
    code = uscc(serial, region)
    home = folder / "users" / username
    home.mkdir(parents=True, exist_ok=True)
    now = clock.authority_now()
    ders = {}
    for usage, file in (("signing", "sign"), ("encryption", "enc")):
        key = Sm2PrivateKey.generate()
        ders[usage] = x509.issue(
            issuer_key=issuer_key,
            issuer=issuing.subject,
            subject={"common_name": name, "serial_number": code},
            public_key=key.public_key,
            serial=secrets.randbits(63),  # never one of the demo CA's own (its revocation list names one)
            not_before=now - dt.timedelta(days=30),
            not_after=now + dt.timedelta(days=365),
            usage=cast("x509.Usage", usage),
        )
        write_atomic(home / f"{file}.cer", ders[usage])
        write_key_file(key, home / f"{file}.key", PASSPHRASE, ITERATIONS)
    application = organisation_apply(
        username=username,
        family_name=family,
        given_name=given,
        phone=phone,
        password=DEMO_PASSWORD,
        centre=Centre.objects.get(code="ln"),
        role=Role.RESPONDER,
        uscc=code,
        name=name,
        legal_representative=legal,
        contact_name=contact,
        contact_phone=contact_phone,
        certificate=x509.pem_blocks([ders["signing"]]),
    )
    user = application.applicant
    certificate_bind(actor=user, user=user, der=ders["encryption"], usage="encryption")
    _state["applicant"] = name


def credentials_phone(actor: Actor, user: Actor, phone: str) -> None:
    credentials.phone_set(actor=actor, user=user, phone=phone)


def summary() -> str:
    return (
        f"recovery code {_state.get('recovery_code', '-')} (demo only: a real one is sealed); "
        f"staff-new enrols with code {_state.get('newcomer_code', '-')} after setting a password; "
        f"one administrator change awaits approval (#{_state.get('pending', '-')}): "
        "/workspace/account-changes/"
        + (
            f"; {_state['applicant']} registered itself and awaits verification (user applicant): "
            "/workspace/organisations/"
            if "applicant" in _state
            else ""
        )
    )
