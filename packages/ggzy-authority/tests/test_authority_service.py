"""The authority's service in this process (its own clock injected): signed answers, found and not found,
the nonce echoed, numbers compared normalised, 400 for what is not a lookup, the test controls (records
over HTTP, failing on purpose) and their absence without --test-controls, records loaded while served,
and its state across a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from authority_world import (
    PASSPHRASE,
    USCC,
    Clock,
    batch,
    call,
    licence,
    lookup,
    make_folder,
    professional,
    qualification,
    verify,
)
from ggzy_authority import records, state
from ggzy_authority.service import Authority, AuthorityServer, parse_lookup
from ggzy_sm.errors import CryptoError
from ggzy_sm.jsonservice import StartupError


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    make_folder(tmp_path / "moha")
    state.merge(tmp_path / "moha", records.parse_batch(batch()))
    return tmp_path / "moha"


def _serve(folder: Path, clock: Clock, *, test_controls: bool = False) -> tuple[AuthorityServer, Authority]:
    authority = Authority.open(folder, PASSPHRASE, test_controls=test_controls)
    server = AuthorityServer(authority, port=0, clock=clock)
    server.start()
    return server, authority


def _stop(server: AuthorityServer, authority: Authority) -> None:
    server.shutdown()
    server.server_close()
    authority.close()


@pytest.fixture
def served(folder: Path) -> Iterator[tuple[str, Authority, Clock]]:
    clock = Clock()
    server, authority = _serve(folder, clock, test_controls=True)
    try:
        yield server.url, authority, clock
    finally:
        _stop(server, authority)


def test_a_licence_found_is_answered_signed_with_the_nonce(served: tuple[str, Authority, Clock]) -> None:
    url, authority, _clock = served
    asked = lookup("licence", USCC)
    status, reply = call(url, "/v1/lookup", asked)
    assert status == 200
    assert reply["key"] == authority.config.key.hex()
    assert verify(reply, authority.config.key) == {
        "format": "ggzy-authority-answer-v1",
        "authority": authority.config.name,
        "kind": "licence",
        "number": USCC,
        "nonce": asked["nonce"],
        "found": True,
        "record": licence(),
        "answered_at": "2026-03-02T02:00:00.000000Z",
    }


@pytest.mark.parametrize(
    ("kind", "number", "expected"),
    [
        ("qualification", "D221012345", qualification()),
        ("qualification", "  d221012345 ", qualification()),  # stripped, ASCII upper-cased
        ("professional", "辽121120123456", professional()),
        ("licence", USCC.lower(), licence()),
    ],
)
def test_each_kind_is_found_by_its_number_normalised(
    served: tuple[str, Authority, Clock], kind: str, number: str, expected: dict[str, object]
) -> None:
    url, authority, _clock = served
    status, reply = call(url, "/v1/lookup", lookup(kind, number))
    assert status == 200
    body = verify(reply, authority.config.key)
    assert (body["found"], body["record"], body["number"]) == (True, expected, number)


def test_not_found_is_answered_signed_too(served: tuple[str, Authority, Clock]) -> None:
    url, authority, _clock = served
    # a licence's code is not a qualification's certificate: each kind is its own registry
    for kind, number in (("licence", "91110000000000000X"), ("qualification", USCC)):
        asked = lookup(kind, number)
        status, reply = call(url, "/v1/lookup", asked)
        assert status == 200
        body = verify(reply, authority.config.key)
        assert (body["found"], body["record"], body["nonce"]) == (False, None, asked["nonce"])


def test_an_answer_altered_does_not_verify(served: tuple[str, Authority, Clock]) -> None:
    url, authority, _clock = served
    _status, reply = call(url, "/v1/lookup", lookup("licence", USCC))
    reply["answer"]["record"]["status"] = "revoked"
    with pytest.raises(CryptoError):
        verify(reply, authority.config.key)
    _status, reply = call(url, "/v1/lookup", lookup("licence", USCC))
    reply["answer"]["nonce"] = "0" * 32  # an answer replayed to another question
    with pytest.raises(CryptoError):
        verify(reply, authority.config.key)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"kind": "permit"}, "kind"),
        ({"kind": 1}, "kind"),
        ({"number": ""}, "number"),
        ({"number": "   "}, "number"),
        ({"number": "9" * 65}, "number"),
        ({"number": 91210100}, "number"),
        ({"nonce": "abc"}, "nonce"),
        ({"nonce": "A" * 32}, "nonce"),
        ({"nonce": "a" * 66}, "nonce"),
        ({"colour": "red"}, "unknown"),
    ],
)
def test_what_is_not_a_lookup_is_refused_400_unsigned(
    served: tuple[str, Authority, Clock], change: dict[str, object], words: str
) -> None:
    url, _authority, _clock = served
    status, reply = call(url, "/v1/lookup", {**lookup("licence", USCC), **change})
    assert status == 400
    assert reply["reason"] == "malformed"
    assert words in reply["message"]
    assert "answer" not in reply
    assert "signature" not in reply


def test_a_missing_field_and_a_body_not_json_are_refused(served: tuple[str, Authority, Clock]) -> None:
    url, _authority, _clock = served
    asked = lookup("licence", USCC)
    del asked["nonce"]
    assert call(url, "/v1/lookup", asked)[0] == 400
    assert call(url, "/v1/lookup", raw=b"{nope")[0] == 400
    assert call(url, "/v1/lookup", raw=b'{"kind": "licence", "kind": "licence"}')[0] == 400
    assert call(url, "/v1/lookup", [1, 2])[0] == 400
    assert call(url, "/v1/lookups", asked)[0] == 404


def test_health_counts_the_records(served: tuple[str, Authority, Clock]) -> None:
    url, authority, _clock = served
    status, health = call(url, "/health")
    assert status == 200
    assert health == {
        "ok": True,
        "name": authority.config.name,
        "key": authority.config.key.hex(),
        "time": "2026-03-02T02:00:00.000000Z",
        "records": {"licences": 1, "qualifications": 1, "professionals": 1},
    }


def test_records_over_http_are_merged_and_answered(
    served: tuple[str, Authority, Clock], folder: Path
) -> None:
    url, authority, _clock = served
    revoked = licence(status="revoked")
    other = qualification(certificate="D321000001", level="二级")
    status, reply = call(url, "/v1/admin/records", {"licences": [revoked], "qualifications": [other]})
    assert (status, reply) == (200, {"loaded": {"licences": 1, "qualifications": 1, "professionals": 0}})
    body = verify(call(url, "/v1/lookup", lookup("licence", USCC))[1], authority.config.key)
    assert body["record"]["status"] == "revoked"  # the same key: the old record replaced
    assert call(url, "/health")[1]["records"] == {"licences": 1, "qualifications": 2, "professionals": 1}
    on_disk = json.loads((folder / state.RECORDS).read_text("utf-8"))
    assert on_disk["qualifications"]["D321000001"] == other


def test_a_bad_record_over_http_is_refused_and_nothing_taken(
    served: tuple[str, Authority, Clock], folder: Path
) -> None:
    url, _authority, _clock = served
    before = (folder / state.RECORDS).read_bytes()
    good, bad = licence(code="91210100MA0Y000001"), licence(established="2012-02-30")
    status, reply = call(url, "/v1/admin/records", {"licences": [good, bad]})
    assert status == 400
    assert reply["reason"] == "malformed"
    assert "licences[1]" in reply["message"]
    assert "established" in reply["message"]
    assert (folder / state.RECORDS).read_bytes() == before
    assert call(url, "/health")[1]["records"]["licences"] == 1


def test_fail_next_makes_the_next_lookups_fail_then_they_pass(served: tuple[str, Authority, Clock]) -> None:
    url, _authority, _clock = served
    assert call(url, "/v1/admin/fail-next", {"count": 2}) == (200, {"fail_next": 2})
    asked = lookup("licence", USCC)
    assert call(url, "/v1/lookup", asked) == (
        503,
        {"reason": "unavailable", "message": "the authority is unavailable (a test control)"},
    )
    assert call(url, "/v1/lookup", asked)[0] == 503
    assert call(url, "/v1/lookup", asked)[0] == 200
    assert call(url, "/v1/admin/fail-next", {"count": -1})[0] == 400


def test_without_test_controls_there_are_no_admin_routes(folder: Path) -> None:
    server, authority = _serve(folder, Clock())
    try:
        assert call(server.url, "/v1/admin/fail-next", {"count": 2})[0] == 404
        assert call(server.url, "/v1/admin/records", {"licences": [licence(status="revoked")]})[0] == 404
        body = verify(call(server.url, "/v1/lookup", lookup("licence", USCC))[1], authority.config.key)
        assert body["record"]["status"] == "active"
    finally:
        _stop(server, authority)


def test_records_merged_beside_the_server_are_answered_next(
    served: tuple[str, Authority, Clock], folder: Path
) -> None:
    url, authority, _clock = served
    state.merge(folder, records.parse_batch({"professionals": [professional(status="suspended")]}))
    body = verify(call(url, "/v1/lookup", lookup("professional", "辽121120123456"))[1], authority.config.key)
    assert body["record"]["status"] == "suspended"


def test_a_broken_records_file_is_not_answered_from(
    served: tuple[str, Authority, Clock], folder: Path
) -> None:
    url, _authority, _clock = served
    (folder / state.RECORDS).write_text("{nope", "utf-8")
    status, reply = call(url, "/v1/lookup", lookup("licence", USCC))
    assert (status, reply["reason"]) == (500, "store")
    assert call(url, "/health")[1]["ok"] is False


def test_the_state_survives_a_restart_and_one_process_holds_the_folder(folder: Path) -> None:
    clock = Clock()
    server, authority = _serve(folder, clock, test_controls=True)
    try:
        assert call(server.url, "/v1/admin/records", {"licences": [licence(name="改名后的公司")]})[0] == 200
        with pytest.raises(StartupError, match="in use"):
            Authority.open(folder, PASSPHRASE)
    finally:
        _stop(server, authority)
    assert not list(folder.glob(".*.tmp"))  # written to a temporary name, then renamed
    server, authority = _serve(folder, clock)
    try:
        body = verify(call(server.url, "/v1/lookup", lookup("licence", USCC))[1], authority.config.key)
        assert body["record"]["name"] == "改名后的公司"
        assert call(server.url, "/v1/lookup", lookup("licence", "nobody"))[1]["answer"]["found"] is False
    finally:
        _stop(server, authority)
    log = [json.loads(line) for line in (folder / state.REQUESTS).read_text("utf-8").splitlines()]
    assert [entry["outcome"] for entry in log] == ["loaded", "found", "not_found"]
    assert [entry["status"] for entry in log] == [200, 200, 200]


def test_a_wrong_passphrase_refuses_to_start(folder: Path) -> None:
    with pytest.raises(StartupError):
        Authority.open(folder, "another passphrase")
    Authority.open(folder, PASSPHRASE).close()  # the lock was released


def test_parse_lookup() -> None:
    assert parse_lookup({"kind": "professional", "number": " 辽1 ", "nonce": "0" * 16}) == (
        "professional",
        " 辽1 ",
        "0" * 16,
    )
