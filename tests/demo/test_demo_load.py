"""The demo data loads through the services, twice without change, with the parties the issue asks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from ggzy.accounts.models import Centre, Entrustment, Organisation, Person, RoleGrant
from ggzy.accounts.selectors import user_roles
from ggzy.core.roles import HELD_ROLES, Role
from ggzy.demo.ca import PASSPHRASE
from ggzy.demo.management.commands.demo_load import DEMO_PASSWORD, DEMO_USERS, PROJECTS
from ggzy.events.models import Event, Message
from ggzy_sm.keys import load_key_file

pytestmark = pytest.mark.django_db


def grants(role: Role) -> int:
    return RoleGrant.objects.filter(role=role, revoked_at__isnull=True).count()


def test_demo_load_is_idempotent_and_has_every_party() -> None:
    call_command("demo_load", verbosity=0)
    before = Event.objects.count()
    call_command("demo_load", verbosity=0)
    assert Event.objects.count() == before
    users = get_user_model().objects.filter(username__in=[u[0] for u in DEMO_USERS])
    assert {r for u in users for r in user_roles(u)} == set(HELD_ROLES)
    assert Centre.objects.count() == 2
    assert grants(Role.INITIATOR) == 3
    assert grants(Role.AGENT) == 2
    assert grants(Role.RESPONDER) == 12
    natural_bidders = Person.objects.filter(user__role_grants__role=Role.RESPONDER)
    assert list(natural_bidders.values_list("name", flat=True)) == [
        "王建国"
    ]  # one bidder is a natural person
    assert Organisation.objects.exclude(region__startswith="21").exists()  # one from outside the province
    assert grants(Role.EXPERT) == 40
    assert grants(Role.SUPERVISOR) == 2
    assert grants(Role.CENTRE_STAFF) >= 2 * Centre.objects.count()
    for admin in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        assert grants(admin) == 1
    assert grants(Role.AUDIT_ADMIN) == 2  # the deputy, by a request the system administrator approved
    assert Entrustment.objects.filter(project__in=[p[0] for p in PROJECTS]).count() == 2
    opened = RoleGrant.objects.exclude(
        user__username__in=["auditadmin2", "staff-new"]
    )  # not opened with roles
    assert Message.objects.filter(template="accounts.account_opened").count() == opened.count()


def test_the_demo_test_cas_give_every_user_dual_certificates(settings: Any, tmp_path: Path) -> None:
    from ggzy.certs.models import BoundCertificate, CertificateAuthority
    from ggzy.certs.selectors import days_left

    settings.GGZY_DEMO_CA_DIR = str(tmp_path / "demo-ca")  # as `make demo` does, outside var/
    call_command("demo_load", verbosity=0)
    users = get_user_model().objects.all()
    bound = BoundCertificate.objects.filter(unbound_at__isnull=True)
    assert bound.count() == 2 * users.count()
    assert {c.name for c in CertificateAuthority.objects.filter(is_test=True)} == {
        "演示 CA（辽宁）",
        "演示 CA（浙江，互认）",
    }
    outside = bound.filter(user__username="bidder-hxjs").values_list("ca__name", flat=True)
    assert set(outside) == {"演示 CA（浙江，互认）"}  # a bidder from outside the province: mutual recognition
    assert days_left(bound.get(user__username="bidder", usage="encryption")) == 5
    folder = Path(settings.GGZY_DEMO_CA_DIR)
    assert (folder / "users" / "bidder" / "sign.key").exists()
    assert not Path(settings.VAR_DIR).joinpath("demo-ca").exists()  # the keys are not the platform's
    assert load_key_file(folder / "users" / "bidder" / "sign.key", PASSPHRASE).public_key.hex() == (
        bound.get(user__username="bidder", usage="signing").public_key
    )


def test_the_demo_centre_seals_a_document_that_verifies_offline(settings: Any, tmp_path: Path) -> None:
    from ggzy_sm.verify import main as verify

    folder = tmp_path / "demo-ca"
    settings.GGZY_DEMO_CA_DIR = str(folder)
    call_command("demo_load", verbosity=0)
    settings.GGZY_SEAL_KEY_FILE = str(folder / "seal" / "seal.key")  # as `make demo` sets them
    settings.GGZY_SEAL_CERTIFICATE_FILE = str(folder / "seal" / "seal.pem")
    settings.GGZY_SEAL_PASSPHRASE = PASSPHRASE
    document = tmp_path / "中标结果公示.pdf"
    document.write_bytes(b"%PDF-1.7\n% the result notice\n%%EOF\n")
    call_command("document_seal", str(document), verbosity=0)
    signature = tmp_path / "中标结果公示.pdf.sig.json"
    root = str(folder / "liaoning" / "root.cer")
    assert verify(["document", str(document), str(signature), "--root", root]) == 0
    assert Event.objects.filter(type="certs.document.sealed").count() == 1
    document.write_bytes(b"%PDF-1.7\n% another notice\n%%EOF\n")
    assert verify(["document", str(document), str(signature), "--root", root]) != 0


def test_demo_user_signs_in_and_finds_the_welcome_message() -> None:
    call_command("demo_load", "--parties-only", verbosity=0)
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "bidder", "password": DEMO_PASSWORD}).status_code == 302
    )
    page = client.get("/inbox/").content.decode()
    assert "账户已开通" in page
    assert "交易响应方" in page


def test_the_agent_sees_its_entrusted_project_and_not_another() -> None:
    call_command("demo_load", "--parties-only", verbosity=0)
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "agent", "password": DEMO_PASSWORD}).status_code == 302
    )
    page = client.get("/workspace/entrusted/").content.decode()
    assert "L2101000000000001" in page
    assert "L2101000000000002" not in page


def test_the_demo_shows_accounts_security_made_through_the_services(settings: Any) -> None:
    from ggzy.accounts import policy
    from ggzy.accounts.models import AccountChange, EnrolmentCode, RecoveryCode
    from ggzy.accounts.states import change_state
    from ggzy.core import clock

    settings.GGZY_PRODUCTION, settings.GGZY_SANDBOX, settings.GGZY_SANDBOX_SPEED = False, True, 1
    call_command("demo_load", "--parties-only", verbosity=0)
    users = get_user_model().objects
    for name in ("staff", "sysadmin", "secadmin", "auditadmin", "auditadmin2"):
        assert policy.totp_enrolled(users.get(username=name)), name
    assert Event.objects.filter(type="auth.enrolment.code_accepted").count() >= 5  # never on first use
    states = [change_state(c, clock.now()) for c in AccountChange.objects.order_by("pk")]
    assert states == ["approved", "approved", "pending"]  # a grant, an enrolment code, a reset to decide
    newcomer = users.get(username="staff-new")
    assert policy.password_must_change(newcomer)
    assert not policy.totp_enrolled(newcomer)
    assert EnrolmentCode.objects.filter(
        user=newcomer, used_at__isnull=True, expires_at__gt=clock.now()
    ).exists()
    assert RecoveryCode.objects.filter(spent_at__isnull=True).count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_demo_history_is_cosigned_by_three_cosigner_processes(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from ggzy.demo import cosigners
    from ggzy.witness.audit import witness_audit
    from ggzy.witness.models import Cosignature, TreeHead

    ports = []
    for _ in range(3):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    settings.GGZY_PRODUCTION, settings.GGZY_SANDBOX, settings.GGZY_SANDBOX_SPEED = False, True, 1
    settings.GGZY_DEMO_COSIGNERS_DIR = str(tmp_path / "cosigners")
    settings.GGZY_COSIGNERS = ",".join(f"{n}=http://127.0.0.1:{p}" for n, p in zip("abc", ports, strict=True))
    settings.GGZY_WITNESS_TRUST = str(tmp_path / "cosigners" / "trust.json")
    monkeypatch.setenv("GGZY_COSIGNER_PASSPHRASE", "demo-cosigner-passphrase")
    call_command("demo_load", "--parties-only", verbosity=0)
    head = TreeHead.objects.order_by("-size").first()
    assert head is not None
    assert Cosignature.objects.filter(head=head).count() == 3  # three processes, 2 of 3 pinned
    assert len(cosigners.serve_commands()) == 3  # `ggzy serve` runs them beside the web server
    assert witness_audit() == []
