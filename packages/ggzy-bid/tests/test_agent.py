"""The local signing agent over real HTTP on 127.0.0.1, and the command-line fallback."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ggzy_bid.agent import Agent, AgentServer
from ggzy_bid.cli import main
from ggzy_sm.errors import IntegrityError
from ggzy_sm.keys import write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey

KEY = Sm2PrivateKey.generate()
PLATFORM = "http://127.0.0.1:8000"
CHALLENGE = {"origin": PLATFORM + "/", "nonce": "ab" * 16, "time": "2026-11-28T10:00:00.000000Z"}


@pytest.fixture
def agent() -> Iterator[tuple[AgentServer, list[str]]]:
    asked: list[str] = []

    def approve(origin: str, purpose: str, payload: dict[str, Any]) -> bool:
        asked.append(payload.get("nonce", ""))
        return payload.get("nonce") != "declined" + "0" * 24

    server = AgentServer(
        Agent(key=KEY, certificate=b"DER", origins=frozenset({PLATFORM}), approve=approve, log=asked.append),
        port=0,
    )
    server.start()
    yield server, asked
    server.shutdown()
    server.server_close()


def call(
    server: AgentServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    origin: str | None = PLATFORM,
    host: str | None = None,
) -> tuple[int, dict[str, str], Any]:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    headers = {"Content-Type": "application/json"}
    if origin is not None:
        headers["Origin"] = origin
    if host is not None:
        headers["Host"] = host
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), json.loads(data) if data else None


def test_the_agent_signs_a_login_challenge_for_its_platform(agent: tuple[AgentServer, list[str]]) -> None:
    server, _ = agent
    status, headers, info = call(server, "GET", "/v1/info")
    assert status == 200
    assert info["public_key"] == KEY.public_key.hex()
    assert headers["Access-Control-Allow-Origin"] == PLATFORM
    status, _, signed = call(server, "POST", "/v1/sign", {"purpose": "ggzy-login-v1", "payload": CHALLENGE})
    assert status == 200
    KEY.public_key.verify("ggzy-login-v1", CHALLENGE, bytes.fromhex(signed["signature"]))
    with pytest.raises(IntegrityError):  # the signature serves the login and nothing else
        KEY.public_key.verify("ggzy-bid-v1", CHALLENGE, bytes.fromhex(signed["signature"]))
    status, headers, _ = call(server, "OPTIONS", "/v1/sign")  # the browser's CORS preflight
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == PLATFORM


@pytest.mark.parametrize(
    ("origin", "host", "body", "status", "code"),
    [
        (
            "https://evil.example",
            None,
            {"purpose": "ggzy-login-v1", "payload": CHALLENGE},
            403,
            "origin_not_allowed",
        ),
        (None, None, {"purpose": "ggzy-login-v1", "payload": CHALLENGE}, 403, "origin_not_allowed"),
        (
            PLATFORM,
            "rebind.example:18480",
            {"purpose": "ggzy-login-v1", "payload": CHALLENGE},
            403,
            "bad_host",
        ),
        (PLATFORM, None, {"purpose": "ggzy-bid-v1", "payload": CHALLENGE}, 403, "purpose_not_allowed"),
        (
            PLATFORM,
            None,
            {"purpose": "ggzy-login-v1", "payload": {**CHALLENGE, "origin": "https://other.example/"}},
            403,
            "payload_invalid",
        ),
        (
            PLATFORM,
            None,
            {"purpose": "ggzy-login-v1", "payload": {**CHALLENGE, "extra": "x"}},
            400,
            "payload_invalid",
        ),
        (PLATFORM, None, {"purpose": "ggzy-login-v1"}, 400, "payload_invalid"),
        (
            PLATFORM,
            None,
            {"purpose": "ggzy-login-v1", "payload": {**CHALLENGE, "nonce": "declined" + "0" * 24}},
            403,
            "declined",
        ),
    ],
)
def test_the_agent_refuses_what_it_should_not_sign(  # noqa: PLR0917 (parametrized)
    agent: tuple[AgentServer, list[str]],
    origin: str | None,
    host: str | None,
    body: Any,
    status: int,
    code: str,
) -> None:
    server, asked = agent
    got, headers, answer = call(server, "POST", "/v1/sign", body, origin=origin, host=host)
    assert (got, answer["error"]) == (status, code)
    assert "signature" not in answer
    if origin != PLATFORM:
        assert "Access-Control-Allow-Origin" not in headers  # a foreign page cannot even read the refusal
    assert not any(line.startswith("signed") for line in asked)


def test_login_sign_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "sign.key"
    write_key_file(KEY, key_file, "holder-passphrase", iterations=1000)
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    challenge = json.dumps({"purpose": "ggzy-login-v1", "payload": CHALLENGE})
    assert main(["login-sign", "--key", str(key_file), "--origin", PLATFORM, challenge]) == 0
    signature = bytes.fromhex(capsys.readouterr().out.strip())
    KEY.public_key.verify("ggzy-login-v1", CHALLENGE, signature)
    other_purpose = json.dumps({"purpose": "ggzy-bid-v1", "payload": CHALLENGE})
    assert main(["login-sign", "--key", str(key_file), other_purpose]) == 2
    assert main(["login-sign", "--key", str(key_file), "--origin", "https://other.example", challenge]) == 2
    assert main(["login-sign", "--key", str(key_file), "not json"]) == 2
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "wrong-passphrase")
    assert main(["login-sign", "--key", str(key_file), challenge]) == 2
    assert "passphrase" in capsys.readouterr().err


def test_seal_inspect_and_release_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bidder seals with its signing key and encryption certificate, checks the file, and at the
    opening produces the signed release that opens it."""
    import datetime as dt

    from ggzy_sm import sealedbid, x509

    now = dt.datetime.now(dt.UTC)
    ca = Sm2PrivateKey.generate()
    enc = Sm2PrivateKey.generate()
    name = {"common_name": "Test CA"}

    def cert(key: Sm2PrivateKey, usage: x509.Usage, serial: int) -> bytes:
        return x509.issue(
            issuer_key=ca, issuer=name, public_key=key.public_key,
            subject={"common_name": "天成建设", "serial_number": "91210100730000017Q"}, serial=serial,
            not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=365), usage=usage,
        )  # fmt: skip

    (tmp_path / "sign.cer").write_bytes(cert(KEY, "signing", 2))
    (tmp_path / "enc.cer").write_bytes(cert(enc, "encryption", 3))
    write_key_file(KEY, tmp_path / "sign.key", "holder-passphrase", iterations=1000)
    write_key_file(enc, tmp_path / "enc.key", "holder-passphrase", iterations=1000)
    (tmp_path / "sheet.json").write_text(
        '{"schema": "ggzy-opening-sheet-v1", "price": {"kind": "amount", "fen": 880000000}}', encoding="utf-8"
    )
    (tmp_path / "技术标.pdf").write_bytes(b"%PDF-1.7 technical")
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    bid = tmp_path / "bid.ggzybid"
    assert main([
        "seal", "--section", "A2101002026000001001001", "--bidder", "91210100730000017Q",
        "--deadline", "2026-12-20T09:30:00+08:00", "--opening-sheet", str(tmp_path / "sheet.json"),
        "--key", str(tmp_path / "sign.key"), "--certificate", str(tmp_path / "sign.cer"),
        "--encryption-certificate", str(tmp_path / "enc.cer"), "--out", str(bid),
        str(tmp_path / "技术标.pdf"),
    ]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["inspect", str(bid)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["verified"] is True
    assert shown["section"] == "A2101002026000001001001"
    assert (
        main(
            [
                "release",
                "--key",
                str(tmp_path / "sign.key"),
                "--encryption-key",
                str(tmp_path / "enc.key"),
                str(bid),
            ]
        )
        == 0
    )
    signed = json.loads(capsys.readouterr().out)
    parsed = sealedbid.read(bid)
    dek = sealedbid.check_release(parsed, signed, KEY.public_key)
    sealedbid.open_bid(parsed, dek, tmp_path / "opened")
    assert (tmp_path / "opened" / "documents" / "技术标.pdf").read_bytes() == b"%PDF-1.7 technical"
    assert (
        main(
            [
                "release",
                "--key",
                str(tmp_path / "sign.key"),
                "--encryption-key",
                str(tmp_path / "sign.key"),
                str(bid),
            ]
        )
        == 2
    )
