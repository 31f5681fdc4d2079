"""In a real browser: a bidder signs in with the signing key held by the local signing agent (the real
`ggzy-bid agent` process on 127.0.0.1) and sees a warning for a certificate that expires in 5 days; a
login challenge signed for another purpose, pasted through the command-line fallback, is refused."""

from __future__ import annotations

import copy
import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from csp.constants import SELF
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ggzy.accounts.parties import membership_add, organisation_register
from ggzy.certs import services
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy_sm import x509
from ggzy_sm.files import write_atomic
from ggzy_sm.keys import write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.factories import make_uscc
from tests.outside import free_port

pytestmark = pytest.mark.django_db(transaction=True)
DAY = dt.timedelta(days=1)
CA_KEY, SIGN_KEY, ENC_KEY = (Sm2PrivateKey.generate() for _ in range(3))
CA = {"common_name": "浏览器测试 CA"}


def issue(subject: dict[str, str], key: Sm2PrivateKey, usage: x509.Usage, serial: int, days: int) -> bytes:
    now = clock.now()
    return x509.issue(
        issuer_key=CA_KEY,
        issuer=CA,
        subject=subject,
        public_key=key.public_key,
        serial=serial,
        not_before=now - 10 * DAY,
        not_after=now + days * DAY,
        usage=usage,
    )


@pytest.fixture
def holder(make_user: Callable[..., Any], tmp_path: Path) -> Path:
    """A bidder with a signing certificate (a year) and an encryption certificate (5 days left)."""
    services.ca_add(
        actor=None,
        name="浏览器测试 CA",
        root=issue(CA, CA_KEY, "ca", 1, 3650),
        intermediates=[],
        is_test=True,
    )
    user = make_user(Role.RESPONDER, username="ukey-bidder")
    uscc = make_uscc()
    organisation = organisation_register(
        actor=None,
        uscc=uscc,
        name="辽宁天成建设",
        legal_representative="陈",
        contact_name="陈",
        contact_phone="13900000009",
    )
    membership_add(actor=None, user=user, organisation=organisation)
    subject = {"common_name": "辽宁天成建设", "serial_number": uscc}
    signing = issue(subject, SIGN_KEY, "signing", 10, 365)
    services.certificate_bind(actor=user, user=user, der=signing, usage="signing")
    services.certificate_bind(
        actor=user, user=user, der=issue(subject, ENC_KEY, "encryption", 11, 5), usage="encryption"
    )
    write_key_file(SIGN_KEY, tmp_path / "sign.key", "ukey-passphrase", iterations=1000)
    write_atomic(tmp_path / "sign.cer", signing)
    return tmp_path


@pytest.fixture
def agent(holder: Path, live_server: Any, settings: Any) -> Iterator[str]:
    """The real agent process, for the live server's origin, on a free port the CSP allows."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings.GGZY_SIGNING_AGENT_URL = url
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["connect-src"] = [SELF, url]
    settings.CONTENT_SECURITY_POLICY = policy
    process = subprocess.Popen(
        [
            sys.executable, "-m", "ggzy_bid.cli", "agent", "--auto-approve", "--port", str(port),
            "--key", str(holder / "sign.key"), "--certificate", str(holder / "sign.cer"),
            "--origin", live_server.url,
        ],
        env={**os.environ, "GGZY_BID_PASSPHRASE": "ukey-passphrase"},
        stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/v1/info", headers={"Origin": live_server.url})
            if connection.getresponse().status == 200:
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the signing agent did not start: {process.communicate()[1].decode()}")
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.clause("8.1.3")
def test_a_bidder_signs_in_through_the_local_agent_and_sees_the_expiry_warning(
    page: Any, live_server: Any, agent: str
) -> None:
    page.goto(live_server.url + "/accounts/login/?next=/workspace/certificates/")
    page.get_by_label("用户名").fill("ukey-bidder")
    page.get_by_role("button", name="用签名助手登录").click()
    try:
        page.wait_for_url(lambda url: url.endswith("/workspace/certificates/") and "login" not in url)
    except PlaywrightTimeout:  # show what the page said instead of a bare timeout
        pytest.fail(f"not signed in: {page.locator('#sig-status').inner_text()}")
    warning = page.locator("td .badge.text-bg-warning")
    assert warning.count() == 1
    assert "5" in warning.inner_text()
    assert page.get_by_role("heading", name="我的证书").is_visible()
    assert Event.objects.filter(type="auth.signature.succeeded", actor_id__isnull=False).count() == 1


@pytest.mark.clause("8.1.3")
def test_a_challenge_signed_for_another_purpose_is_refused(page: Any, live_server: Any, holder: Path) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("ukey-bidder")
    page.locator("#sig-manual summary").click()
    page.get_by_role("button", name="获取挑战").click()
    page.wait_for_selector("#sig-qr:not([hidden])")  # a selector, not a script: the CSP forbids eval
    assert page.locator("#sig-qr").is_visible()  # the challenge as a QR code too
    challenge = json.loads(page.locator("#sig-challenge").inner_text())
    assert challenge["purpose"] == "ggzy-login-v1"
    wrong = SIGN_KEY.sign("ggzy-bid-v1", challenge["payload"]).hex()  # the right key, another purpose
    page.locator("#sig-signature").fill(wrong)
    page.get_by_role("button", name="用此签名登录").click()
    page.wait_for_selector("#sig-status.alert-danger")
    assert "签名" in page.locator("#sig-status").inner_text()
    assert "/accounts/login/" in page.url
    assert Event.objects.filter(type="auth.signature.failed").count() == 1
    assert not Event.objects.filter(type="auth.signature.succeeded").exists()
