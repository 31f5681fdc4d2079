"""In a real browser: a remote opening (不见面开标, issue 32) with five bidders, each an organisation of its
own with a bound signing certificate, each in its own browser context, each signed in through its own local
signing agent (a real `ggzy-bid agent` process on a port of its own, as on the bidder's own computer).

The fifth bidder sealed its bid in time but uploads it after the deadline: the submit page no longer offers
the section and the platform refuses the upload, so it never enters the hall. Four bids stand. K, which the
documents draw, is committed with real `ggzy-beacon` processes before the deadline (its commitments in a head
that real `ggzy-cosigner` processes co-signed), drawn at its step and recomputed offline with `ggzy-verify
random` from the draw's published record. In the window three bidders release their bids through the hall's
form; no page shows a price (not even one's own) while it lasts, only who is decrypted. The fourth does not
release: when the window closes the custodians open it, and every bidder's page shows every price. At the
close the agent downloads the record, signs it, pastes the signature on the page; the record's event in the
witness log carries the SM3 of the downloaded bytes and its inclusion proof verifies offline against a
co-signed head. The steps table lists every step's scheduled and actual instant.

The second test: without a remedy (`release_remedy` "none") an unreleased bid stays closed; the agent records
撤销 with its reason and evidence on the page; the supervisor and that bidder see the decision, another
bidder does not.

Clocks: the platform's clock is the trade's, frozen in March 2026 and moved by the test between page loads
(`at`: the clock, then the tick). The agents, the beacons and the co-signers keep their machines' clocks, as
their operators' would: a sign-in through an agent, and a tree head the co-signers co-sign, happen on the
real clock (`real_time`), as they would on the day. The hall's pages are loaded again to see each step (the
live channel is not needed here and is not connected)."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from csp.constants import SELF
from django.contrib.auth import get_user_model
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ggzy.accounts import parties
from ggzy.accounts.models import RoleGrant
from ggzy.certs import services as certs_services
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.opening import services as opening
from ggzy.opening.models import Attribution, Hall
from ggzy.sealing import services as sealing
from ggzy.tendering import selectors as tendering_selectors
from ggzy.tendering import services as tendering
from ggzy.witness.models import TreeHead
from ggzy.witness.services import cosign_collect, sth_sign, witness_integrate
from ggzy_sm import x509
from ggzy_sm.document import sign_document
from ggzy_sm.files import write_atomic
from ggzy_sm.keys import write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import sm3
from tests.e2e.conftest import browser_sign_in
from tests.factories import make_uscc
from tests.notices.test_objections import DEADLINE, T0, Trade, trade  # noqa: F401  (trade: the fixture)
from tests.outside import BIN, Beacons, Cosigners, beacons_start, free_port, start_cosigners
from tests.sealing.conftest import CA_KEY, CA_NAME, Bidder, root
from tests.securities.conftest import documents_issue

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)
#: the documents' decryption window (`decryption_window_minutes` of tests/tendering's criteria record)
WINDOW = 60 * MINUTE
PASSPHRASE = "agent key passphrase"
PASSWORD = "Pw-for-tests-1"
NAMES = (
    "辽宁天成建设有限公司",
    "北方路桥有限公司",
    "沈阳城建集团有限公司",
    "盛京安装工程有限公司",
    "浑河市政有限公司",
)
#: the bids' prices in fen; the fifth is the late bid's, never received
PRICES = (1_188_000_000, 1_166_000_000, 1_199_000_000, 1_177_000_000, 1_155_000_000)
#: each price as the opening sheet reads it out (yuan), written out here rather than computed
SHOWN = ("11,880,000.00 元", "11,660,000.00 元", "11,990,000.00 元", "11,770,000.00 元")
#: what of each price any page could show: the yuan with and without separators (the fen contain the latter)
TRACES = (
    ("11,880,000", "11880000"),
    ("11,660,000", "11660000"),
    ("11,990,000", "11990000"),
    ("11,770,000", "11770000"),
    ("11,550,000", "11550000"),
)
STEPS_CAPTION = "开标环节：计划时间与实际时间"
#: the agent's decision 撤销 as the hall shows it
REVOKED = "撤销：由投标人造成（按招标文件规定处理其投标保证金）"
_serials = itertools.count(70_000)


# --- the parties' keys and certificates -----------------------------------------------------------------


def certificate(holder: str, key: Sm2PrivateKey, usage: x509.Usage) -> bytes:
    """A certificate of the test CA the trade's centre accepts, valid from long before the trade's frozen
    clock to a year after the real one: the platform judges it on the first, the agent runs on the second."""
    return x509.issue(
        issuer_key=CA_KEY,
        issuer=CA_NAME,
        subject={"common_name": "投标人", "serial_number": holder},
        public_key=key.public_key,
        serial=next(_serials),
        not_before=T0 - 400 * DAY,
        not_after=dt.datetime.now(dt.UTC) + 365 * DAY,
        usage=usage,
    )


def bidder_make(n: int) -> Bidder:
    """Bidder `n`: an organisation of its own, a responder of it with its dual certificates bound (no
    password: it signs in with its signing key), and the release key it seals with."""
    user = get_user_model().objects.create_user(username=f"hall-bidder-{n}")
    organisation = parties.organisation_register(
        actor=None, uscc=make_uscc(), name=NAMES[n - 1], legal_representative="陈", contact_name="陈",
        contact_phone="13900000009",
    )  # fmt: skip
    parties.membership_add(actor=None, user=user, organisation=organisation)
    RoleGrant.objects.create(
        user=user, role=Role.RESPONDER, organisation=organisation, granted_at=clock.now()
    )
    sign, enc = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    sign_cert = certificate(organisation.uscc, sign, "signing")
    enc_cert = certificate(organisation.uscc, enc, "encryption")
    certs_services.certificate_bind(actor=user, user=user, der=sign_cert, usage="signing")
    certs_services.certificate_bind(actor=user, user=user, der=enc_cert, usage="encryption")
    return Bidder(user, organisation, sign, enc, sign_cert, enc_cert, Sm2PrivateKey.generate())


@contextlib.contextmanager
def real_time(trade: Trade) -> Iterator[None]:  # noqa: F811
    """The platform's clock reads the real time for the block, then the trade's frozen instant again."""
    frozen = clock.authority_now()
    trade.clock.at(dt.datetime.now(dt.UTC))
    try:
        yield
    finally:
        trade.clock.at(frozen)


def at(trade: Trade, instant: dt.datetime) -> None:  # noqa: F811
    """The platform's clock at `instant`, and the tick job that moves the halls."""
    trade.clock.at(instant)
    opening.halls_due()


def cosigned_head(trade: Trade) -> TreeHead:  # noqa: F811
    """What was recorded goes into the witness log and its next head is co-signed by the real co-signers
    (at least two of three), who judge the head's time by their own clocks: it is signed on the real one."""
    with real_time(trade):
        while witness_integrate():
            pass
        head = sth_sign(force=True)
        assert head is not None
        assert cosign_collect() >= 2
    return head


# --- the signing agents and the browser contexts ----------------------------------------------------------


@dataclass
class Seat:
    """A bidder at its own computer: its signing agent (a process of its own) and its browser context."""

    bidder: Bidder
    agent_url: str
    page: Any


@dataclass
class Seats:
    """The browser contexts of the test (the bidders', the agent's, the supervisor's) and the bidders'
    signing agents: each closed, or stopped, at the end."""

    browser: Any
    base: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)

    def page(self) -> Any:
        """A new browser context (a computer of its own) and its page. Its live channel is not connected:
        the test loads the hall again to see each step."""
        context = self.browser.new_context(locale="zh-CN")
        context.route("**/live/**", lambda route: route.abort())
        self.contexts.append(context)
        return context.new_page()

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=10)


def agent_start(seats: Seats, bidder: Bidder, folder: Path) -> str:
    """The bidder's own `ggzy-bid agent` with its key file, for the live server's origin; its address."""
    folder.mkdir(parents=True)
    write_key_file(bidder.sign, folder / "sign.key", PASSPHRASE, iterations=1000)
    write_atomic(folder / "sign.cer", bidder.sign_cert)
    port = free_port()
    log = (folder / "agent.log").open("wb")  # every signature it makes is logged there
    process = subprocess.Popen(
        [
            sys.executable, "-m", "ggzy_bid.cli", "agent", "--auto-approve", "--port", str(port),
            "--key", str(folder / "sign.key"), "--certificate", str(folder / "sign.cer"),
            "--origin", seats.base,
        ],
        env={**os.environ, "GGZY_BID_PASSPHRASE": PASSPHRASE},
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()  # the process has its own copy
    seats.processes.append(process)
    return f"http://127.0.0.1:{port}"


def agent_wait(url: str, origin: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the agent answers (its log in the failure if it does not)."""
    port = int(url.rsplit(":", 1)[1])
    deadline = time.monotonic() + 20
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/v1/info", headers={"Origin": origin})
            if connection.getresponse().status == 200:
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait(timeout=10)
                pytest.fail(f"the signing agent did not start: {log.read_text(errors='replace')}")
            time.sleep(0.1)


def sign_in_through_agent(trade: Trade, seat: Seat, base: str, settings: Any) -> None:  # noqa: F811
    """The bidder signs in on the sign-in page with its signing agent ("用签名助手登录"): the page asks the
    bidder's own agent (its address is what the page is told) to sign the platform's challenge."""
    # each bidder's agent has a port of its own here (the five computers share this host): the sign-in page
    # is told that one while its bidder signs in, as each computer's page would be told its own
    settings.GGZY_SIGNING_AGENT_URL = seat.agent_url
    page = seat.page
    with real_time(trade):  # the agent refuses a challenge more than 2 minutes from its computer's clock
        page.goto(base + "/accounts/login/")
        page.get_by_label("用户名").fill(seat.bidder.user.get_username())
        page.get_by_role("button", name="用签名助手登录").click()
        try:
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
        except PlaywrightTimeout:  # show what the page said instead of a bare timeout
            pytest.fail(f"not signed in: {page.locator('#sig-status').inner_text()}")


@pytest.fixture
def seats(browser: Any, live_server: Any, settings: Any) -> Iterator[Seats]:
    made = Seats(browser, live_server.url)
    yield made
    made.close()


def seated(
    trade: Trade,  # noqa: F811
    seats: Seats,
    n: int,
    folder: Path,
    settings: Any,
) -> list[Seat]:
    """`n` bidders, each with its agent running and signed in through it in a browser context of its own;
    the trade's bidders from now on."""
    bidders = [bidder_make(i) for i in range(1, n + 1)]
    urls = [agent_start(seats, b, folder / f"agent-{i}") for i, b in enumerate(bidders, start=1)]
    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = {
        **policy,
        "DIRECTIVES": {**policy["DIRECTIVES"], "connect-src": [SELF, *urls]},
    }
    for i, (url, process) in enumerate(zip(urls, seats.processes[-n:], strict=True), start=1):
        agent_wait(url, seats.base, process, folder / f"agent-{i}" / "agent.log")
    made = [Seat(b, url, seats.page()) for b, url in zip(bidders, urls, strict=True)]
    for seat in made:
        sign_in_through_agent(trade, seat, seats.base, settings)
    trade.stage.bidders[:] = bidders
    return made


def signed_in_with_password(seats: Seats, user: Any) -> Any:
    user.set_password(PASSWORD)
    user.save()
    page = seats.page()
    browser_sign_in(page, seats.base, user, PASSWORD)
    return page


def supervisor_make() -> Any:
    """A supervisor of the centre's region (沈阳市, 210100)."""
    user = get_user_model().objects.create_user(username="hall-supervisor")
    RoleGrant.objects.create(user=user, role=Role.SUPERVISOR, region="210100", granted_at=clock.now())
    return user


def documents_obtained(trade: Trade, bidder: Bidder) -> None:  # noqa: F811
    documents = tendering_selectors.documents_of_section(trade.section)
    assert documents is not None
    tendering.documents_obtain(actor=bidder.user, documents=documents)


def opening_sheet(price: int) -> dict[str, Any]:
    return {
        "schema": "ggzy-opening-sheet-v1",
        "price": {"kind": "amount", "fen": price},
        "duration_days": 300,
        "quality": "合格",
        "project_manager": {"name": "王工", "certificate": "辽221060800123"},
    }


def bid(trade: Trade, bidder: Bidder, price: int, name: str) -> Any:  # noqa: F811
    """The bidder obtains the documents and sends its sealed bid (sealed, acknowledged, uploaded)."""
    documents_obtained(trade, bidder)
    return trade.stage.receive(bidder, name=name, opening_sheet=opening_sheet(price))


def hall_page(page: Any, base: str, hall: Hall) -> str:
    answer = page.goto(f"{base}/halls/{hall.uid}/")
    assert answer is not None
    assert answer.status == 200, answer.status
    return str(page.content())


def no_price(html: str) -> None:
    for traces in TRACES:
        for trace in traces:
            assert trace not in html, trace


def release_in_the_hall(
    trade: Trade,  # noqa: F811
    seat: Seat,
    hall: Hall,
    bid_: Any,
    *,
    base: str,
    folder: Path,
) -> str:
    """The bidder uploads its release (the JSON `ggzy-bid release` writes) through the hall's form."""
    path = folder / f"release-{seat.bidder.organisation.uscc}.json"
    path.write_text(json.dumps(trade.stage.release(bid_)), encoding="utf-8")
    page = seat.page
    hall_page(page, base, hall)
    form = page.locator("#release-form")
    assert form.is_visible()
    page.set_input_files("#release_file", str(path))
    with page.expect_navigation():
        form.get_by_role("button", name="解密本单位投标文件").click()
    html = str(page.content())
    assert "您的投标文件已解密" in html
    return html


def release_states(page: Any) -> dict[str, str]:
    """The window's list: each bidder's name and its state (已解密 / 尚未解密)."""
    states = {}
    for text in page.locator("#release-states li").all_inner_texts():
        name, _dash, state = text.partition(" — ")
        states[name.strip()] = state.strip()
    return states


def steps_table(page: Any) -> list[tuple[str, str, str]]:
    """Each step's title, scheduled instant and the instant it began, as the page lists them."""
    rows = page.locator("table", has=page.locator("caption", has_text=STEPS_CAPTION)).locator("tbody tr")
    return [tuple(row.locator("td").all_inner_texts()[:3]) for row in rows.all()]


def verify(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "ggzy-verify"), *arguments], capture_output=True, text=True, check=False, timeout=60
    )


@pytest.fixture
def outside(tmp_path: Path, settings: Any) -> Iterator[tuple[Cosigners, Beacons]]:
    """Three real co-signers (two of them needed) and two real beacons, the platform pointed at them."""
    cosigners = start_cosigners(tmp_path / "cosigners", settings)
    try:
        beacons = beacons_start(tmp_path / "beacons", settings)
    except BaseException:
        cosigners.stop_all()
        raise
    yield cosigners, beacons
    beacons.stop_all()
    cosigners.stop_all()


# --- five bidders, K, the window, the custodians, the record ------------------------------------------------


@pytest.mark.clause("8.1.3")
def test_five_bidders_open_in_the_hall_k_is_recomputed_and_the_signed_record_verifies(  # noqa: PLR0915
    trade: Trade,  # noqa: F811
    seats: Seats,
    outside: tuple[Cosigners, Beacons],
    settings: Any,
    tmp_path: Path,
) -> None:
    cosigners, beacons = outside
    base = seats.base
    documents_issue(trade)  # the documents draw K from k_choices; the remedy is the custodians
    five = seated(trade, seats, 5, tmp_path, settings)
    standing = [bid(trade, seat.bidder, PRICES[i], f"bid{i}") for i, seat in enumerate(five[:4])]
    late = five[4]
    documents_obtained(trade, late.bidder)

    at(trade, DEADLINE - 60 * MINUTE)  # the hall, and its K draw committed with the beacons
    hall = Hall.objects.get(section=trade.section)
    assert hall.k_draw is not None
    assert hall.window_minutes * MINUTE == WINDOW
    cosigned_head(trade)  # a co-signed head holds the commitments long before anything can be released

    # the fifth bidder seals its bid and has it acknowledged in time, but uploads it after the deadline
    trade.clock.at(DEADLINE - 10 * MINUTE)
    late_bid = trade.stage.seal(late.bidder, "late", opening_sheet=opening_sheet(PRICES[4]))
    acknowledgements = trade.stage.register(late_bid)
    late.page.goto(base + "/workspace/bids/submit/")
    assert late.page.locator(f"#id_section option[value='{trade.section.code}']").count() == 1
    trade.clock.at(DEADLINE + SECOND)
    late.page.goto(base + "/workspace/bids/submit/")
    assert late.page.locator(f"#id_section option[value='{trade.section.code}']").count() == 0
    with pytest.raises(DomainError) as refused:
        sealing.bid_receive(
            actor=late.bidder.user, section=trade.section, path=late_bid, acknowledgements=acknowledgements
        )
    assert refused.value.detail["reason"] == "deadline_passed"

    # the opening: four bids stand; sign-in … decryption begin, K is drawn at its step
    at(trade, DEADLINE + 5 * SECOND)
    hall.refresh_from_db()
    assert hall.bidders_counted == 4
    assert hall.k_value in ("0.01", "0.02", "0.03")
    assert late.page.goto(f"{base}/halls/{hall.uid}/").status == 404  # it has no standing bid
    shown_k = {}
    for seat in five[:4]:
        html = hall_page(seat.page, base, hall)
        shown_k[seat.bidder.organisation.name] = seat.page.locator("dt:text-is('K') + dd strong").inner_text()
        assert f"/randomness/{hall.k_draw.uid}/" in html
        assert NAMES[4] not in html  # the late bidder is not among the bidders
        assert all(name in html for name in NAMES[:4])
        no_price(html)
    assert set(shown_k.values()) == {hall.k_value}
    # K recomputed offline from the draw's published record, pinning the beacons' and co-signers' keys
    cosigned_head(trade)  # the moment is in the log too
    draw = five[0].page.request.get(f"{base}/api/v1/randomness/draws/{hall.k_draw.uid}")
    assert draw.ok
    draw_file = tmp_path / "k-draw.json"
    draw_file.write_bytes(draw.body())
    checked = verify(
        "random", str(hall.k_draw.uid), "--file", str(draw_file),
        "--beacon-trust", str(beacons.trust_file), "--trust", str(cosigners.trust_file),
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    result = next(line for line in checked.stdout.splitlines() if line.startswith("result: "))
    assert json.loads(result.removeprefix("result: ")) == shown_k[NAMES[0]]

    # the window: three bidders release through the hall's form; no page shows a price, only who is decrypted
    trade.clock.at(DEADLINE + 3 * MINUTE)
    for i, seat in enumerate(five[:3]):
        html = release_in_the_hall(trade, seat, hall, standing[i], base=base, folder=tmp_path)
        no_price(html)  # not even its own
        states = release_states(seat.page)
        assert states[NAMES[i]] == "已解密"
        assert states[NAMES[3]] == "尚未解密"
        assert seat.page.locator("#release-form").count() == 0  # nothing of its own left to release
    for seat in five[:4]:
        no_price(hall_page(seat.page, base, hall))
        assert release_states(seat.page) == {
            NAMES[0]: "已解密", NAMES[1]: "已解密", NAMES[2]: "已解密", NAMES[3]: "尚未解密",
        }  # fmt: skip
    assert five[3].page.locator("#release-form").is_visible()  # the fourth could, and does not

    # the window closes: the custodians open the fourth, and every price shows on every bidder's page
    at(trade, DEADLINE + WINDOW + 2 * SECOND)
    for seat in five[:4]:
        html = hall_page(seat.page, base, hall)
        assert all(price in html for price in SHOWN)
        assert TRACES[4][0] not in html
        fourth = seat.page.locator("tr", has=seat.page.locator("td", has_text=NAMES[3]))
        assert "由密钥托管方解密" in fourth.inner_text()
        opened_by_release = seat.page.locator("tr", has=seat.page.locator("td", has_text=NAMES[0]))
        assert "由密钥托管方解密" not in opened_by_release.inner_text()
        assert "1 份未在解密时限内解密，已由密钥托管方解密" in html  # the sheet step's note

    # the close: the record is made; the agent downloads it, signs it, pastes the signature on the page
    at(trade, DEADLINE + WINDOW + 15 * MINUTE + SECOND)  # objections
    at(trade, DEADLINE + WINDOW + 30 * MINUTE + SECOND)  # close
    hall.refresh_from_db()
    assert hall.record
    cosigned_head(trade)  # the record's event is in a co-signed head
    agent = signed_in_with_password(seats, trade.world.agent_user)
    hall_page(agent, base, hall)
    with agent.expect_download() as downloading:
        agent.get_by_role("link", name="下载开标记录（JSON）").click()
    record_file = tmp_path / "opening-record.json"
    downloading.value.save_as(record_file)
    record = record_file.read_bytes()
    # the agent's organisation signs the record with its signing key, as `ggzy-bid sign-document` would, but
    # at the platform's time (the command line takes its computer's, months after the trade's frozen clock)
    key = Sm2PrivateKey.generate()
    cert = certificate(trade.world.agent.uscc, key, "signing")
    signature = sign_document(
        record, key, cert, name="opening-record.json", media_type="application/json", at=clock.now()
    )
    agent.locator("#record-signature").fill(json.dumps(signature))
    with agent.expect_navigation():
        agent.get_by_role("button", name="签署开标记录").click()
    html = str(agent.content())
    assert "贵单位对开标记录的签名已核验并保存" in html
    assert "招标人（代理机构）已签名。" in html
    hall.refresh_from_db()
    assert hall.record_signature == signature
    signature_file = tmp_path / "opening-record.sig.json"
    signature_file.write_text(json.dumps(signature), encoding="utf-8")
    root_file = tmp_path / "root.der"
    root_file.write_bytes(root())
    offline = verify("document", str(record_file), str(signature_file), "--root", str(root_file))
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert trade.world.agent.uscc in offline.stdout

    # the record's event in the witness log: found by the downloaded bytes, its proof checked offline
    agent.goto(base + "/halls/records/verify/")
    agent.set_input_files("input[type=file]", str(record_file))
    with agent.expect_navigation():
        agent.get_by_role("button", name="核验开标记录").click()
    assert agent.get_by_test_id("verdict").get_attribute("data-found") == "yes"
    assert agent.get_by_test_id("sm3").inner_text() == sm3(record).hex()
    proof_link = agent.locator("a[href*='/witness/events/']").first.get_attribute("href")
    assert proof_link
    # the proof, fetched by the hall's parties themselves: the agent, and a bidder that confirmed its line
    proof = agent.request.get(base + proof_link)
    assert proof.ok, proof.status
    bundle = proof.json()
    assert five[1].page.request.get(base + proof_link).json()["document"] == bundle["document"]
    event = json.loads(bundle["document"])
    assert event["type"] == "opening.record.made"
    assert event["data"]["sm3"] == sm3(record).hex()
    proof_file = tmp_path / "record-proof.json"
    proof_file.write_bytes(proof.body())
    included = verify(str(proof_file), "--trust", str(cosigners.trust_file))
    assert included.returncode == 0, included.stdout + included.stderr
    assert "OK: the proof verifies" in included.stdout

    # every step with its scheduled instant and the instant it began (Beijing time), on a bidder's page
    hall_page(five[1].page, base, hall)
    assert steps_table(five[1].page) == [
        ("签到", "09:30:00", "09:30:05"),  # scheduled when the bids were counted, at the deadline
        ("公布控制价", "09:30:00", "09:30:05"),
        ("抽取随机参数", "09:30:00", "09:30:05"),
        ("投标人及保证金", "09:30:00", "09:30:05"),
        ("解密", "09:30:00", "09:30:05"),
        ("唱标", "10:30:00", "10:30:02"),
        ("确认", "10:30:00", "10:30:02"),
        ("异议", "10:45:00", "10:45:01"),
        ("结束", "11:00:00", "11:00:01"),
    ]


# --- a bid left closed, attributed as 撤销 ------------------------------------------------------------------


@pytest.mark.clause("8.1.3")
def test_a_bid_left_closed_is_recorded_as_revoked_and_shown_to_the_supervisor_and_that_bidder_only(
    trade: Trade,  # noqa: F811
    seats: Seats,
    settings: Any,
    tmp_path: Path,
) -> None:
    base = seats.base
    documents_issue(trade, release_remedy="none")
    three = seated(trade, seats, 3, tmp_path, settings)
    standing = [bid(trade, seat.bidder, PRICES[i], f"bid{i}") for i, seat in enumerate(three)]
    at(trade, DEADLINE - MINUTE)
    at(trade, DEADLINE + 5 * SECOND)
    hall = Hall.objects.get(section=trade.section)
    trade.clock.at(DEADLINE + MINUTE)
    for i, seat in enumerate(three[:2]):
        release_in_the_hall(trade, seat, hall, standing[i], base=base, folder=tmp_path)
    at(trade, DEADLINE + WINDOW + 2 * SECOND)  # no remedy: the third stays closed

    closed = three[2].bidder.organisation
    agent = signed_in_with_password(seats, trade.world.agent_user)
    html = hall_page(agent, base, hall)
    assert f"<strong>{closed.name}</strong>: 未解密" in html
    form = agent.locator("form[action$='/attribute/']")
    assert form.count() == 1  # only the closed bid is attributed
    reason = "投标人签名助手日志显示其未在解密时限内操作"
    form.get_by_label("撤销：由投标人造成").check()
    form.locator("textarea[name=reason]").fill(reason)
    form.locator("textarea[name=evidence]").fill("投标人客户端日志 SM3 4f2a9c\n托管方 A 日志第 118 行")
    with agent.expect_navigation():
        form.get_by_role("button", name="记录决定").click()
    html = str(agent.content())
    assert "决定已记录；监督人员和该投标人可以查看。" in html
    assert f"{REVOKED} — {reason}" in html
    assert "第三十五条" in html
    made = Attribution.objects.get(hall=hall, organisation=closed)
    assert made.decision == "revoked"
    assert [e["reference"] for e in made.evidence if e["source"] == "agent"] == [
        "投标人客户端日志 SM3 4f2a9c",
        "托管方 A 日志第 118 行",
    ]

    watching = signed_in_with_password(seats, supervisor_make())
    seen = hall_page(watching, base, hall)
    assert f"{REVOKED} — {reason}" in seen
    assert "投标人客户端日志 SM3 4f2a9c" in seen
    assert reason in hall_page(three[2].page, base, hall)  # the bidder concerned
    other = hall_page(three[0].page, base, hall)
    assert reason not in other  # another bidder: only that the bid was not decrypted
    assert REVOKED not in other
    assert f"<strong>{closed.name}</strong>: 未解密" in other
