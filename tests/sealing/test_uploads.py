"""Submitting a sealed bid over tus 1.0 (`ggzy.sealing.uploads`, docs/submission.md): creation, chunks
with their SM3, resuming after a break or a crash, termination; the deadline judged by the time
authority when the last byte arrives; nothing kept of a refused bid; another bidder's upload is not
found."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from ggzy.accounts.services import token_create
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.sealing import admission, uploads
from ggzy.sealing.models import SealedBid, UploadSession, UploadState
from ggzy_sm.canonical import format_instant
from ggzy_sm.sm3 import sm3
from tests.sealing.conftest import Bidder, Stage

pytestmark = pytest.mark.django_db

BASE = "/api/v1/sealing/uploads/"
TUS = {"Tus-Resumable": "1.0.0"}
MS = dt.timedelta(milliseconds=1)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def metadata(section: str, acks: list[dict[str, Any]], filename: str = "投标文件.ggzybid") -> str:
    return ",".join(
        [
            f"section {_b64(section.encode())}",
            f"filename {_b64(filename.encode())}",
            f"acknowledgements {_b64(json.dumps(acks).encode())}",
        ]
    )


def checksum(data: bytes) -> str:
    return "sm3 " + _b64(sm3(data))


def create(client: Client, length: int, section: str, acks: list[dict[str, Any]]) -> Any:
    return client.post(
        BASE, headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(section, acks)}
    )


def patch(client: Client, url: str, offset: int, data: bytes, *, sum_of: bytes | None = None) -> Any:
    """PATCH `data` at `offset` with the SM3 of `sum_of` (default: of `data`)."""
    return client.patch(
        url,
        data=data,
        content_type="application/offset+octet-stream",
        headers={
            **TUS,
            "Upload-Offset": str(offset),
            "Upload-Checksum": checksum(data if sum_of is None else sum_of),
        },
    )


def head(client: Client, url: str) -> Any:
    return client.head(url, headers=TUS)


def thirds(data: bytes) -> list[tuple[int, bytes]]:
    step = len(data) // 3 + 1
    return [(start, data[start : start + step]) for start in range(0, len(data), step)]


def part_of(url: str) -> Path:
    uid = url.rstrip("/").rsplit("/", 1)[1]
    return Path(settings.MEDIA_ROOT) / "sealing" / "uploads" / f"{uid}.part"


@pytest.fixture
def bidder(stage: Stage) -> Bidder:
    return stage.bidders[0]


@pytest.fixture
def sealed(stage: Stage, bidder: Bidder) -> tuple[bytes, list[dict[str, Any]]]:
    """A sealed bid of the first bidder for the stage's section and its custodians' acknowledgements."""
    path = stage.seal(bidder)
    return path.read_bytes(), stage.register(path)


@pytest.fixture
def browser(client_for: Callable[..., Client], bidder: Bidder) -> Client:
    return client_for(bidder.user)


def started(client: Client, stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]]) -> str:
    data, acks = sealed
    created = create(client, len(data), stage.section.code, acks)
    assert created.status_code == 201, created.content
    assert created["Tus-Resumable"] == "1.0.0"
    return created["Location"]


# --- the whole way ---------------------------------------------------------------------------------------


def test_a_bid_uploaded_in_three_chunks_is_received_at_the_instant_its_last_byte_arrived(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client, freeze: Any
) -> None:
    data, _acks = sealed
    start = stage.deadline - dt.timedelta(hours=2)
    freeze(start)
    url = started(browser, stage, sealed)
    assert url.startswith(BASE)
    assert url.endswith("/")
    chunks = thirds(data)
    for n, (offset, chunk) in enumerate(chunks):
        last = n == len(chunks) - 1
        if last:
            freeze(start + dt.timedelta(minutes=7, microseconds=1234))
        answer = patch(browser, url, offset, chunk)
        assert answer.status_code == 204, answer.content
        assert int(answer["Upload-Offset"]) == offset + len(chunk)
        assert ("Ggzy-Bid" in answer) is last
        if not last:
            assert not SealedBid.objects.exists()  # no bid before the last byte
    bid = SealedBid.objects.get()
    arrived = start + dt.timedelta(minutes=7, microseconds=1234)
    assert bid.received_at == arrived
    assert answer["Ggzy-Bid"] == str(bid.uid)
    assert answer["Ggzy-Received-At"] == format_instant(arrived)
    assert (Path(settings.MEDIA_ROOT) / bid.file).read_bytes() == data
    assert not part_of(url).exists()  # renamed into place
    session = UploadSession.objects.get()
    assert (session.state, session.bid, session.offset) == (UploadState.COMPLETE, bid, len(data))
    again = head(browser, url)  # a client that lost the last answer learns its receipt
    assert (again.status_code, int(again["Upload-Offset"]), again["Ggzy-Bid"]) == (
        200,
        len(data),
        str(bid.uid),
    )
    assert again["Cache-Control"] == "no-store"
    repeated = browser.patch(  # the last answer lost: an empty chunk at the end has the same receipt
        url,
        CONTENT_TYPE="application/offset+octet-stream",
        headers={**TUS, "Upload-Offset": str(len(data))},
    )
    assert repeated.status_code == 204, (repeated.status_code, repeated.headers, repeated.content)
    assert repeated["Ggzy-Bid"] == str(bid.uid)
    assert SealedBid.objects.count() == 1


def test_an_upload_resumes_where_the_platform_holds_it_also_after_a_crash(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client
) -> None:
    data, _acks = sealed
    url = started(browser, stage, sealed)
    half = len(data) // 2
    assert patch(browser, url, 0, data[:half]).status_code == 204
    # a crash after the bytes were synced, before the offset was stored: the file holds more
    with part_of(url).open("ab") as fh:
        fh.write(b"half of a chunk that was never acknowledged")
    asked = head(browser, url)
    assert asked.status_code == 200
    assert (int(asked["Upload-Offset"]), int(asked["Upload-Length"])) == (half, len(data))
    done = patch(browser, url, half, data[half:])
    assert done.status_code == 204, done.content
    bid = SealedBid.objects.get()
    assert (Path(settings.MEDIA_ROOT) / bid.file).read_bytes() == data


# --- refusals of a chunk ----------------------------------------------------------------------------------


def test_a_chunk_at_another_offset_is_409_with_the_offset_held(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client
) -> None:
    data, _acks = sealed
    url = started(browser, stage, sealed)
    assert patch(browser, url, 0, data[:100]).status_code == 204
    wrong = patch(browser, url, 50, data[50:150])
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "upload_offset_mismatch"
    assert wrong["Upload-Offset"] == "100"
    assert part_of(url).stat().st_size == 100


def test_a_damaged_chunk_is_460_and_nothing_of_it_is_kept(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client
) -> None:
    data, _acks = sealed
    url = started(browser, stage, sealed)
    assert patch(browser, url, 0, data[:100]).status_code == 204
    damaged = patch(browser, url, 100, b"X" + data[101:300], sum_of=data[100:300])
    assert damaged.status_code == 460
    assert damaged.json()["code"] == "upload_checksum_mismatch"
    assert "校验" in damaged.json()["message"]
    assert int(head(browser, url)["Upload-Offset"]) == 100
    assert part_of(url).stat().st_size == 100
    other = browser.patch(
        url, data=data[100:200], content_type="application/offset+octet-stream",
        headers={**TUS, "Upload-Offset": "100", "Upload-Checksum": "sha1 " + _b64(b"x" * 20)},
    )  # fmt: skip
    assert other.status_code == 400
    assert part_of(url).stat().st_size == 100


def test_bytes_beyond_the_declared_length_are_refused_and_none_kept(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client
) -> None:
    data, _acks = sealed
    url = started(browser, stage, sealed)
    assert patch(browser, url, 0, data[:100]).status_code == 204
    beyond = patch(browser, url, 100, data[100:] + b"one byte too many")
    assert beyond.status_code == 413
    assert beyond.json()["code"] == "upload_beyond_length"
    assert part_of(url).stat().st_size == 100
    assert not SealedBid.objects.exists()


def test_another_bidders_upload_is_not_found_like_a_missing_one(
    stage: Stage,
    sealed: tuple[bytes, list[dict[str, Any]]],
    browser: Client,
    client_for: Callable[..., Client],
) -> None:
    data, _acks = sealed
    url = started(browser, stage, sealed)
    assert patch(browser, url, 0, data[:100]).status_code == 204
    other = client_for(stage.bidders[1].user)
    missing = f"{BASE}00000000-0000-4000-8000-000000000000/"
    for request in (
        lambda u: head(other, u),
        lambda u: patch(other, u, 100, data[100:200]),
        lambda u: other.delete(u, headers=TUS),
    ):
        theirs, nothing = request(url), request(missing)
        assert theirs.status_code == nothing.status_code == 404
        assert theirs.content == nothing.content
    assert part_of(url).stat().st_size == 100
    assert int(head(browser, url)["Upload-Offset"]) == 100


# --- the deadline -----------------------------------------------------------------------------------------


@pytest.fixture
def at_last_byte(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """at_last_byte(url, length, before=, arrival=, after=): the time authority reads `before` until the
    upload's file holds all `length` bytes, then `arrival` once (the instant the last byte arrived), then
    `after` (the validator's time)."""

    def set_clock(
        url: str, length: int, *, before: dt.datetime, arrival: dt.datetime, after: dt.datetime
    ) -> None:
        seen = {"full": False}

        def now() -> dt.datetime:
            path = part_of(url)
            if not seen["full"] and path.exists() and path.stat().st_size == length:
                seen["full"] = True
                return arrival
            return after if seen["full"] else before

        monkeypatch.setattr(clock, "authority_now", now)

    return set_clock


def test_a_last_byte_one_millisecond_after_the_deadline_is_refused_naming_both_instants(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client, freeze: Any, at_last_byte: Any
) -> None:
    data, _acks = sealed
    freeze(stage.deadline - dt.timedelta(minutes=10))
    url = started(browser, stage, sealed)
    assert patch(browser, url, 0, data[:100]).status_code == 204
    # the last chunk starts before the deadline; its last byte arrives one millisecond after it
    late = stage.deadline + MS
    at_last_byte(url, len(data), before=stage.deadline - dt.timedelta(seconds=3), arrival=late, after=late)
    refused = patch(browser, url, 100, data[100:])
    assert refused.status_code == 422, refused.content
    body = refused.json()
    assert (body["code"], body["detail"]["reason"]) == ("sealed_bid_refused", "deadline_passed")
    assert body["detail"]["arrived_at"] == format_instant(late)
    assert body["detail"]["deadline"] == format_instant(stage.deadline)
    shown_deadline = uploads._shown(stage.deadline)  # Beijing time, to the millisecond
    assert shown_deadline.endswith(".000")
    assert shown_deadline in body["message"]
    assert shown_deadline[:-3] + "001" in body["message"]  # the arrival
    assert "截止" in body["message"]
    assert refused["Tus-Resumable"] == "1.0.0"
    assert not SealedBid.objects.exists()
    assert not part_of(url).exists()
    assert not list((Path(settings.MEDIA_ROOT) / "sealing").glob("bids/**/*.bid"))
    assert UploadSession.objects.get().state == UploadState.CLOSED
    assert head(browser, url).status_code == 410


def test_a_chunk_that_starts_after_the_deadline_is_refused_before_it_is_read(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client, freeze: Any
) -> None:
    data, _acks = sealed
    freeze(stage.deadline - dt.timedelta(minutes=10))
    url = started(browser, stage, sealed)
    assert patch(browser, url, 0, data[:100]).status_code == 204
    freeze(stage.deadline)
    refused = patch(browser, url, 100, data[100:200])
    assert refused.status_code == 422
    assert refused.json()["detail"]["reason"] == "deadline_passed"
    assert not part_of(url).exists()
    assert UploadSession.objects.get().state == UploadState.CLOSED


def test_the_time_validation_takes_never_counts_against_the_bidder(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client, freeze: Any, at_last_byte: Any
) -> None:
    data, _acks = sealed
    freeze(stage.deadline - dt.timedelta(minutes=10))
    url = started(browser, stage, sealed)
    arrival = stage.deadline - MS
    at_last_byte(
        url, len(data), before=arrival - MS, arrival=arrival, after=stage.deadline + dt.timedelta(seconds=5)
    )
    done = patch(browser, url, 0, data)
    assert done.status_code == 204, done.content
    assert SealedBid.objects.get().received_at == arrival
    assert done["Ggzy-Received-At"] == format_instant(arrival)


def test_an_upload_cannot_start_after_the_deadline(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client, freeze: Any
) -> None:
    data, acks = sealed
    freeze(stage.deadline)
    refused = create(browser, len(data), stage.section.code, acks)
    assert refused.status_code == 422
    assert refused.json()["code"] == "upload_deadline_passed"
    assert not UploadSession.objects.exists()


# --- the file itself --------------------------------------------------------------------------------------


def test_a_bid_sealed_for_another_section_is_refused_and_nothing_is_kept(
    stage: Stage, bidder: Bidder, browser: Client
) -> None:
    path = stage.seal(bidder, section=stage.other_section)
    data, acks = path.read_bytes(), stage.register(path)
    url = started(browser, stage, (data, acks))  # says it is for the stage's section
    refused = patch(browser, url, 0, data)
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["detail"]["reason"]) == ("sealed_bid_refused", "section")
    assert "标段" in refused.json()["message"]
    assert not SealedBid.objects.exists()
    assert not part_of(url).exists()
    assert not list((Path(settings.MEDIA_ROOT) / "sealing").glob("bids/**/*.bid"))
    assert UploadSession.objects.get().refusal == "section"


# --- termination, expiry ----------------------------------------------------------------------------------


def test_termination_removes_the_upload_and_its_bytes(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client
) -> None:
    data, _acks = sealed
    url = started(browser, stage, sealed)
    assert patch(browser, url, 0, data[:100]).status_code == 204
    gone = browser.delete(url, headers=TUS)
    assert gone.status_code == 204
    assert gone["Tus-Resumable"] == "1.0.0"
    assert not part_of(url).exists()
    assert not UploadSession.objects.exists()
    assert head(browser, url).status_code == 404


def test_an_expired_upload_is_gone_and_cleaned_away(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client, freeze: Any
) -> None:
    data, _acks = sealed
    start = stage.deadline - dt.timedelta(days=5)
    freeze(start)
    url = started(browser, stage, sealed)
    assert patch(browser, url, 0, data[:100]).status_code == 204
    stray = part_of(url).with_name("0b7e4f6a-0000-4000-8000-000000000000.part")
    stray.write_bytes(b"left by a crash")
    os.utime(stray, (start.timestamp(), start.timestamp()))
    # a crash between placing a bid's file and its transaction leaves the file's temporary name
    bids = Path(settings.MEDIA_ROOT) / "sealing" / "bids" / stage.section.code
    bids.mkdir(parents=True, exist_ok=True)
    temporary = bids / ".ab.bid.0123.tmp"
    temporary.write_bytes(b"left by a crash")
    os.utime(temporary, (start.timestamp(), start.timestamp()))
    freeze(start + dt.timedelta(hours=settings.GGZY_BID_UPLOAD_EXPIRY_HOURS))
    expired = patch(browser, url, 100, data[100:200])
    assert (expired.status_code, expired.json()["code"]) == (410, "upload_expired")
    assert uploads.uploads_clean() == 3
    assert not part_of(url).exists()
    assert not stray.exists()
    assert not temporary.exists()
    assert not UploadSession.objects.exists()


# --- the protocol's edges ---------------------------------------------------------------------------------


def test_options_says_what_the_server_speaks(browser: Client, stage: Stage) -> None:
    answer = browser.options(BASE)
    assert answer.status_code == 204
    assert answer["Tus-Resumable"] == answer["Tus-Version"] == "1.0.0"
    assert answer["Tus-Extension"] == "creation,checksum,termination"
    assert answer["Tus-Max-Size"] == str(settings.GGZY_BID_UPLOAD_MAX_BYTES)
    assert answer["Tus-Checksum-Algorithm"] == "sm3"


def test_creation_refusals(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client, settings: Any
) -> None:
    data, acks = sealed
    section = stage.section.code
    no_version = browser.post(
        BASE, headers={"Upload-Length": "10", "Upload-Metadata": metadata(section, acks)}
    )
    assert (no_version.status_code, no_version["Tus-Version"]) == (412, "1.0.0")
    no_length = browser.post(BASE, headers={**TUS, "Upload-Metadata": metadata(section, acks)})
    assert (no_length.status_code, no_length.json()["code"]) == (400, "upload_length_invalid")
    too_large = create(browser, settings.GGZY_BID_UPLOAD_MAX_BYTES + 1, section, acks)
    assert (too_large.status_code, too_large.json()["code"]) == (413, "upload_too_large")
    unknown = create(browser, len(data), "A2101002026999999001", acks)
    assert (unknown.status_code, unknown.json()["code"]) == (422, "upload_section_unknown")
    bad_meta = browser.post(
        BASE, headers={**TUS, "Upload-Length": "10", "Upload-Metadata": f"section {_b64(section.encode())}"}
    )
    assert (bad_meta.status_code, bad_meta.json()["code"]) == (400, "upload_metadata_invalid")
    settings.GGZY_BID_UPLOAD_SESSIONS = 2
    for _ in range(2):
        assert create(browser, len(data), section, acks).status_code == 201
    over = create(browser, len(data), section, acks)
    assert (over.status_code, over.json()["code"]) == (429, "upload_quota")
    assert UploadSession.objects.count() == 2


def test_only_bidders_upload(stage: Stage, client_as: Callable[..., Client]) -> None:
    assert Client().options(BASE).status_code in {302, 401}
    anonymous = Client().post(BASE, headers={**TUS, "Upload-Length": "10"})
    staff = client_as(Role.CENTRE_STAFF).post(BASE, headers={**TUS, "Upload-Length": "10"})
    assert (anonymous.status_code, staff.status_code) == (401, 403)
    # the middleware's refusals speak tus too: a tus client reads Tus-Resumable on every answer
    assert anonymous["Tus-Resumable"] == staff["Tus-Resumable"] == "1.0.0"


def test_a_browser_session_needs_its_csrf_token(
    stage: Stage,
    sealed: tuple[bytes, list[dict[str, Any]]],
    bidder: Bidder,
    client_for: Callable[..., Client],
) -> None:
    data, acks = sealed
    strict = client_for(bidder.user, enforce_csrf_checks=True)
    refused = create(strict, len(data), stage.section.code, acks)
    assert (refused.status_code, refused.json()["code"]) == (403, "csrf_failed")
    assert not UploadSession.objects.exists()


def test_a_machine_client_uploads_with_a_bearer_token(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], bidder: Bidder
) -> None:
    data, acks = sealed
    _token, raw = token_create(user=bidder.user, name="ggzy-bid", days=1, scopes=["sealing:write"])
    machine = Client(headers={"Authorization": f"Bearer {raw}"})
    url = started(machine, stage, sealed)
    for offset, chunk in thirds(data):
        answer = patch(machine, url, offset, chunk)
        assert answer.status_code == 204, answer.content
    assert answer["Ggzy-Bid"] == str(SealedBid.objects.get().uid)
    _reader, raw_read = token_create(user=bidder.user, name="reader", days=1, scopes=["sealing:read"])
    reader = Client(headers={"Authorization": f"Bearer {raw_read}"})
    assert create(reader, len(data), stage.section.code, acks).status_code == 403


def test_only_a_chunk_may_exceed_the_request_body_limit_and_only_up_to_the_chunk_limit(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client, settings: Any
) -> None:
    from ggzy.core.limits import body_limit

    data, _acks = sealed
    url = started(browser, stage, sealed)
    assert body_limit(url) == settings.GGZY_BID_UPLOAD_CHUNK_MAX > settings.GGZY_MAX_REQUEST_BODY
    assert body_limit(BASE) == settings.GGZY_MAX_REQUEST_BODY
    settings.GGZY_BID_UPLOAD_CHUNK_MAX = 1000
    too_big = patch(browser, url, 0, data[:1001])
    assert (too_big.status_code, too_big.json()["code"]) == (413, "payload_too_large")
    assert patch(browser, url, 0, data[:1000]).status_code == 204


def test_one_request_at_a_time_writes_to_an_upload(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client
) -> None:
    data, _acks = sealed
    url = started(browser, stage, sealed)
    session = UploadSession.objects.get()
    with uploads._locked(session):  # another request (process) is writing to it
        busy = patch(browser, url, 0, data[:100])
        assert (busy.status_code, busy.json()["code"]) == (423, "upload_busy")
        assert browser.delete(url, headers=TUS).status_code == 423
    assert patch(browser, url, 0, data[:100]).status_code == 204


def test_a_full_disk_is_said_so_and_keeps_nothing_of_the_chunk(
    stage: Stage, sealed: tuple[bytes, list[dict[str, Any]]], browser: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    data, _acks = sealed
    url = started(browser, stage, sealed)
    assert patch(browser, url, 0, data[:100]).status_code == 204

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    synced = os.fsync
    monkeypatch.setattr(os, "fsync", full)
    refused = patch(browser, url, 100, data[100:300])
    assert (refused.status_code, refused.json()["code"]) == (507, "upload_no_space")
    assert part_of(url).stat().st_size == 100
    monkeypatch.setattr(os, "fsync", synced)
    assert int(head(browser, url)["Upload-Offset"]) == 100


def test_an_organisation_that_may_not_bid_is_told_before_a_byte_is_sent_and_at_the_last(
    stage: Stage,
    sealed: tuple[bytes, list[dict[str, Any]]],
    browser: Client,
    bidder: Bidder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Who may bid is asked of the apps that know (`sealing.admission`; tendering: who obtained the
    documents): at the upload's creation and again when the bid is received."""
    data, acks = sealed
    url = started(browser, stage, sealed)  # admitted when the upload began
    monkeypatch.setattr(
        admission, "_checks", {"test": lambda section, organisation: "documents_not_obtained"}
    )
    early = create(browser, len(data), stage.section.code, acks)
    assert (early.status_code, early.json()["detail"]["reason"]) == (422, "documents_not_obtained")
    assert "招标文件" in early.json()["message"]
    late = patch(browser, url, 0, data)
    assert (late.status_code, late.json()["detail"]["reason"]) == (422, "documents_not_obtained")
    assert not SealedBid.objects.exists()
    assert UploadSession.objects.get().state == "closed"
