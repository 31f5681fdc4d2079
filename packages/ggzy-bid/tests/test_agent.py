"""The local signing agent over real HTTP on 127.0.0.1, and the command-line fallback."""

from __future__ import annotations

import datetime as dt
import http.client
import io
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ggzy_bid.agent import Agent, AgentServer, AutoApproval, Refused
from ggzy_bid.cli import main
from ggzy_bid.commands import signing
from ggzy_sm.canonical import format_instant
from ggzy_sm.errors import IntegrityError
from ggzy_sm.keys import write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey

KEY = Sm2PrivateKey.generate()
PLATFORM = "http://127.0.0.1:8000"
CHALLENGE = {"origin": PLATFORM + "/", "nonce": "ab" * 16, "time": "2026-11-28T10:00:00.000000Z"}
MINUTE = dt.timedelta(minutes=1)


def challenge(*, age: dt.timedelta = dt.timedelta(0), **changes: str) -> dict[str, str]:
    """A login challenge as the platform issues it: a new nonce, issued `age` ago (now by default)."""
    issued = format_instant(dt.datetime.now(dt.UTC) - age)
    return {"origin": PLATFORM + "/", "nonce": secrets.token_hex(16), "time": issued, **changes}


def login(payload: dict[str, str]) -> dict[str, Any]:
    return {"purpose": "ggzy-login-v1", "payload": payload}


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
    fresh = challenge()
    status, _, signed = call(server, "POST", "/v1/sign", login(fresh))
    assert status == 200
    KEY.public_key.verify("ggzy-login-v1", fresh, bytes.fromhex(signed["signature"]))
    with pytest.raises(IntegrityError):  # the signature serves the login and nothing else
        KEY.public_key.verify("ggzy-bid-v1", fresh, bytes.fromhex(signed["signature"]))
    status, headers, _ = call(server, "OPTIONS", "/v1/sign")  # the browser's CORS preflight
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == PLATFORM


@pytest.mark.parametrize(
    ("origin", "host", "body", "status", "code"),
    [
        ("https://evil.example", None, lambda: login(challenge()), 403, "origin_not_allowed"),
        (None, None, lambda: login(challenge()), 403, "origin_not_allowed"),
        (PLATFORM, "rebind.example:18480", lambda: login(challenge()), 403, "bad_host"),
        (
            PLATFORM,
            None,
            lambda: {"purpose": "ggzy-bid-v1", "payload": challenge()},
            403,
            "purpose_not_allowed",
        ),
        (PLATFORM, None, lambda: login(challenge(origin="https://other.example/")), 403, "payload_invalid"),
        (PLATFORM, None, lambda: login({**challenge(), "extra": "x"}), 400, "payload_invalid"),
        (PLATFORM, None, lambda: {"purpose": "ggzy-login-v1"}, 400, "payload_invalid"),
        (PLATFORM, None, lambda: login(challenge(nonce="declined" + "0" * 24)), 403, "declined"),
        # harvesting: a challenge for later (or from long ago), or one with a made-up time
        (PLATFORM, None, lambda: login(challenge(age=-3 * MINUTE)), 403, "challenge_stale"),
        (PLATFORM, None, lambda: login(challenge(age=3 * MINUTE)), 403, "challenge_stale"),
        (PLATFORM, None, lambda: login(challenge(age=24 * 60 * MINUTE)), 403, "challenge_stale"),
        (PLATFORM, None, lambda: login(challenge(time="2026-12-05T10:00:00+08:00")), 400, "payload_invalid"),
        (PLATFORM, None, lambda: login(challenge(time="later")), 400, "payload_invalid"),
    ],
)
def test_the_agent_refuses_what_it_should_not_sign(  # noqa: PLR0917 (parametrized)
    agent: tuple[AgentServer, list[str]],
    origin: str | None,
    host: str | None,
    body: Callable[[], Any],
    status: int,
    code: str,
) -> None:
    server, asked = agent
    sent = body()
    got, headers, answer = call(server, "POST", "/v1/sign", sent, origin=origin, host=host)
    assert (got, answer["error"]) == (status, code)
    assert "signature" not in answer
    if origin != PLATFORM:
        assert "Access-Control-Allow-Origin" not in headers  # a foreign page cannot even read the refusal
    assert not any(line.startswith("signed") for line in asked)
    if code == "challenge_stale":  # refused before the holder is asked, and logged
        nonce = json.dumps(sent["payload"]["nonce"])
        assert asked == [f"refused (challenge_stale): ggzy-login-v1 for {PLATFORM}, nonce {nonce}"]


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


def test_the_agent_signs_a_challenge_once(agent: tuple[AgentServer, list[str]]) -> None:
    """A nonce signed once is refused after (harvesting the same challenge again, or with a new time);
    a declined challenge is not spent: the holder may be asked again."""
    server, asked = agent
    fresh = challenge()
    assert call(server, "POST", "/v1/sign", login(fresh))[0] == 200
    nonce = json.dumps(fresh["nonce"])
    assert asked[-1] == f"signed: ggzy-login-v1 for {PLATFORM}, nonce {nonce}, approved by the holder"
    for again in (
        fresh,
        {**fresh, "time": challenge()["time"]},
        {**fresh, "time": challenge(age=MINUTE)["time"]},
    ):
        status, _, answer = call(server, "POST", "/v1/sign", login(again))
        assert (status, answer["error"]) == (403, "challenge_replayed")
        assert asked[-1] == f"refused (challenge_replayed): ggzy-login-v1 for {PLATFORM}, nonce {nonce}"
    assert asked.count(fresh["nonce"]) == 1  # the holder was asked once
    declined = challenge(nonce="declined" + "0" * 24)
    for _ in range(2):
        status, _, answer = call(server, "POST", "/v1/sign", login(declined))
        assert (status, answer["error"]) == (403, "declined")
    assert asked.count(declined["nonce"]) == 2


class Clock:
    """An injectable clock: wall time for freshness, monotonic seconds for the auto-approval budget."""

    def __init__(self) -> None:
        self.wall = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)
        self.seconds = 1000.0

    def now(self) -> dt.datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.seconds

    def advance(self, delta: dt.timedelta) -> None:
        self.wall += delta
        self.seconds += delta.total_seconds()

    def challenge(self, nonce: str | None = None, *, age: dt.timedelta = dt.timedelta(0)) -> dict[str, Any]:
        return login(challenge(nonce=nonce or secrets.token_hex(16), time=format_instant(self.wall - age)))


def make_agent(
    clock: Clock, approve: Callable[[str, str, dict[str, Any]], bool], log: list[str], **options: Any
) -> Agent:
    return Agent(
        key=KEY, certificate=b"DER", origins=frozenset({PLATFORM}), approve=approve, log=log.append,
        clock=clock.now, **options,
    )  # fmt: skip


def test_a_challenge_is_fresh_for_two_minutes_either_way_of_the_agents_clock() -> None:
    clock, log = Clock(), list[str]()
    agent = make_agent(clock, lambda *_: True, log)
    second = dt.timedelta(seconds=1)
    for age in (dt.timedelta(0), 2 * MINUTE - second, -2 * MINUTE + second, 2 * MINUTE, -2 * MINUTE):
        agent.sign(PLATFORM, clock.challenge(age=age))
    for age in (2 * MINUTE + second, -2 * MINUTE - second, 60 * MINUTE):
        with pytest.raises(Refused) as refused:
            agent.sign(PLATFORM, clock.challenge(age=age))
        assert (refused.value.status, refused.value.code) == (403, "challenge_stale")

    def slow_holder(origin: str, purpose: str, payload: dict[str, Any]) -> bool:
        clock.advance(3 * MINUTE)  # the holder answers the prompt three minutes later
        return True

    agent.approve = slow_holder
    with pytest.raises(Refused) as refused:
        agent.sign(PLATFORM, clock.challenge())
    assert refused.value.code == "challenge_stale"
    assert log[-1].startswith("refused (challenge_stale): ggzy-login-v1 for")


def test_a_challenge_waiting_at_the_prompt_cannot_be_signed_a_second_time() -> None:
    clock, log = Clock(), list[str]()
    asking, answer = threading.Event(), threading.Event()

    def holder(origin: str, purpose: str, payload: dict[str, Any]) -> bool:
        asking.set()
        return answer.wait(5)

    agent = make_agent(clock, holder, log)
    request = clock.challenge()
    results: list[Any] = []
    first = threading.Thread(target=lambda: results.append(agent.sign(PLATFORM, request)))
    first.start()
    assert asking.wait(5)
    with pytest.raises(Refused) as refused:  # while the holder is being asked
        agent.sign(PLATFORM, request)
    assert refused.value.code == "challenge_replayed"
    answer.set()
    first.join(5)
    assert len(results) == 1
    KEY.public_key.verify("ggzy-login-v1", request["payload"], bytes.fromhex(results[0]["signature"]))


def test_the_agent_remembers_a_bounded_number_of_nonces() -> None:
    clock, log = Clock(), list[str]()
    agent = make_agent(clock, lambda *_: True, log, nonce_memory=3)
    requests = [clock.challenge(f"nonce-{i}") for i in range(5)]
    for request in requests:
        agent.sign(PLATFORM, request)
    assert list(agent._signed) == ["nonce-2", "nonce-3", "nonce-4"]
    for request in requests[2:]:
        with pytest.raises(Refused, match="signed this challenge before"):
            agent.sign(PLATFORM, request)


def budget(clock: Clock, asked: list[str], log: list[str], **limits: int) -> AutoApproval:
    def holder(origin: str, purpose: str, payload: dict[str, Any]) -> bool:
        asked.append(payload["nonce"])
        return False  # the holder (or nobody) declines

    return AutoApproval(fallback=holder, clock=clock.monotonic, log=log.append, **limits)


def test_auto_approval_ends_after_its_count_then_the_holder_is_asked() -> None:
    clock, asked, log = Clock(), list[str](), list[str]()
    agent = make_agent(clock, budget(clock, asked, log, count=2), log)
    signed = [clock.challenge(), clock.challenge()]
    for request in signed:
        agent.sign(PLATFORM, request)
    with pytest.raises(Refused) as stale:  # a stale challenge does not spend the budget either
        agent.sign(PLATFORM, clock.challenge(age=10 * MINUTE))
    assert stale.value.code == "challenge_stale"
    third = clock.challenge()
    with pytest.raises(Refused) as refused:
        agent.sign(PLATFORM, third)
    assert refused.value.code == "declined"
    assert asked == [third["payload"]["nonce"]]  # only once the budget is spent
    with pytest.raises(Refused):
        agent.sign(PLATFORM, clock.challenge())
    assert len(asked) == 2
    nonces = [json.dumps(request["payload"]["nonce"]) for request in signed]
    assert [line for line in log if line.startswith(("signed", "auto-approval"))] == [
        f"signed: ggzy-login-v1 for {PLATFORM}, nonce {nonces[0]}, auto-approved",
        f"signed: ggzy-login-v1 for {PLATFORM}, nonce {nonces[1]}, auto-approved",
        "auto-approval has ended (after 2 signatures): each signature is asked for from now on",
    ]


def test_auto_approval_ends_after_its_minutes_then_the_holder_is_asked() -> None:
    clock, asked, log = Clock(), list[str](), list[str]()
    agent = make_agent(clock, budget(clock, asked, log, minutes=5, count=1000), log)
    for _ in range(4):
        agent.sign(PLATFORM, clock.challenge())
        clock.advance(MINUTE + dt.timedelta(seconds=14))  # 4:56 in all
    agent.sign(PLATFORM, clock.challenge())
    assert asked == []
    clock.advance(dt.timedelta(seconds=4))  # 5:00
    with pytest.raises(Refused) as refused:
        agent.sign(PLATFORM, clock.challenge())
    assert refused.value.code == "declined"
    assert len(asked) == 1
    assert "auto-approval has ended (after 5 minutes): each signature is asked for from now on" in log
    assert sum(line.endswith("auto-approved") for line in log) == 5


def test_after_auto_approval_the_prompt_declines_without_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    clock, log = Clock(), list[str]()
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # an answer, but no terminal to ask on
    approval = AutoApproval(fallback=signing._prompt, count=1, clock=clock.monotonic, log=log.append)
    agent = make_agent(clock, approval, log)
    agent.sign(PLATFORM, clock.challenge())
    with pytest.raises(Refused) as refused:
        agent.sign(PLATFORM, clock.challenge())
    assert refused.value.code == "declined"
    assert approval(PLATFORM, "ggzy-login-v1", clock.challenge()["payload"]) is False


@pytest.mark.parametrize(("minutes", "count"), [(0, 20), (481, 20), (10, 0), (10, 1001)])
def test_auto_approval_is_bounded(minutes: int, count: int) -> None:
    with pytest.raises(ValueError, match="auto-approval"):
        AutoApproval(fallback=signing._prompt, minutes=minutes, count=count)


@pytest.fixture
def agent_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    write_key_file(KEY, tmp_path / "sign.key", "holder-passphrase", iterations=1000)
    (tmp_path / "sign.cer").write_bytes(b"DER")
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    return ["agent", "--key", str(tmp_path / "sign.key"), "--certificate", str(tmp_path / "sign.cer"),
            "--origin", PLATFORM]  # fmt: skip


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Agent]:
    """The agents `ggzy-bid agent` would serve (the server stops at once, as on Ctrl-C)."""
    agents: list[Agent] = []

    class Server:
        server_port = 18480

        def __init__(self, agent: Agent, port: int) -> None:
            agents.append(agent)

        def serve_forever(self) -> None:
            raise KeyboardInterrupt

        def server_close(self) -> None:
            pass

    monkeypatch.setattr(signing, "AgentServer", Server)
    return agents


@pytest.mark.parametrize(
    ("options", "minutes", "count"),
    [([], 10, 20), (["--auto-approve-minutes", "480", "--auto-approve-count", "1000"], 480, 1000),
     (["--auto-approve-count", "1"], 10, 1)],
)  # fmt: skip
def test_the_agent_command_bounds_auto_approval_and_warns(  # noqa: PLR0917 (parametrized)
    agent_files: list[str],
    served: list[Agent],
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    minutes: int,
    count: int,
) -> None:
    assert main([*agent_files, "--auto-approve", *options]) == 0
    approval = served[0].approve
    assert isinstance(approval, AutoApproval)
    assert (approval.minutes, approval.count, approval.fallback) == (minutes, count, signing._prompt)
    warning = " ".join(capsys.readouterr().err.split())
    assert "WARNING" in warning
    assert f"for {minutes} minutes or {count} signatures" in warning
    assert (
        f"ANY program running on this computer as this user can obtain sign-in signatures for {PLATFORM}"
        in warning
    )


def test_the_agent_command_asks_without_auto_approve(
    agent_files: list[str], served: list[Agent], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(agent_files) == 0
    assert served[0].approve is signing._prompt
    assert "WARNING" not in capsys.readouterr().err
    assert main([*agent_files, "--auto-approve-minutes", "5"]) == 2  # without --auto-approve
    assert "go with --auto-approve" in capsys.readouterr().err
    assert len(served) == 1


@pytest.mark.parametrize(
    "options",
    [["--auto-approve-minutes", "0"], ["--auto-approve-minutes", "481"], ["--auto-approve-minutes", "ten"],
     ["--auto-approve-minutes", "-5"], ["--auto-approve-count", "0"], ["--auto-approve-count", "1001"],
     ["--auto-approve-count", "2.5"]],
)  # fmt: skip
def test_the_agent_command_refuses_an_auto_approval_budget_out_of_range(
    agent_files: list[str], served: list[Agent], capsys: pytest.CaptureFixture[str], options: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*agent_files, "--auto-approve", *options])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "usage:" in error
    assert f"{options[0]} is a whole number from 1 to" in error
    assert served == []
