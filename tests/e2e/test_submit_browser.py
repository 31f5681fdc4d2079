"""In a real browser: a bidder submits its sealed bid from the page (tus-js-client over the open tus 1.0
protocol, in chunks, with the session and its CSRF token); a refusal shows the platform's own message; a
connection dropped mid-way resumes from the offset the platform holds; a second file for the same section
replaces the first (the page says so first); the receipt downloaded through the page's link checks out with
`ggzy-verify receipt`; and the countdown runs from the platform's time, not the browser's clock. The page's
server side: responders only, the sections taking bids now, the chunk within the upload's limit."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.sealing.models import BidState, BidWindow, SealedBid, UploadSession
from ggzy_sm.canonical import format_instant
from tests.e2e.conftest import browser_sign_in
from tests.sealing.conftest import Stage, stage, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Pw-for-tests-1"
PAGE = "/workspace/bids/submit/"
CHUNK = 512 * 1024  # the page's chunk in this test (GGZY_BID_UPLOAD_CHUNK_MAX): a ~2.6 MB bid in 6
REPLACES = "再次提交将替换此前的投标文件，以最后一次为准"
NETWORK = re.compile(r"net::ERR_|Failed to load resource")  # the dropped request's own console line


def sealed(on: Stage, tmp_path: Path, name: str, custodians: list[int] | None = None) -> tuple[Path, Path]:
    """A bid of about 2.6 MB sealed by the first bidder for the stage's section, and its ACKS.json (the
    acknowledgements of these custodians, all by default)."""
    document = tmp_path / f"{name}-施工组织设计.pdf"
    document.write_bytes(b"%PDF-1.7 " + name.encode() + bytes(range(256)) * (10 * 1024))
    bid = on.seal(on.bidders[0], name, documents=[document])
    acks = tmp_path / f"{name}-ACKS.json"
    acks.write_text(json.dumps(on.register(bid, custodians)), encoding="utf-8")
    return bid, acks


def choose_and_start(page: Any, on: Stage, bid: Path, acks: Path) -> None:
    page.select_option("#id_section", on.section.code)
    page.set_input_files("#id_bid", str(bid))
    page.set_input_files("#id_acks", str(acks))
    page.locator("#bid-info code").first.wait_for()  # the file's header was read: its section is shown
    page.get_by_role("button", name="开始上传").click()


def choose_and_upload(page: Any, on: Stage, bid: Path, acks: Path) -> str:
    """Upload from the page; the uid of the bid the platform received, as the page shows it."""
    choose_and_start(page, on, bid, acks)
    done = page.locator("#upload-done")
    done.wait_for(state="visible", timeout=60_000)
    return str(done.get_attribute("data-bid"))


def refused_with_the_platforms_message(page: Any, on: Stage, tmp_path: Path) -> None:
    """Refused when the last byte arrives (one custodian's acknowledgement of the two needed): the page
    shows the platform's own message, offers no resuming, and nothing is kept."""
    short, short_acks = sealed(on, tmp_path, "short", custodians=[1])
    choose_and_start(page, on, short, short_acks)
    error = page.locator("#upload-error")
    error.wait_for(state="visible", timeout=60_000)
    assert "投标文件被拒收" in error.inner_text()
    assert "确认回执" in error.inner_text()
    assert not SealedBid.objects.exists()
    assert UploadSession.objects.get().state == "closed"
    assert page.get_by_role("button", name="继续上传").is_disabled()


def uploaded_through_a_dropped_connection(page: Any, on: Stage, bid: Path, acks: Path) -> str:
    """One PATCH — the second, after the first was taken — never reaches the platform: the page resumes
    from the offset the platform holds (HEAD) and sends nothing else twice."""
    seen: list[tuple[str, str]] = []
    sent_with: set[tuple[str, bool]] = set()

    def drop_the_second_patch(route: Any) -> None:
        request = route.request
        seen.append((request.method, request.headers.get("upload-offset", "")))
        # the session's CSRF token, and the page's language for the platform's refusals
        sent_with.add((request.headers.get("accept-language", ""), bool(request.headers.get("x-csrftoken"))))
        if request.method == "PATCH" and [method for method, _ in seen].count("PATCH") == 2:
            route.abort("connectionreset")
            return
        route.continue_()

    page.route("**/api/v1/sealing/uploads/**", drop_the_second_patch)
    uid = choose_and_upload(page, on, bid, acks)
    page.unroute("**/api/v1/sealing/uploads/**")
    methods = [method for method, _ in seen]
    patches = [int(offset) for method, offset in seen if method == "PATCH"]
    chunks = -(-bid.stat().st_size // CHUNK)
    assert methods[0] == "POST"
    assert sent_with == {("zh-hans", True)}
    assert patches[:3] == [0, CHUNK, CHUNK]  # the dropped chunk sent again at its own offset ...
    assert "HEAD" in methods[methods.index("PATCH") + 2 :]  # ... after asking the platform's offset
    assert patches == [0, CHUNK, *range(CHUNK, chunks * CHUNK, CHUNK)]  # nothing else sent twice
    return uid


def receipt_checks_out(page: Any, live_server: Any, tmp_path: Path, bid: SealedBid) -> None:
    """The receipt, downloaded through the page's link, checks out offline (`ggzy-verify receipt`) against
    the published keys."""
    with page.expect_download() as download:
        page.locator("#done-receipt-json").click()
    receipt = tmp_path / "receipt.json"
    download.value.save_as(receipt)
    keys = tmp_path / "receipt-keys.json"
    answer = page.request.get(live_server.url + "/api/v1/sealing/receipt-keys")
    assert answer.ok
    keys.write_bytes(answer.body())
    verified = subprocess.run(
        [str(Path(sys.executable).with_name("ggzy-verify")), "receipt", str(receipt), "--keys", str(keys)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert str(bid.uid) in verified.stdout
    assert json.loads(receipt.read_text(encoding="utf-8"))["receipt"]["ciphertext_sm3"] == bid.ciphertext_sm3


@pytest.mark.clause("8.1.3")
def test_a_bid_goes_up_from_the_browser_resumes_after_a_drop_and_a_second_replaces_it(
    page: Any,
    live_server: Any,
    stage: Stage,  # noqa: F811  (the fixture)
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.GGZY_BID_UPLOAD_CHUNK_MAX = CHUNK  # the live server's limit and the page's chunk
    bidder = stage.bidders[0]
    bidder.user.set_password(PASSWORD)
    bidder.user.save()
    first, first_acks = sealed(stage, tmp_path, "first")
    assert first.stat().st_size > 4 * CHUNK
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    browser_sign_in(page, live_server.url, bidder.user, PASSWORD)
    page.goto(live_server.url + PAGE)
    page.wait_for_load_state("load")
    page.select_option("#id_section", stage.section.code)
    assert page.locator("#replace-note").is_hidden()  # nothing held yet for the section
    refused_with_the_platforms_message(page, stage, tmp_path)

    first_uid = uploaded_through_a_dropped_connection(page, stage, first, first_acks)
    bid = SealedBid.objects.get(uid=first_uid)
    assert bid.organisation == bidder.organisation
    assert (Path(django_settings.MEDIA_ROOT) / bid.file).read_bytes() == first.read_bytes()
    assert UploadSession.objects.get(bid=bid).state == "complete"
    assert page.locator("#done-sm3").inner_text() == bid.ciphertext_sm3
    assert page.locator("#done-at-utc").inner_text() == format_instant(bid.received_at)
    assert "北京时间" in page.locator("#done-at").inner_text()
    assert page.locator("#upload-progress").get_attribute("aria-valuenow") == "100"
    assert (
        page.locator("#done-receipt-pdf").get_attribute("href") == f"/workspace/bids/{first_uid}/receipt.pdf"
    )
    receipt_checks_out(page, live_server, tmp_path, bid)

    # a second file for the same section: the page says it replaces the first, and it does
    second, second_acks = sealed(stage, tmp_path, "second")
    page.goto(live_server.url + PAGE)
    page.wait_for_load_state("load")
    page.select_option("#id_section", stage.section.code)
    assert page.locator("#replace-note").is_visible()
    assert REPLACES in page.locator("#replace-note").inner_text()
    second_uid = choose_and_upload(page, stage, second, second_acks)
    standing = SealedBid.objects.get(uid=second_uid)
    assert standing.pk != bid.pk
    assert (Path(django_settings.MEDIA_ROOT) / standing.file).read_bytes() == second.read_bytes()
    assert standing.state == BidState.RECEIVED
    assert SealedBid.objects.get(pk=bid.pk).state == BidState.SUPERSEDED
    assert SealedBid.objects.filter(organisation=bidder.organisation, state=BidState.RECEIVED).count() == 1
    assert [p for p in problems if not NETWORK.search(p)] == []  # no CSP refusal, no script error


def _shown(text: str) -> dt.datetime:
    """The page's clock, "YYYY-MM-DD HH:MM:SS" in Beijing time."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_the_countdown_runs_from_the_platforms_time_not_the_browsers(
    browser: Any,
    live_server: Any,
    stage: Stage,  # noqa: F811  (the fixture)
    django_user_model: Any,
) -> None:
    bidder = stage.bidders[0]
    bidder.user.set_password(PASSWORD)
    bidder.user.save()
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        browser_sign_in(page, live_server.url, bidder.user, PASSWORD)
        behind = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)  # the browser's clock is two days slow
        page.clock.install(time=behind)
        page.goto(live_server.url + PAGE)
        page.wait_for_load_state("load")
        rendered = dt.datetime.fromisoformat(
            str(page.locator("#bid-submit").get_attribute("data-server-now"))
        )
        assert abs((rendered - clock.now()).total_seconds()) < 5
        page.select_option("#id_section", stage.section.code)
        countdown = page.locator("#countdown")
        text = countdown.inner_text()
        assert text.startswith("距截止 ")
        assert "19 天" in text or "20 天" in text  # the stage's deadline is 20 days from now
        left = int(str(countdown.get_attribute("data-left")))
        assert abs(left - (stage.deadline - clock.now()).total_seconds()) < 10  # not 2 days more
        assert abs((_shown(page.locator("#server-clock").inner_text()) - clock.now()).total_seconds()) < 10
        time.sleep(2.2)
        assert int(str(countdown.get_attribute("data-left"))) < left  # it runs
        # the browser's clock jumps past the deadline: the countdown says it passed (the platform decides)
        page.clock.pause_at(behind + dt.timedelta(days=21))
        countdown.filter(has_text="投标截止时间已过").wait_for()
        assert countdown.get_attribute("data-left") == "0"
    finally:
        context.close()


def test_the_page_lists_the_sections_taking_bids_for_responders_only(
    stage: Stage,  # noqa: F811  (the fixture)
    client_for: Callable[..., Client],
    client_as: Callable[..., Client],
    settings: Any,
) -> None:
    BidWindow.objects.filter(section=stage.other_section).update(
        deadline=clock.now() - dt.timedelta(minutes=1)
    )
    bidder = stage.bidders[0]
    page = client_for(bidder.user).get(PAGE)
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert stage.section.code in text
    assert stage.other_section.code not in text  # its deadline passed
    assert 'data-has-bid="1"' not in text
    assert f'data-chunk-size="{8 * 1024 * 1024}"' in text
    assert 'data-receipt-json="/api/v1/sealing/bids/00000000-0000-0000-0000-000000000000/receipt"' in text
    stage.receive(bidder)
    settings.GGZY_BID_UPLOAD_CHUNK_MAX = CHUNK
    text = client_for(bidder.user).get(PAGE).content.decode()
    assert 'data-has-bid="1"' in text  # a new upload replaces it: the page says so when it is chosen
    assert f'data-chunk-size="{CHUNK}"' in text  # never above what the upload's address takes
    assert 'data-has-bid="1"' not in client_for(stage.bidders[1].user).get(PAGE).content.decode()
    assert "/workspace/bids/submit/" in client_for(bidder.user).get("/workspace/bids/").content.decode()
    assert client_as(Role.EXPERT).get(PAGE).status_code == 403
    assert Client().get(PAGE).status_code == 302
