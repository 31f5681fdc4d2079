"""Standard 9.2.1 (network and information security; prevention and monitoring), as far as the platform
has it: every real response — the portal, the sign-in page, a workspace, the back office, the API and an
error page — carries a strict Content-Security-Policy with a fresh nonce on every script and the other
security headers; behind TLS (GGZY_HTTPS=1) HSTS and secure cookies; and repeated failed sign-ins lock
the account and are recorded as security events that the audit administrator reads."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from ggzy.core.roles import Role

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Pw-for-tests-1"
#: The directives the policy must hold, whatever else it says.
STRICT = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _directives(policy: str) -> dict[str, str]:
    return {
        name: value.strip()
        for name, _, value in (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    }


def assert_secure(response: Any) -> str:
    """The security headers of one response; returns its script nonce."""
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    directives = _directives(policy)
    for name, value in STRICT.items():
        assert directives.get(name) == value, (name, policy)
    script = re.fullmatch(r"'self'(?: 'nonce-([A-Za-z0-9+/=_-]{16,})')?", directives["script-src"])
    assert script, policy
    nonce = script.group(1) or ""
    assert directives["style-src"] == directives["script-src"]
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):  # our own files, or by the nonce: nothing inline
            own_file = re.search(r'\bsrc="/(?!/)', tag)
            assert own_file or "application/json" in tag or (nonce and f'nonce="{nonce}"' in tag), tag
    return nonce


@pytest.mark.clause("9.2.1")
def test_every_kind_of_response_carries_a_strict_csp_with_nonces_and_the_security_headers(
    client: Client, client_as: Callable[..., Client]
) -> None:
    staff = client_as(Role.CENTRE_STAFF)
    admin = client_as(Role.SYSTEM_ADMIN)
    responses = {
        "portal": client.get("/"),
        "sign-in page": client.get("/accounts/login/"),
        "workspace": staff.get("/workspace/"),
        "back office": admin.get("/admin/"),
        "API": client.get("/api/v1/health"),
        "API refusal": client.get("/api/v1/me"),
        "missing page": client.get("/no-such-page/"),
    }
    assert {name: r.status_code for name, r in responses.items()} == {
        "portal": 200,
        "sign-in page": 200,
        "workspace": 302,  # to the role's own workspace
        "back office": 200,
        "API": 200,
        "API refusal": 401,
        "missing page": 404,
    }
    nonces = [n for n in (assert_secure(response) for response in responses.values()) if n]
    assert len(nonces) >= 3  # the platform's pages: portal, sign-in, the error page
    assert len(set(nonces)) == len(nonces)  # a fresh nonce for every response
    page = client.get("/")
    assert re.search(r"<script\b[^>]*\bnonce=", page.content.decode())  # the portal's scripts carry it


@pytest.mark.clause("9.2.1")
def test_behind_tls_the_platform_asks_for_hsts_and_secure_cookies(tmp_path: Path) -> None:
    code = (
        "import ggzy.settings as s; print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_HTTPONLY)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GGZY_", "DJANGO_"))}
    shown = subprocess.run(
        [sys.executable, "-c", code],
        env=clean | {"GGZY_VAR_DIR": str(tmp_path), "GGZY_HTTPS": "1"},
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert shown.stdout.split() == ["31536000", "True", "True", "True", "True"]


@pytest.mark.clause("9.2.1")
def test_repeated_failed_sign_ins_lock_the_account_and_the_audit_administrator_sees_it(
    make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    make_user(Role.RESPONDER, username="target", password=PASSWORD)
    attacker = Client()
    for _ in range(5):
        attacker.post("/accounts/login/", {"username": "target", "password": "guessed-wrong-1"})
    refused = attacker.post("/accounts/login/", {"username": "target", "password": PASSWORD})
    assert refused.status_code == 200  # the right password, but the account is locked
    assert "_auth_user_id" not in attacker.session
    auditor = client_as(Role.AUDIT_ADMIN)
    seen = auditor.get("/api/v1/events?event_class=security&limit=500").json()["items"]
    about_target = [e["type"] for e in seen if e["actor"] and "target" in e["actor"]]
    assert "auth.account.locked" in about_target
    assert "auth.login.refused_locked" in about_target
    bidder = client_as(Role.RESPONDER)  # not for everyone's eyes
    theirs = bidder.get("/api/v1/events?event_class=security&limit=500").json()["items"]
    assert not [e for e in theirs if e["actor"] and "target" in e["actor"]]
