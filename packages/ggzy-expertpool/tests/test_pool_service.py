"""The pool's service in this process over HTTP (its own clock injected), as the platform's client sees it:
the platform's signature required and checked, a nonce used once; a draw that keeps every avoidance rule,
answered signed with its list encrypted to the platform (and nowhere in clear: not in the answer, not in
the request log); a request id answered once; a tampered answer or a wrong pinned key refused; the
experts' own answers, a decline then replacements down the pool's own order; too few experts refused with
the counts per rule; a draw's signed state; the test controls and their absence."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ggzy_expertpool import client, draw, records, sealed, service, state
from ggzy_sm import simulator
from ggzy_sm.sm2 import Sm2PrivateKey
from pool_world import (
    CONFIRM_BY,
    DAY,
    NAME,
    PLATFORM,
    PLATFORM_ENCRYPTION,
    SPECIALTY,
    Clock,
    answer,
    ask,
    call,
    check,
    draw_fields,
    expert,
    id_number,
    load,
    make_folder,
    platform_client,
    pool_of,
    replace_fields,
    request,
    serving,
    signed_by,
    uscc,
)

BIDDER = uscc(1)  # a bidder
AGENT = uscc(2)  # the agent
FORMER = uscc(3)  # a bidder some experts worked for before
RELATIVE = id_number(4242)  # a person the platform asks the pool to avoid


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    make_folder(tmp_path / "pool")
    return tmp_path / "pool"


@pytest.fixture
def served(folder: Path) -> Iterator[tuple[str, service.ExpertPool, Clock]]:
    clock = Clock()
    with serving(folder, clock) as (url, pool):
        yield url, pool, clock


def _breakers() -> list[dict[str, Any]]:
    """One expert breaking each rule (E00101 …) and the procurement-only one."""
    return [
        expert(101, status="suspended"),
        expert(102, available=["2026-03-11"]),
        expert(103, region="210202"),  # Dalian, outside the region asked
        expert(104, employer={"uscc": BIDDER, "name": "投标人甲", "from": "2024-01-01"}),
        expert(  # worked for the agent over the evaluation day (a history entry that covers it)
            105, history=[{"uscc": AGENT, "name": "代理机构", "from": "2020-01-01", "to": "2026-12-31"}]
        ),
        expert(106, id_number=RELATIVE),
        expert(  # left a bidder 2023-03-10: within three years of 2026-03-10 (procurement only)
            107, history=[{"uscc": FORMER, "name": "投标人乙", "from": "2018-01-01", "to": "2023-03-10"}]
        ),
        expert(  # left it the day before: more than three years ago, eligible
            108, history=[{"uscc": FORMER, "name": "投标人乙", "from": "2018-01-01", "to": "2023-03-09"}]
        ),
    ]


def _strict(**overrides: Any) -> dict[str, Any]:
    strict: dict[str, Any] = {
        "procurement": True,
        "regions": {"within": ["210100"], "outside": []},
        "avoid": {
            "organisations": sorted([BIDDER, AGENT, FORMER]),
            "persons": [records.person_hash(RELATIVE)],
        },
    }
    return draw_fields(**{**strict, **overrides})


def test_a_draw_keeps_every_avoidance_rule_and_counts_per_rule(folder: Path) -> None:
    load(folder, [*_breakers(), *(expert(i) for i in range(1, 4))])
    clock = Clock()
    with serving(folder, clock) as (url, pool):
        key = pool.config.key
        # the 3 clean experts and E00108 are the only eligible: 4 = 3 principals + 1 reserve, all of them
        drawn = ask(url, key, "draw", _strict())
        body, listed = drawn.body, drawn.list
        assert (body["outcome"], body["reason"], body["revision"], body["day"]) == ("drawn", None, 1, DAY)
        assert body["specialties"] == [
            {
                "specialty": SPECIALTY, "experts": 3, "reserves": 1, "candidates": 11,
                "excluded": {
                    "status": 1, "unavailable": 1, "region": 1, "employer": 2, "former_employer": 1,
                    "person": 1,
                },
                "eligible": 4, "drawn_elsewhere": 0, "short": 0,
            }
        ]  # fmt: skip
        assert listed is not None
        seated = {seat["card"]["id"] for seat in listed["seats"]}
        assert seated == {"E00001", "E00002", "E00003", "E00108"}
        assert [seat["role"] for seat in listed["seats"]] == ["principal"] * 3 + ["reserve"]
        assert [seat["seat"] for seat in listed["seats"]] == [1, 2, 3, 4]
        assert listed["evaluation"] == {
            "at": "2026-03-10T01:30:00.000000Z",
            "place": listed["evaluation"]["place"],
        }
        card = listed["seats"][0]["card"]
        assert set(card) == {
            "id",
            "name",
            "id_masked",
            "id_hash",
            "phone",
            "specialties",
            "region",
            "title",
            "employer",
        }
        assert "*" in card["id_masked"]

        # not procurement: the former employer is not a rule, so E00107 is eligible too
        loose = ask(
            url,
            key,
            "draw",
            _strict(procurement=False, specialties=[{"specialty": SPECIALTY, "experts": 5, "reserves": 0}]),
        )
        assert loose.body["specialties"][0]["excluded"]["former_employer"] == 0
        assert loose.body["specialties"][0]["eligible"] == 5
        assert "E00107" in {seat["card"]["id"] for seat in (loose.list or {})["seats"]}


def test_the_list_is_readable_only_by_the_platform(served: tuple[str, service.ExpertPool, Clock]) -> None:
    url, pool, _clock = served
    assert call(url, service.EXPERTS_PATH, {"experts": [expert(i) for i in range(1, 6)]})[0] == 200
    asked = request("draw", draw_fields())
    status, reply = call(url, service.DRAWS_PATH, asked)
    assert status == 200
    text = json.dumps(reply, ensure_ascii=False)
    logged = (pool.folder / "requests.jsonl").read_text("utf-8")
    for i in range(1, 6):
        for secret in (f"E{i:05d}", f"专家{i:05d}", f"139{i:08d}", records.person_hash(id_number(i))):
            assert secret not in text
            assert secret not in logged
    envelope = reply["answer"]["list"]
    assert envelope["recipient"] == PLATFORM_ENCRYPTION.public_key.hex()
    body = reply["answer"]
    with pytest.raises(sealed.SealedError, match="another key"):
        sealed.open_sealed(envelope, key=PLATFORM, pool=pool.config.key, draw=body["draw"], revision=1)
    impostor = copy.deepcopy(envelope)
    impostor["recipient"] = PLATFORM.public_key.hex()  # claims another recipient: the key does not unwrap
    with pytest.raises(sealed.SealedError):
        sealed.open_sealed(impostor, key=PLATFORM, pool=pool.config.key, draw=body["draw"], revision=1)
    with pytest.raises(sealed.SealedError, match="does not decrypt"):  # moved to another revision
        sealed.open_sealed(
            envelope, key=PLATFORM_ENCRYPTION, pool=pool.config.key, draw=body["draw"], revision=2
        )
    opened = sealed.open_sealed(
        envelope, key=PLATFORM_ENCRYPTION, pool=pool.config.key, draw=body["draw"], revision=1
    )
    assert len(opened["seats"]) == 4
    assert opened["pool"] == NAME


def test_a_request_id_is_answered_once(served: tuple[str, service.ExpertPool, Clock]) -> None:
    url, pool, _clock = served
    call(url, service.EXPERTS_PATH, {"experts": [expert(i) for i in range(1, 9)]})
    fields = draw_fields()
    first = ask(url, pool.config.key, "draw", fields)
    again = ask(url, pool.config.key, "draw", fields)  # the same id and fields, a new nonce: a retry
    assert again.body["repeated"] is True
    assert first.body["repeated"] is False
    assert again.body["draw"] == first.body["draw"]
    assert again.body["list"] == first.body["list"]  # the same list, the very ciphertext
    assert again.body["nonce"] != first.body["nonce"]
    other = ask(url, pool.config.key, "draw", {**fields, "centre": "dl"})  # the same id, another body
    assert (other.body["outcome"], other.body["reason"], other.body["draw"]) == (
        "refused",
        "request_reused",
        None,
    )
    assert other.list is None
    assert call(url, "/health")[1]["draws"] == 1  # nothing drawn twice
    # a signed request is sent once: its nonce replayed is refused, unsigned
    asked = request("draw", draw_fields())
    assert call(url, service.DRAWS_PATH, asked)[0] == 200
    assert call(url, service.DRAWS_PATH, asked) == (
        409,
        {"reason": "replayed", "message": "this nonce was used before: a request is sent once"},
    )


def test_a_request_id_survives_a_restart(folder: Path) -> None:
    load(folder, [expert(i) for i in range(1, 6)])
    fields = draw_fields()
    with serving(folder) as (url, pool):
        first = ask(url, pool.config.key, "draw", fields)
    with serving(folder) as (url, pool):
        again = ask(url, pool.config.key, "draw", fields)
    assert (again.body["repeated"], again.body["draw"]) == (True, first.body["draw"])


def test_a_tampered_answer_fails_verification(served: tuple[str, service.ExpertPool, Clock]) -> None:
    url, pool, _clock = served
    call(url, service.EXPERTS_PATH, {"experts": [expert(i) for i in range(1, 6)]})
    asked = request("draw", draw_fields())
    reply = call(url, service.DRAWS_PATH, asked)[1]
    nonce = asked["request"]["nonce"]
    key = pool.config.key
    assert check(reply, key, "draw", nonce).list is not None
    for change in (
        lambda r: r["answer"].update(revision=2),
        lambda r: r["answer"]["specialties"][0]["excluded"].update(employer=9),
        lambda r: r["answer"]["list"].update(ciphertext=r["answer"]["list"]["ciphertext"][:-2] + "00"),
        lambda r: r.update(signature="00" * 64),
    ):
        tampered = copy.deepcopy(reply)
        change(tampered)
        with pytest.raises(client.PoolError, match="does not verify") as refused:
            check(tampered, key, "draw", nonce)
        assert refused.value.kind == "answer"
    # re-signed by someone else: not the pinned key
    forged = simulator.signed(Sm2PrivateKey.generate(), service.ANSWER, "answer", {
        k: v for k, v in reply["answer"].items() if k != "format"
    })  # fmt: skip
    with pytest.raises(client.PoolError, match="does not have"):
        check(forged, key, "draw", nonce)
    # a genuine answer to another question
    with pytest.raises(client.PoolError, match="not the answer to this request"):
        check(reply, key, "draw", "0" * 32)
    with pytest.raises(client.PoolError, match="another request"):
        client.answer_check(
            pool_of(url, key), reply, PLATFORM_ENCRYPTION, action="draw", nonce=nonce, expect={"request": "x"}
        )
    # a genuine answer whose list is opened with another key than the one it was encrypted to
    with pytest.raises(client.PoolError, match="another key"):
        client.answer_check(pool_of(url, key), reply, PLATFORM, action="draw", nonce=nonce)
    # the pool named otherwise than the trust file names it
    with pytest.raises(client.PoolError, match="not the answer"):
        client.answer_check(
            pool_of(url, key, "别的专家库"), reply, PLATFORM_ENCRYPTION, action="draw", nonce=nonce
        )


def test_the_platform_trusts_only_the_pinned_pool_key(served: tuple[str, service.ExpertPool, Clock]) -> None:
    url, pool, _clock = served
    call(url, service.EXPERTS_PATH, {"experts": [expert(i) for i in range(1, 6)]})
    wrong = platform_client(url, Sm2PrivateKey.generate().public_key)
    with pytest.raises(client.PoolError, match="does not have") as refused:
        wrong.draw(
            request="r-wrong-key",
            centre="sy",
            evaluation_at=dt.datetime(2026, 3, 10, 1, 30, tzinfo=dt.UTC),
            place="第三评标室",
            specialties=[client.need(SPECIALTY, 3, 1)],
            confirm_by=dt.datetime(2026, 3, 9, 10, tzinfo=dt.UTC),
        )
    assert refused.value.kind == "answer"
    right = platform_client(url, pool.config.key)
    drawn = right.draw(
        request="r-wrong-key",  # the same request: it was drawn, the answer is given again
        centre="sy",
        evaluation_at=dt.datetime(2026, 3, 10, 1, 30, tzinfo=dt.UTC),
        place="第三评标室",
        specialties=[client.need(SPECIALTY, 3, 1)],
        confirm_by=dt.datetime(2026, 3, 9, 10, tzinfo=dt.UTC),
    )
    assert drawn.body["repeated"] is True
    assert drawn.list is not None
    with pytest.raises(client.PoolError, match="does not pin"):
        client.pool_pinned({"format": client.TRUST_FORMAT, "pools": {}}, "ln", url)


def test_the_pool_trusts_only_the_pinned_platform_key(served: tuple[str, service.ExpertPool, Clock]) -> None:
    url, _pool, _clock = served
    fields = draw_fields()
    assert call(url, service.DRAWS_PATH, request("draw", fields)["request"])[0] == 400  # unsigned
    other = signed_by(Sm2PrivateKey.generate(), "draw", fields)
    assert call(url, service.DRAWS_PATH, other) == (
        403,
        {"reason": "not_trusted", "message": "the request is not signed by the pinned platform key"},
    )
    tampered = request("draw", fields)
    tampered["request"]["procurement"] = True
    assert call(url, service.DRAWS_PATH, tampered)[1]["reason"] == "bad_signature"
    # a request signed for one action is not taken at another's path
    assert call(url, service.REPLACEMENTS_PATH, request("draw", fields))[0] == 400
    assert call(url, "/health")[1]["draws"] == 0


def test_nothing_is_answered_before_the_platform_s_keys_are_pinned(tmp_path: Path) -> None:
    make_folder(tmp_path / "pool", pinned=False)
    with serving(tmp_path / "pool") as (url, _pool):
        status, reply = call(url, service.DRAWS_PATH, request("draw", draw_fields()))
        assert (status, reply["reason"]) == (403, "not_trusted")
        assert call(url, "/health")[1]["platform_pinned"] is False


def test_too_few_eligible_is_a_signed_refusal_with_counts_per_rule(
    served: tuple[str, service.ExpertPool, Clock],
) -> None:
    url, pool, _clock = served
    call(url, service.EXPERTS_PATH, {"experts": [*_breakers(), expert(1), expert(2)]})
    fields = _strict()
    refused = ask(url, pool.config.key, "draw", fields)
    assert (refused.body["outcome"], refused.body["reason"], refused.body["draw"]) == (
        "refused",
        "too_few",
        None,
    )
    assert refused.list is None
    assert refused.body["specialties"][0]["eligible"] == 3  # E00001, E00002, E00108
    assert refused.body["specialties"][0]["short"] == 1
    assert refused.body["specialties"][0]["excluded"]["person"] == 1
    assert call(url, "/health")[1]["draws"] == 0
    # decided once: asked again after more experts came, the same refusal (a new request id draws)
    call(url, service.EXPERTS_PATH, {"experts": [expert(3)]})
    again = ask(url, pool.config.key, "draw", fields)
    assert (again.body["reason"], again.body["repeated"]) == ("too_few", True)
    assert ask(url, pool.config.key, "draw", {**fields, "request": "fresh"}).body["outcome"] == "drawn"
    # a specialty nobody holds
    nobody = ask(
        url,
        pool.config.key,
        "draw",
        draw_fields(specialties=[{"specialty": "Z999", "experts": 1, "reserves": 0}]),
    )
    assert nobody.body["specialties"][0] == {
        "specialty": "Z999", "experts": 1, "reserves": 0, "candidates": 0,
        "excluded": dict.fromkeys(draw.RULES, 0),
        "eligible": 0, "drawn_elsewhere": 0, "short": 1,
    }  # fmt: skip


def test_two_specialties_never_seat_one_expert_twice(served: tuple[str, service.ExpertPool, Clock]) -> None:
    url, pool, _clock = served
    both = [expert(i, specialties=[SPECIALTY, "C020101"]) for i in range(1, 5)]
    call(url, service.EXPERTS_PATH, {"experts": both})
    needs = [
        {"specialty": SPECIALTY, "experts": 2, "reserves": 0},
        {"specialty": "C020101", "experts": 2, "reserves": 0},
    ]
    drawn = ask(url, pool.config.key, "draw", draw_fields(specialties=needs))
    ids = [seat["card"]["id"] for seat in (drawn.list or {})["seats"]]
    assert sorted(ids) == ["E00001", "E00002", "E00003", "E00004"]
    assert drawn.body["specialties"][1]["drawn_elsewhere"] == 2
    short = ask(url, pool.config.key, "draw", draw_fields(specialties=[needs[0], {**needs[1], "experts": 3}]))
    assert (short.body["reason"], short.body["specialties"][1]["short"]) == ("too_few", 1)


def _order(pool: service.ExpertPool, draw_id: str) -> list[str]:
    return list(state.load_pool(pool.folder).draws[draw_id]["orders"][SPECIALTY])


def test_a_decline_then_replacements_walk_the_pool_s_order(
    served: tuple[str, service.ExpertPool, Clock],
) -> None:
    url, pool, clock = served
    key = pool.config.key
    call(url, service.EXPERTS_PATH, {"experts": [expert(i) for i in range(1, 11)]})
    drawn = ask(url, key, "draw", draw_fields())
    draw_id = drawn.body["draw"]
    order = _order(pool, draw_id)
    assert len(order) == 10
    seats = (drawn.list or {})["seats"]
    assert [s["card"]["id"] for s in seats] == order[:4]
    assert [s["rank"] for s in seats] == [1, 2, 3, 4]

    # the staff cannot mark a decline: a replacement "declined" needs the expert's own answer
    refused = ask(url, key, "replace", replace_fields(draw_id, 1, "declined"))
    assert (refused.body["outcome"], refused.body["reason"], refused.list) == (
        "refused",
        "not_declined",
        None,
    )

    status, replied = answer(url, draw_id, order[0], "decline", "call")
    assert (status, replied["seat"], replied["revision"]) == (200, 1, 2)
    assert answer(url, draw_id, order[0], "decline")[1]["repeated"] is True
    assert answer(url, draw_id, order[0], "accept")[0] == 409  # an answer is not changed
    assert answer(url, draw_id, order[1], "accept")[0] == 200

    # seat 1 declined: the reserve (seat 4, the 4th of the order) takes it
    first = ask(url, key, "replace", replace_fields(draw_id, 1, "declined"))
    assert (first.body["outcome"], first.body["seat"], first.body["taker"], first.body["revision"]) == (
        "replaced",
        1,
        4,
        4,
    )
    listed = (first.list or {})["seats"]
    assert (listed[0]["replaced_by"], listed[0]["replaced_reason"], listed[0]["answer"]) == (
        4,
        "declined",
        "decline",
    )
    assert (listed[3]["role"], listed[3]["replaces"]) == ("principal", 1)

    # seat 2 accepted, then was absent: no reserve stands, the next of the order (the 5th) is called
    second = ask(url, key, "replace", replace_fields(draw_id, 2, "absent"))
    assert (second.body["taker"], second.body["skipped"]["seated"]) == (5, 0)
    new = (second.list or {})["seats"][4]
    assert (new["card"]["id"], new["rank"], new["role"], new["replaces"]) == (order[4], 5, "principal", 2)
    assert new["answer_by"] == "2026-03-10T01:30:00.000000Z"  # called late: until the evaluation begins

    # seat 3 has not answered: not before its time to answer has passed
    assert (
        ask(url, key, "replace", replace_fields(draw_id, 3, "no_answer")).body["reason"] == "answer_pending"
    )
    clock.now = dt.datetime(2026, 3, 9, 10, 0, 1, tzinfo=dt.UTC)
    assert answer(url, draw_id, order[2], "accept")[1]["reason"] == "too_late"
    third = ask(url, key, "replace", replace_fields(draw_id, 3, "no_answer"))
    assert (third.body["taker"], (third.list or {})["seats"][5]["card"]["id"]) == (6, order[5])
    assert answer(url, draw_id, order[5], "accept")[0] == 200  # the late one answers until the evaluation

    # a replaced seat is not replaced again, nor does its expert answer any more
    assert (
        ask(url, key, "replace", replace_fields(draw_id, 1, "declined")).body["reason"] == "already_replaced"
    )
    assert answer(url, draw_id, order[2], "decline")[1]["reason"] == "replaced"
    assert _order(pool, draw_id) == order  # the order was never drawn again


def test_a_conflict_at_check_in_walks_on_until_the_order_is_used_up(
    served: tuple[str, service.ExpertPool, Clock],
) -> None:
    url, pool, _clock = served
    key = pool.config.key
    call(url, service.EXPERTS_PATH, {"experts": [expert(i) for i in range(1, 8)]})
    drawn = ask(url, key, "draw", draw_fields())
    draw_id = drawn.body["draw"]
    order = _order(pool, draw_id)
    # seat 1 conflicts with a bidder known only now: the reserve takes it; then seat 4 (the reserve
    # promoted) conflicts too, the avoidance list extended — the walk passes over who now breaks it
    assert ask(url, key, "replace", replace_fields(draw_id, 1, "conflict")).body["taker"] == 4
    conflicted = replace_fields(
        draw_id, 4, "conflict", avoid={"organisations": [uscc(9000 + int(order[4][1:]))], "persons": []}
    )
    walked = ask(url, key, "replace", conflicted)
    assert (walked.body["taker"], walked.body["skipped"]["employer"]) == (5, 1)
    taker = (walked.list or {})["seats"][4]
    assert (taker["card"]["id"], taker["rank"], taker["role"], taker["replaces"]) == (
        order[5],
        6,
        "principal",
        4,
    )
    assert _order(pool, draw_id) == order  # the order was never drawn again

    # the same replacement request is answered once
    again = ask(url, key, "replace", conflicted)
    assert (again.body["repeated"], again.body["taker"], again.body["list"]) == (True, 5, walked.body["list"])

    # the state, signed: the latest revision, readable only with the platform's key
    platform = platform_client(url, key)
    now = platform.state(draw_id)
    assert now.body["revision"] == walked.body["revision"] == 3
    assert [s["replaced_by"] for s in (now.list or {})["seats"]] == [4, None, None, 5, None]
    with pytest.raises(client.PoolError, match="not newer"):
        platform.state(draw_id, newer_than=now.body["revision"])
    assert call(url, f"{service.DRAWS_PATH}/20260302ffffffffffffffff")[0] == 404

    # used up: the order ends (order[6] is the last), then a signed refusal with the list as it stands
    assert ask(url, key, "replace", replace_fields(draw_id, 2, "conflict")).body["taker"] == 6
    last = ask(url, key, "replace", replace_fields(draw_id, 3, "conflict"))
    assert (last.body["outcome"], last.body["reason"], last.body["taker"]) == ("refused", "exhausted", None)
    assert last.list is not None
    assert last.list["seats"][2]["replaced_by"] is None


def test_replacement_refusals(served: tuple[str, service.ExpertPool, Clock]) -> None:
    url, pool, _clock = served
    key = pool.config.key
    call(url, service.EXPERTS_PATH, {"experts": [expert(i) for i in range(1, 6)]})
    draw_id = ask(url, key, "draw", draw_fields()).body["draw"]
    assert (
        ask(url, key, "replace", replace_fields("20260302" + "0" * 16, 1, "conflict")).body["reason"]
        == "unknown_draw"
    )
    assert ask(url, key, "replace", replace_fields(draw_id, 9, "conflict")).body["reason"] == "no_seat"
    assert ask(url, key, "replace", replace_fields(draw_id, 1, "absent")).body["reason"] == "not_accepted"
    assert (
        call(url, service.REPLACEMENTS_PATH, request("replace", replace_fields(draw_id, 1, "bored")))[0]
        == 400
    )


def test_in_the_past_and_malformed_requests(served: tuple[str, service.ExpertPool, Clock]) -> None:
    url, pool, clock = served
    call(url, service.EXPERTS_PATH, {"experts": [expert(i) for i in range(1, 6)]})
    clock.now = dt.datetime(2026, 3, 9, 11, tzinfo=dt.UTC)  # after CONFIRM_BY
    assert ask(url, pool.config.key, "draw", draw_fields()).body["reason"] == "in_the_past"
    for bad in (
        draw_fields(specialties=[{"specialty": SPECIALTY, "experts": "3", "reserves": 1}]),
        draw_fields(specialties=[{"specialty": SPECIALTY, "experts": 0, "reserves": 1}]),
        draw_fields(confirm_by="2026-03-11T00:00:00.000000Z"),  # after the evaluation begins
        draw_fields(avoid={"organisations": ["91210100MA0000000X"], "persons": []}),
        draw_fields(regions={"within": ["21"], "outside": []}),
        {**draw_fields(), "project": "E2101000001000001"},
    ):
        status, reply = call(url, service.DRAWS_PATH, request("draw", bad))
        assert (status, reply["reason"]) == (400, "malformed"), bad


def test_fail_next_and_a_retry_draws_once(served: tuple[str, service.ExpertPool, Clock]) -> None:
    url, pool, _clock = served
    call(url, service.EXPERTS_PATH, {"experts": [expert(i) for i in range(1, 6)]})
    platform = platform_client(url, pool.config.key)
    asked: dict[str, Any] = {
        "request": "r-1",
        "centre": "sy",
        "evaluation_at": dt.datetime(2026, 3, 10, 1, 30, tzinfo=dt.UTC),
        "place": "第三评标室",
        "specialties": [client.need(SPECIALTY, 3, 1)],
        "confirm_by": dt.datetime.fromisoformat(CONFIRM_BY),
    }
    assert call(url, "/v1/admin/fail-next", {"count": 1}) == (200, {"fail_next": 1})
    with pytest.raises(client.PoolError) as down:
        platform.draw(**asked)
    assert down.value.kind == "unavailable"
    drawn = platform.draw(**asked)
    assert (drawn.body["outcome"], drawn.body["repeated"]) == ("drawn", False)
    assert platform.draw(**asked).body["repeated"] is True
    assert call(url, "/health")[1]["draws"] == 1


def test_the_test_controls_are_absent_without_the_flag(folder: Path) -> None:
    with serving(folder, test_controls=False) as (url, _pool):
        assert call(url, service.EXPERTS_PATH, {"experts": []})[0] == 404
        assert call(url, service.ANSWERS_PATH, {})[0] == 404
        assert call(url, "/v1/admin/fail-next", {"count": 1})[0] == 404


def test_experts_loaded_over_http_are_checked(served: tuple[str, service.ExpertPool, Clock]) -> None:
    url, pool, _clock = served
    status, reply = call(url, service.EXPERTS_PATH, {"experts": [expert(1), expert(2, phone="1")]})
    assert (status, reply["reason"]) == (400, "malformed")
    assert "experts[1] (E00002).phone" in reply["message"]
    assert call(url, "/health")[1]["experts"] == 0
    assert call(url, service.EXPERTS_PATH, {"experts": [expert(1), expert(2, status="suspended")]}) == (
        200,
        {"loaded": 2, "experts": 2},
    )
    health = call(url, "/health")[1]
    assert (health["experts"], health["active"], health["platform_pinned"], health["name"]) == (
        2,
        1,
        True,
        NAME,
    )
    assert "id_number" not in (pool.folder / "pool.json").read_text("utf-8")
