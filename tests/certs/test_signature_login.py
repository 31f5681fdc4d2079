"""Signature login: a one-time challenge signed by the key of the bound signing certificate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.certs import services
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.certs.test_certs import HOLDER_KEY, cert, root
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(make_user: Callable[..., Any]) -> Any:
    from ggzy.accounts.parties import membership_add, organisation_register

    services.ca_add(actor=None, name="测试 CA", root=root(), intermediates=[], is_test=True)
    user = make_user(Role.AGENT, username="signer")
    uscc = make_uscc()
    organisation = organisation_register(
        actor=None,
        uscc=uscc,
        name="中咨代理",
        legal_representative="马",
        contact_name="赵",
        contact_phone="13900000001",
    )
    membership_add(actor=None, user=user, organisation=organisation)
    services.certificate_bind(actor=user, user=user, der=cert(uscc, "signing", 50), usage="signing")
    return user


def challenge(client: Client, username: str) -> dict[str, Any]:
    return client.post(
        "/api/v1/auth/challenge", data={"username": username}, content_type="application/json"
    ).json()


@pytest.mark.clause("8.1.3")
def test_signature_login_with_the_bound_signing_key(holder: Any) -> None:
    client = Client()
    issued = challenge(client, "signer")
    assert issued["purpose"] == "ggzy-login-v1"
    assert issued.pop("qr").startswith("data:image/svg+xml")  # the same challenge for a phone app
    signature = HOLDER_KEY.sign("ggzy-login-v1", issued["payload"]).hex()
    response = client.post(
        "/api/v1/auth/signature",
        data={"nonce": issued["payload"]["nonce"], "signature": signature},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"username": "signer", "next": ""}
    assert client.get("/api/v1/me").json()["username"] == "signer"
    again = Client().post(
        "/api/v1/auth/signature",
        data={"nonce": issued["payload"]["nonce"], "signature": signature},
        content_type="application/json",
    )
    assert again.json()["code"] == "challenge_invalid"  # a challenge is used once
    assert Event.objects.filter(type="auth.signature.succeeded").count() == 1


def test_a_wrong_signature_or_another_purpose_fails(holder: Any) -> None:
    client = Client()
    issued = challenge(client, "signer")
    for signer, purpose in [(Sm2PrivateKey.generate(), "ggzy-login-v1"), (HOLDER_KEY, "ggzy-bid-v1")]:
        response = client.post(
            "/api/v1/auth/signature",
            data={
                "nonce": issued["payload"]["nonce"],
                "signature": signer.sign(purpose, issued["payload"]).hex(),
            },
            content_type="application/json",
        )
        assert response.status_code == 401
        issued = challenge(client, "signer")
    assert "_auth_user_id" not in client.session
    assert Event.objects.filter(type="auth.signature.failed").count() == 2


@pytest.mark.clause("8.2.1")
@pytest.mark.clause("9.2.1")
def test_staff_use_password_and_totp_and_strangers_learn_nothing(make_user: Callable[..., Any]) -> None:
    """The challenge and the failure look the same for staff, for a name without an account and for
    a holder with a wrong key: nothing tells which accounts exist or what they are."""
    make_user(Role.CENTRE_STAFF, username="clerk")
    make_user(Role.RESPONDER, username="bidder-without-certificate")
    client = Client()
    answers = []
    for name in ("clerk", "nobody-here", "bidder-without-certificate"):
        issued = client.post(
            "/api/v1/auth/challenge", data={"username": name}, content_type="application/json"
        )
        assert issued.status_code == 200
        body = issued.json()
        assert sorted(body) == ["payload", "purpose", "qr"]
        assert sorted(body["payload"]) == ["nonce", "origin", "time"]
        response = client.post(
            "/api/v1/auth/signature",
            data={
                "nonce": body["payload"]["nonce"],
                "signature": HOLDER_KEY.sign("ggzy-login-v1", body["payload"]).hex(),
            },
            content_type="application/json",
        )
        answers.append((response.status_code, response.json()["code"], response.json()["message"]))
    assert answers == [answers[0]] * 3
    assert answers[0][:2] == (401, "login_signature_invalid")
    assert "_auth_user_id" not in client.session


def test_the_login_post_needs_the_csrf_token(holder: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    issued = challenge(client, "signer")
    response = client.post(
        "/api/v1/auth/signature",
        data={
            "nonce": issued["payload"]["nonce"],
            "signature": HOLDER_KEY.sign("ggzy-login-v1", issued["payload"]).hex(),
        },
        content_type="application/json",
    )
    assert response.json()["code"] == "csrf_failed"


def test_administrators_add_signature_login_once_a_signing_certificate_is_bound(
    make_user: Callable[..., Any],
) -> None:
    from ggzy.accounts.parties import membership_add, organisation_register

    services.ca_add(actor=None, name="测试 CA", root=root(), intermediates=[], is_test=True)
    admin = make_user(Role.SYSTEM_ADMIN, username="root-admin")
    client = Client()
    before = challenge(client, "root-admin")
    refused = client.post(
        "/api/v1/auth/signature",
        data={
            "nonce": before["payload"]["nonce"],
            "signature": HOLDER_KEY.sign("ggzy-login-v1", before["payload"]).hex(),
        },
        content_type="application/json",
    )
    assert refused.json()["code"] == "login_signature_invalid"  # bootstrap: password + TOTP only
    uscc = make_uscc()
    organisation = organisation_register(
        actor=None,
        uscc=uscc,
        name="省公共资源交易中心",
        legal_representative="孙",
        contact_name="孙",
        contact_phone="13900000002",
    )
    membership_add(actor=None, user=admin, organisation=organisation)
    services.certificate_bind(actor=admin, user=admin, der=cert(uscc, "signing", 70), usage="signing")
    issued = challenge(client, "root-admin")
    response = client.post(
        "/api/v1/auth/signature",
        data={
            "nonce": issued["payload"]["nonce"],
            "signature": HOLDER_KEY.sign("ggzy-login-v1", issued["payload"]).hex(),
        },
        content_type="application/json",
    )
    assert response.json() == {"username": "root-admin", "next": "/accounts/totp/"}  # then the second factor
