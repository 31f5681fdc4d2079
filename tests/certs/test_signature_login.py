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


def bind_signing_certificate(user: Any, organisation_name: str, serial: int) -> None:
    """The test CA (added once), an organisation `user` belongs to, and a signing certificate of it
    bound to `user` (its key is HOLDER_KEY)."""
    from ggzy.accounts.parties import membership_add, organisation_register
    from ggzy.certs.models import CertificateAuthority

    if not CertificateAuthority.objects.exists():
        services.ca_add(actor=None, name="测试 CA", root=root(), intermediates=[], is_test=True)
    uscc = make_uscc()
    organisation = organisation_register(
        actor=None,
        uscc=uscc,
        name=organisation_name,
        legal_representative="马",
        contact_name="赵",
        contact_phone="13900000001",
    )
    membership_add(actor=None, user=user, organisation=organisation)
    services.certificate_bind(actor=user, user=user, der=cert(uscc, "signing", serial), usage="signing")


@pytest.fixture
def holder(make_user: Callable[..., Any]) -> Any:
    user = make_user(Role.AGENT, username="signer")
    bind_signing_certificate(user, "中咨代理", 50)
    return user


def challenge(client: Client, username: str) -> dict[str, Any]:
    return client.post(
        "/api/v1/auth/challenge", data={"username": username}, content_type="application/json"
    ).json()


def sign_in_with(
    client: Client, issued: dict[str, Any], key: Any = HOLDER_KEY, purpose: str = "ggzy-login-v1"
) -> Any:
    """Sign the challenge with `key` (for `purpose`) and post it, as the page does."""
    return client.post(
        "/api/v1/auth/signature",
        data={"nonce": issued["payload"]["nonce"], "signature": key.sign(purpose, issued["payload"]).hex()},
        content_type="application/json",
    )


@pytest.mark.clause("8.1.3")
def test_signature_login_with_the_bound_signing_key(holder: Any) -> None:
    client = Client()
    issued = challenge(client, "signer")
    assert issued["purpose"] == "ggzy-login-v1"
    assert issued.pop("qr").startswith("data:image/svg+xml")  # the same challenge for a phone app
    response = sign_in_with(client, issued)
    assert response.status_code == 200
    assert response.json() == {"username": "signer", "next": ""}
    assert client.get("/api/v1/me").json()["username"] == "signer"
    again = sign_in_with(Client(), issued)
    assert again.json()["code"] == "challenge_invalid"  # a challenge is used once
    assert Event.objects.filter(type="auth.signature.succeeded").count() == 1


def test_a_wrong_signature_or_another_purpose_fails(holder: Any) -> None:
    client = Client()
    for signer, purpose in [(Sm2PrivateKey.generate(), "ggzy-login-v1"), (HOLDER_KEY, "ggzy-bid-v1")]:
        response = sign_in_with(client, challenge(client, "signer"), signer, purpose)
        assert response.status_code == 401
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
        response = sign_in_with(client, body)
        answers.append((response.status_code, response.json()["code"], response.json()["message"]))
    assert answers == [answers[0]] * 3
    assert answers[0][:2] == (401, "login_signature_invalid")
    assert "_auth_user_id" not in client.session


def test_the_login_post_needs_the_csrf_token(holder: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = sign_in_with(client, challenge(client, "signer"))
    assert response.json()["code"] == "csrf_failed"


def test_administrators_add_signature_login_once_a_signing_certificate_is_bound(
    make_user: Callable[..., Any],
) -> None:
    admin = make_user(Role.SYSTEM_ADMIN, username="root-admin")
    client = Client()
    refused = sign_in_with(client, challenge(client, "root-admin"))
    assert refused.json()["code"] == "login_signature_invalid"  # bootstrap: password + TOTP only
    bind_signing_certificate(admin, "省公共资源交易中心", 70)
    response = sign_in_with(client, challenge(client, "root-admin"))
    assert response.json() == {"username": "root-admin", "next": "/accounts/totp/"}  # then the second factor
