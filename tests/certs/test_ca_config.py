"""The centre configures several CAs at once (root and intermediates, CRL distribution point, policy):
holders of each bind their certificates; a broken chain, a disabled CA, a revoked certificate are
refused with the reason, nothing is bound, and the audit administrator sees a security event."""

from __future__ import annotations

import base64
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ggzy.accounts.parties import membership_add, organisation_register
from ggzy.certs import services
from ggzy.certs.models import BoundCertificate, CertificateAuthority, RevocationList
from ggzy.certs.tasks import fetch_crls
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy_sm import x509
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import sm3
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
KEY_A, KEY_B, KEY_B_SUB, HOLDER = (Sm2PrivateKey.generate() for _ in range(4))
NAME_A = {"common_name": "Liaoning Test CA"}
NAME_B = {"common_name": "Jilin Test Root CA"}
NAME_B_SUB = {"common_name": "Jilin Test Issuing CA"}


def ca_certificate(
    key: Sm2PrivateKey, name: dict[str, str], issuer_key: Sm2PrivateKey, issuer: dict[str, str], serial: int
) -> bytes:
    # made at import, before any database exists (on PostgreSQL the platform's clock is the database's)
    now = dt.datetime.now(dt.UTC)
    return x509.issue(
        issuer_key=issuer_key,
        issuer=issuer,
        subject=name,
        public_key=key.public_key,
        serial=serial,
        not_before=now - 365 * DAY,
        not_after=now + 3650 * DAY,
        usage="ca",
    )


def holder_certificate(
    holder: str, usage: x509.Usage, serial: int, issuer_key: Sm2PrivateKey, issuer: dict[str, str]
) -> bytes:
    now = clock.now()
    return x509.issue(
        issuer_key=issuer_key,
        issuer=issuer,
        subject={"common_name": "持有人", "serial_number": holder},
        public_key=HOLDER.public_key,
        serial=serial,
        not_before=now - DAY,
        not_after=now + 365 * DAY,
        usage=usage,
    )


def crl(issuer_key: Sm2PrivateKey, issuer: dict[str, str], revoked: list[int]) -> bytes:
    now = clock.now()
    return x509.issue_crl(
        issuer_key=issuer_key,
        issuer=issuer,
        revoked=[(s, now - DAY) for s in revoked],
        this_update=now - DAY,
        next_update=now + 7 * DAY,
    )


ROOT_A = ca_certificate(KEY_A, NAME_A, KEY_A, NAME_A, 1)
ROOT_B = ca_certificate(KEY_B, NAME_B, KEY_B, NAME_B, 1)
SUB_B = ca_certificate(KEY_B_SUB, NAME_B_SUB, KEY_B, NAME_B, 2)


def b64(der: bytes) -> str:
    return base64.b64encode(der).decode()


def english(client: Client) -> Client:
    """The pages read in English (the messages checked below): the user chose it with the switch."""
    client.cookies["django_language"] = "en"
    return client


def pem_of(kind: str, *ders: bytes) -> bytes:
    """PEM blocks of `kind` (64 base64 characters a line), as CAs publish them."""
    blocks = []
    for der in ders:
        text = base64.b64encode(der).decode()
        lines = "\n".join(text[i : i + 64] for i in range(0, len(text), 64))
        blocks.append(f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----\n")
    return "".join(blocks).encode()


def bind(client: Client, der: bytes, usage: str) -> Any:
    return client.post(
        "/api/v1/certs/mine",
        data={"certificate": b64(der), "usage": usage},
        content_type="application/json",
    )


@pytest.fixture
def holder(client_for: Callable[..., Client], make_user: Callable[..., Any]) -> tuple[Any, Client, str]:
    """A bidder of an organisation, signed in: (user, client, the organisation's credit code)."""
    user = make_user(Role.RESPONDER, username="holder")
    uscc = make_uscc()
    organisation = organisation_register(
        actor=None,
        uscc=uscc,
        name="天成建设",
        legal_representative="陈",
        contact_name="陈",
        contact_phone="13900000000",
    )
    membership_add(actor=None, user=user, organisation=organisation)
    client = client_for(user)
    return user, client, uscc


@pytest.fixture
def admin(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.SYSTEM_ADMIN)


@pytest.fixture
def two_cas(admin: Any) -> tuple[CertificateAuthority, CertificateAuthority]:
    """CA A (a root only) and CA B (root → intermediate → holders), configured side by side."""
    a = services.ca_add(actor=admin, name="CA A", root=ROOT_A, intermediates=[], is_test=True)
    b = services.ca_add(
        actor=admin,
        name="CA B",
        root=ROOT_B,
        intermediates=[SUB_B],
        is_test=True,
        crl_url="https://crl.example.test/b.crl",
        policy="1.2.156.112562.2.1.1 — bidding",
    )
    return a, b


# --- several CAs at once -------------------------------------------------------------------------
@pytest.mark.clause("8.1.3")
def test_holders_of_two_cas_bind_their_certificates(
    two_cas: tuple[CertificateAuthority, CertificateAuthority], holder: tuple[Any, Client, str]
) -> None:
    user, client, uscc = holder
    signing = bind(client, holder_certificate(uscc, "signing", 10, KEY_A, NAME_A), "signing")
    assert signing.status_code == 201, signing.content
    encryption = bind(client, holder_certificate(uscc, "encryption", 11, KEY_B_SUB, NAME_B_SUB), "encryption")
    assert encryption.status_code == 201, encryption.content
    bound = {c.usage: c.ca.name for c in BoundCertificate.objects.filter(user=user, unbound_at__isnull=True)}
    assert bound == {"signing": "CA A", "encryption": "CA B"}
    assert two_cas[1].policy.startswith("1.2.156")


def test_a_missing_intermediate_is_refused_with_the_reason_and_recorded(
    admin: Any, holder: tuple[Any, Client, str]
) -> None:
    user, client, uscc = holder
    services.ca_add(
        actor=admin, name="CA B without its intermediate", root=ROOT_B, intermediates=[], is_test=True
    )
    der = holder_certificate(uscc, "signing", 12, KEY_B_SUB, NAME_B_SUB)
    response = bind(client, der, "signing")
    assert response.status_code == 422
    assert response.json()["code"] == "certificate_refused"
    assert response.json()["detail"]["reason"] == "untrusted_root"
    assert BoundCertificate.objects.count() == 0
    refused = Event.objects.get(type="certs.certificate.refused")
    assert refused.event_class == "security"
    assert refused.visibility == "audit"
    assert refused.actor_id == user.pk
    assert refused.data == {
        "user": user.pk,
        "usage": "signing",
        "reason": "untrusted_root",
        "certificate_sm3": sm3(der).hex(),
    }


def test_an_intermediate_of_another_root_is_a_broken_chain(admin: Any) -> None:
    other_root = Sm2PrivateKey.generate()
    stray = ca_certificate(KEY_B_SUB, NAME_B_SUB, other_root, NAME_A, 3)  # names CA A, signed by another key
    with pytest.raises(DomainError) as caught:
        services.ca_add(actor=admin, name="broken", root=ROOT_B, intermediates=[stray], is_test=True)
    assert caught.value.code.value == "ca_chain_invalid"
    assert caught.value.detail == {"reason": "broken_chain"}
    with pytest.raises(DomainError) as caught:
        services.ca_add(actor=admin, name="wrong key", root=ROOT_A, intermediates=[stray], is_test=True)
    assert caught.value.detail == {"reason": "signature"}
    assert not CertificateAuthority.objects.exists()


def test_a_disabled_ca_s_holders_are_refused(
    two_cas: tuple[CertificateAuthority, CertificateAuthority], admin: Any, holder: tuple[Any, Client, str]
) -> None:
    _user, client, uscc = holder
    services.ca_set_enabled(actor=admin, ca=two_cas[1], enabled=False)
    response = bind(client, holder_certificate(uscc, "signing", 13, KEY_B_SUB, NAME_B_SUB), "signing")
    assert response.json()["detail"]["reason"] == "untrusted_root"
    assert BoundCertificate.objects.count() == 0
    assert Event.objects.filter(type="certs.ca.disabled").count() == 1
    assert bind(client, holder_certificate(uscc, "signing", 14, KEY_A, NAME_A), "signing").status_code == 201
    services.ca_set_enabled(actor=admin, ca=two_cas[1], enabled=True)
    assert (
        bind(
            client, holder_certificate(uscc, "encryption", 15, KEY_B_SUB, NAME_B_SUB), "encryption"
        ).status_code
        == 201
    )


def test_enabling_a_test_ca_in_production_is_refused(
    two_cas: tuple[CertificateAuthority, CertificateAuthority], admin: Any, settings: Any
) -> None:
    services.ca_set_enabled(actor=admin, ca=two_cas[0], enabled=False)
    settings.GGZY_PRODUCTION = True
    with pytest.raises(DomainError) as caught:
        services.ca_set_enabled(actor=admin, ca=two_cas[0], enabled=True)
    assert caught.value.code.value == "test_ca_in_production"
    assert not CertificateAuthority.objects.get(pk=two_cas[0].pk).enabled


def test_subject_mismatch_and_key_usage_refusals_are_recorded(
    two_cas: tuple[CertificateAuthority, CertificateAuthority], holder: tuple[Any, Client, str]
) -> None:
    _user, client, uscc = holder
    assert (
        bind(client, holder_certificate(make_uscc(), "signing", 16, KEY_A, NAME_A), "signing").status_code
        == 422
    )
    assert (
        bind(client, holder_certificate(uscc, "signing", 17, KEY_A, NAME_A), "encryption").status_code == 422
    )
    reasons = sorted(e.data["reason"] for e in Event.objects.filter(type="certs.certificate.refused"))
    assert reasons == ["key_usage", "subject_mismatch"]
    assert BoundCertificate.objects.count() == 0


# --- the pages -----------------------------------------------------------------------------------
def test_system_admin_adds_a_ca_by_pem_and_a_crl_then_the_revoked_certificate_is_refused(
    client_for: Callable[..., Client], admin: Any, holder: tuple[Any, Client, str]
) -> None:
    _user, client, uscc = holder
    page = english(client_for(admin))
    response = page.post(
        "/manage/certificate-authorities/add/",
        {
            "name": "CA B",
            "root": SimpleUploadedFile("root.pem", pem_of("CERTIFICATE", ROOT_B)),
            "intermediates": [SimpleUploadedFile("sub.pem", pem_of("CERTIFICATE", SUB_B))],
            "is_test": "on",
            "crl_url": "https://crl.example.test/b.crl",
            "policy": "1.2.156.112562.2.1.1",
        },
    )
    assert response.status_code == 302, response.content.decode()
    ca = CertificateAuthority.objects.get()
    assert response["Location"] == f"/manage/certificate-authorities/{ca.uid}/"
    assert bytes(ca.root) == ROOT_B
    assert ca.intermediates == [SUB_B.hex()]
    assert ca.is_test
    assert ca.crl_url == "https://crl.example.test/b.crl"
    listing = page.get("/manage/certificate-authorities/").content.decode()
    assert "Jilin Test Root CA" in listing
    assert "https://crl.example.test/b.crl" in listing

    assert (
        bind(client, holder_certificate(uscc, "signing", 20, KEY_B_SUB, NAME_B_SUB), "signing").status_code
        == 201
    )
    revoked = holder_certificate(uscc, "encryption", 21, KEY_B_SUB, NAME_B_SUB)
    upload = page.post(
        f"/manage/certificate-authorities/{ca.uid}/crl/",
        {"crl": SimpleUploadedFile("b.crl", pem_of("X509 CRL", crl(KEY_B_SUB, NAME_B_SUB, [21])))},
    )
    assert upload.status_code == 302
    assert RevocationList.objects.filter(ca=ca).count() == 1
    response = bind(client, revoked, "encryption")
    assert response.status_code == 422
    assert response.json()["detail"]["reason"] == "revoked"
    assert BoundCertificate.objects.filter(usage="encryption").count() == 0
    detail = page.get(f"/manage/certificate-authorities/{ca.uid}/")
    assert detail.status_code == 200
    assert "Jilin Test Issuing CA" in detail.content.decode()


def test_a_crl_of_another_ca_and_a_bad_file_are_refused_on_the_page(
    client_for: Callable[..., Client], two_cas: tuple[CertificateAuthority, CertificateAuthority], admin: Any
) -> None:
    page = english(client_for(admin))
    ca = two_cas[0]
    foreign = page.post(
        f"/manage/certificate-authorities/{ca.uid}/crl/",
        {"crl": SimpleUploadedFile("b.crl", crl(KEY_B, NAME_B, [1]))},
    )
    assert foreign.status_code == 400
    assert "not signed by this CA" in foreign.content.decode()
    duplicate = page.post(
        "/manage/certificate-authorities/add/",
        {"name": "CA A", "root": SimpleUploadedFile("root.der", ROOT_A)},
    )
    assert duplicate.status_code == 400
    assert "configured already" in duplicate.content.decode()
    garbage = page.post(
        "/manage/certificate-authorities/add/",
        {"name": "CA C", "root": SimpleUploadedFile("root.der", b"not a certificate")},
    )
    assert garbage.status_code == 400
    assert "not a valid CA certificate" in garbage.content.decode()
    assert not RevocationList.objects.exists()
    assert CertificateAuthority.objects.count() == 2


def test_system_admin_disables_and_edits_a_ca_on_the_page(
    client_for: Callable[..., Client], two_cas: tuple[CertificateAuthority, CertificateAuthority], admin: Any
) -> None:
    page = english(client_for(admin))
    ca = two_cas[1]
    assert (
        page.post(f"/manage/certificate-authorities/{ca.uid}/enabled/", {"enabled": "0"}).status_code == 302
    )
    assert not CertificateAuthority.objects.get(pk=ca.pk).enabled
    edited = page.post(
        f"/manage/certificate-authorities/{ca.uid}/settings/",
        {"crl_url": "http://crl.example.test/new.crl", "policy": "1.2.3"},
    )
    assert edited.status_code == 302
    ca.refresh_from_db()
    assert (ca.crl_url, ca.policy) == ("http://crl.example.test/new.crl", "1.2.3")
    bad = page.post(f"/manage/certificate-authorities/{ca.uid}/settings/", {"crl_url": "file:///etc/passwd"})
    assert bad.status_code == 400
    ca.refresh_from_db()
    assert ca.crl_url == "http://crl.example.test/new.crl"
    with pytest.raises(DomainError) as caught:
        services.ca_update(actor=admin, ca=ca, crl_url="ftp://crl.example.test/x.crl", policy="")
    assert caught.value.code.value == "crl_url_invalid"
    assert {"certs.ca.disabled", "certs.ca.updated"} <= set(Event.objects.values_list("type", flat=True))


@pytest.mark.parametrize("role", [Role.RESPONDER, Role.CENTRE_STAFF, Role.AUDIT_ADMIN])
def test_others_may_not_use_the_ca_pages(
    role: Role, two_cas: tuple[CertificateAuthority, CertificateAuthority], client_as: Callable[..., Client]
) -> None:
    client = client_as(role)
    ca = two_cas[0]
    assert client.get("/manage/certificate-authorities/").status_code == 403
    assert client.get(f"/manage/certificate-authorities/{ca.uid}/").status_code == 403
    assert client.get("/manage/certificate-authorities/add/").status_code == 403
    assert (
        client.post(f"/manage/certificate-authorities/{ca.uid}/enabled/", {"enabled": "0"}).status_code == 403
    )
    assert CertificateAuthority.objects.get(pk=ca.pk).enabled


def test_the_security_admin_may_look_but_not_change(
    two_cas: tuple[CertificateAuthority, CertificateAuthority], client_as: Callable[..., Client]
) -> None:
    client = client_as(Role.SECURITY_ADMIN)
    ca = two_cas[0]
    assert client.get("/manage/certificate-authorities/").status_code == 200
    detail = client.get(f"/manage/certificate-authorities/{ca.uid}/")
    assert detail.status_code == 200
    assert f"/manage/certificate-authorities/{ca.uid}/enabled/" not in detail.content.decode()
    assert (
        client.post(f"/manage/certificate-authorities/{ca.uid}/enabled/", {"enabled": "0"}).status_code == 403
    )
    assert CertificateAuthority.objects.get(pk=ca.pk).enabled


# --- fetching CRLs -------------------------------------------------------------------------------
class _CrlHandler(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/pkix-crl")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the base class's name)
        pass


@pytest.fixture
def crl_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, dict[str, bytes]]]:
    """A distribution point on 127.0.0.1: (its base URL, path -> body)."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    files: dict[str, bytes] = {}
    handler = type("Handler", (_CrlHandler,), {"files": files})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", files
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_the_tick_fetches_a_crl_once_a_day_and_the_revoked_certificate_is_refused(
    two_cas: tuple[CertificateAuthority, CertificateAuthority],
    admin: Any,
    holder: tuple[Any, Client, str],
    crl_server: tuple[str, dict[str, bytes]],
) -> None:
    _user, client, uscc = holder
    base, files = crl_server
    files["/b.crl"] = crl(KEY_B_SUB, NAME_B_SUB, [30])
    ca = services.ca_update(actor=admin, ca=two_cas[1], crl_url=f"{base}/b.crl", policy="")
    assert fetch_crls() == 1
    assert RevocationList.objects.filter(ca=ca).count() == 1
    assert fetch_crls() == 0  # imported less than a day ago: not again
    response = bind(client, holder_certificate(uscc, "signing", 30, KEY_B_SUB, NAME_B_SUB), "signing")
    assert response.json()["detail"]["reason"] == "revoked"
    imported = Event.objects.get(type="certs.crl.imported")
    assert imported.data["source"] == "fetch"


def test_a_failing_distribution_point_is_recorded_and_does_not_stop_the_tick(
    two_cas: tuple[CertificateAuthority, CertificateAuthority],
    admin: Any,
    crl_server: tuple[str, dict[str, bytes]],
) -> None:
    base, files = crl_server
    files["/a.crl"] = crl(KEY_B, NAME_B, [1])  # served for CA A, but signed by CA B
    services.ca_update(actor=admin, ca=two_cas[0], crl_url=f"{base}/a.crl", policy="")
    services.ca_update(actor=admin, ca=two_cas[1], crl_url=f"{base}/missing.crl", policy="")
    assert fetch_crls() == 0
    failures = {e.data["ca"]: e.data["reason"] for e in Event.objects.filter(type="certs.crl.fetch_failed")}
    assert failures == {"CA A": "signature", "CA B": "network"}
    assert all(e.event_class == "security" for e in Event.objects.filter(type="certs.crl.fetch_failed"))
    assert not RevocationList.objects.exists()
    assert CertificateAuthority.objects.get(pk=two_cas[1].pk).crl_fetch_error == "network"
    assert fetch_crls() == 0  # a failed attempt is not repeated at every tick
    assert Event.objects.filter(type="certs.crl.fetch_failed").count() == 2


def test_fetch_now_on_the_page_and_an_unreachable_address(
    client_for: Callable[..., Client],
    two_cas: tuple[CertificateAuthority, CertificateAuthority],
    admin: Any,
    crl_server: tuple[str, dict[str, bytes]],
) -> None:
    base, files = crl_server
    files["/b.crl"] = pem_of("X509 CRL", crl(KEY_B, NAME_B, [5, 6]))
    ca = services.ca_update(actor=admin, ca=two_cas[1], crl_url=f"{base}/b.crl", policy="")
    page = english(client_for(admin))
    assert page.post(f"/manage/certificate-authorities/{ca.uid}/crl/fetch/").status_code == 302
    assert RevocationList.objects.filter(ca=ca).count() == 1
    assert "<td>2</td>" in page.get("/manage/certificate-authorities/").content.decode()  # revoked count
    closed = services.ca_update(actor=admin, ca=ca, crl_url="http://127.0.0.1:9/none.crl", policy="")
    crl_list, reason = services.crl_fetch(ca=closed, actor=admin)
    assert crl_list is None
    assert reason == "network"
    assert Event.objects.filter(type="certs.crl.fetch_failed", actor=admin).count() == 1
    detail = page.get(f"/manage/certificate-authorities/{ca.uid}/").content.decode()
    assert 'data-testid="fetch-error"' in detail


def test_uploaded_files_are_read_as_der_or_pem() -> None:
    assert services.der_list(ROOT_A) == [ROOT_A]
    assert services.der_list(b"issuer=...\n" + pem_of("CERTIFICATE", ROOT_B, SUB_B)) == [ROOT_B, SUB_B]
    with pytest.raises(DomainError):
        services.der_list(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n")
    with pytest.raises(DomainError):
        services.der_list(b"-----BEGIN CERTIFICATE-----\nAAAA\n")  # cut off
