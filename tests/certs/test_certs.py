"""Several CAs, dual certificates bound to their holders after every check; bad certificates refused."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.accounts.parties import membership_add, organisation_register
from ggzy.certs import services
from ggzy.certs.checks import ca_mode
from ggzy.certs.models import BoundCertificate
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy_sm import x509
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
CA_KEY, HOLDER_KEY = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
CA_NAME = {"common_name": "ggzy Test CA"}


def b64(der: bytes) -> str:
    return base64.b64encode(der).decode()


def root() -> bytes:
    now = clock.now()
    return x509.issue(
        issuer_key=CA_KEY,
        issuer=CA_NAME,
        subject=CA_NAME,
        public_key=CA_KEY.public_key,
        serial=1,
        not_before=now - 365 * DAY,
        not_after=now + 3650 * DAY,
        usage="ca",
    )


def cert(holder: str, usage: x509.Usage, serial: int, days: int = 365, key: Sm2PrivateKey = CA_KEY) -> bytes:
    now = clock.now()
    return x509.issue(
        issuer_key=key,
        issuer=CA_NAME,
        subject={"common_name": "持有人", "serial_number": holder},
        public_key=HOLDER_KEY.public_key,
        serial=serial,
        not_before=now - 2 * DAY,
        not_after=now + days * DAY,
        usage=usage,
    )


@pytest.fixture
def setup(
    client_for: Callable[..., Client], client_as: Callable[..., Client], make_user: Callable[..., Any]
) -> tuple[Client, str]:
    admin = client_as(Role.SYSTEM_ADMIN)
    assert (
        admin.post(
            "/api/v1/certs/cas",
            data={"name": "测试 CA", "root": b64(root()), "is_test": True},
            content_type="application/json",
        ).status_code
        == 201
    )
    bidder = make_user(Role.RESPONDER, username="holder")
    uscc = make_uscc()
    organisation = organisation_register(
        actor=None,
        uscc=uscc,
        name="天成建设",
        legal_representative="陈",
        contact_name="陈",
        contact_phone="13900000000",
    )
    membership_add(actor=None, user=bidder, organisation=organisation)
    client = client_for(bidder)
    return client, uscc


@pytest.mark.clause("8.1.3")
def test_dual_certificates_are_bound_after_every_check(setup: tuple[Client, str]) -> None:
    client, uscc = setup
    for usage, serial in (("signing", 10), ("encryption", 11)):
        response = client.post(
            "/api/v1/certs/mine",
            data={"certificate": b64(cert(uscc, usage, serial)), "usage": usage},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    mine = client.get("/api/v1/certs/mine").json()
    assert {c["usage"] for c in mine} == {"signing", "encryption"}
    assert all(360 <= c["days_left"] <= 365 for c in mine)
    assert Event.objects.filter(type="certs.certificate.bound").count() == 2


@pytest.mark.parametrize(
    ("make", "usage", "reason"),
    [
        (
            lambda uscc: cert(uscc, "encryption", 20),
            "signing",
            "key_usage",
        ),  # encryption cert offered for signing
        (lambda uscc: cert(uscc, "signing", 21), "encryption", "key_usage"),
        (lambda uscc: cert(uscc, "signing", 22, days=-1), "signing", "expired"),
        (lambda uscc: cert(uscc, "signing", 23, key=Sm2PrivateKey.generate()), "signing", "signature"),
        (lambda uscc: b"not a certificate", "signing", "malformed"),
    ],
)
def test_bad_certificates_are_refused_and_nothing_is_bound(
    setup: tuple[Client, str], make: Any, usage: str, reason: str
) -> None:
    client, uscc = setup
    response = client.post(
        "/api/v1/certs/mine",
        data={"certificate": b64(make(uscc)), "usage": usage},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"]["reason"] == reason
    assert BoundCertificate.objects.count() == 0


def test_someone_elses_certificate_and_a_revoked_one_are_refused(
    setup: tuple[Client, str], make_user: Callable[..., Any]
) -> None:
    client, uscc = setup
    other = client.post(
        "/api/v1/certs/mine",
        data={"certificate": b64(cert(make_uscc(), "signing", 30)), "usage": "signing"},
        content_type="application/json",
    )
    assert other.json()["code"] == "certificate_subject_mismatch"
    from ggzy.certs.models import CertificateAuthority

    now = clock.now()
    crl = x509.issue_crl(
        issuer_key=CA_KEY,
        issuer=CA_NAME,
        revoked=[(31, now - DAY)],
        this_update=now - DAY,
        next_update=now + 7 * DAY,
    )
    services.crl_import(actor=make_user(Role.SECURITY_ADMIN), ca=CertificateAuthority.objects.get(), der=crl)
    revoked = client.post(
        "/api/v1/certs/mine",
        data={"certificate": b64(cert(uscc, "signing", 31)), "usage": "signing"},
        content_type="application/json",
    )
    assert revoked.json()["detail"]["reason"] == "revoked"
    assert BoundCertificate.objects.count() == 0


def test_an_unconfigured_ca_is_refused(make_user: Callable[..., Any]) -> None:
    with pytest.raises(DomainError) as caught:
        services.validate(cert("91210100730000017Q", "signing", 40), "signing")
    assert caught.value.detail == {"reason": "untrusted_root"}


def test_test_ca_never_in_production_and_real_ca_never_in_the_sandbox(
    settings: Any, make_user: Callable[..., Any]
) -> None:
    admin = make_user(Role.SYSTEM_ADMIN)
    settings.GGZY_PRODUCTION = True
    with pytest.raises(DomainError) as caught:
        services.ca_add(actor=admin, name="test", root=root(), intermediates=[], is_test=True)
    assert caught.value.code.value == "test_ca_in_production"
    settings.GGZY_PRODUCTION, settings.GGZY_SANDBOX = False, True
    with pytest.raises(DomainError) as caught:
        services.ca_add(actor=admin, name="real", root=root(), intermediates=[], is_test=False)
    assert caught.value.code.value == "real_ca_in_sandbox"
    settings.GGZY_SANDBOX = False
    services.ca_add(actor=admin, name="test", root=root(), intermediates=[], is_test=True)
    settings.GGZY_PRODUCTION = True
    assert [e.id for e in ca_mode()] == ["ggzy.E201"]


def test_holders_are_warned_before_a_certificate_expires(setup: tuple[Client, str]) -> None:
    from ggzy.certs.tasks import warn_expiring
    from ggzy.events.models import Message

    client, uscc = setup
    client.post(
        "/api/v1/certs/mine",
        data={"certificate": b64(cert(uscc, "signing", 60, days=30)), "usage": "signing"},
        content_type="application/json",
    )
    client.post(  # bound with 5 days left: the 7-day warning is still due, caught up at once
        "/api/v1/certs/mine",
        data={"certificate": b64(cert(uscc, "encryption", 61, days=5)), "usage": "encryption"},
        content_type="application/json",
    )
    assert warn_expiring() == 2
    assert warn_expiring() == 0  # each warning once
    subjects = sorted(m.subject for m in Message.objects.filter(template="certs.expiring"))
    assert any(" 5 " in s for s in subjects)
    assert any(" 30 " in s for s in subjects)
    page = client.get("/workspace/certificates/").content.decode()
    assert "30" in page
    assert "text-bg-warning" in page


def test_each_expiry_warning_is_due_once_and_a_missed_day_is_caught_up() -> None:
    from ggzy.certs.models import BoundCertificate
    from ggzy.certs.selectors import due_warning

    now = clock.now()
    c = BoundCertificate(not_after=now + 40 * DAY)
    assert due_warning(c, now) is None  # 40 days left: nothing yet
    assert due_warning(c, now + 10 * DAY) == 30
    c.warned_days = 30
    assert due_warning(c, now + 12 * DAY) is None  # 28 days left: the 30-day warning was given
    assert due_warning(c, now + 34 * DAY) == 7  # the tick missed day 7; at 6 days left it is caught up
    c.warned_days = 7
    assert due_warning(c, now + 36 * DAY) is None
    assert due_warning(c, now + 39 * DAY) == 1
    c.warned_days = 1
    assert due_warning(c, now + 39 * DAY) is None
    assert due_warning(BoundCertificate(not_after=now - DAY), now) is None  # expired: no warning
