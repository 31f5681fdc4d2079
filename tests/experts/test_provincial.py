"""The platform's side of the provincial expert pool (issue 33, docs/expert-pool-interface.md "The platform's
side"): `ggzy-expertpool` run as its operators run it — init, configure with the platform's two keys
(`ggzy experts pool-keys`), load, trust, serve as a process of its own on a free port with its own folder —
and the platform drawing from it: the signed list decrypted, stored encrypted and made calls, an expert's
decline replaced by the pool, an answer signed by another key or no answer at all refused with nothing
written, a signed refusal with its counts, and a request id that never draws twice."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import PLATFORM_ZONE
from ggzy.experts import services
from ggzy.experts.errors import ExpertsError
from ggzy.experts.models import Call, DrawRequest, Employment, Expert, ExpertSpecialty, Source, Title
from ggzy.experts.services.provincial import list_of
from ggzy.experts.states import Answer, CallRole, RequestState
from ggzy_expertpool import records
from ggzy_sm import simulator_testing
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.experts.test_draw import request as draw_request
from tests.outside import BIN, serving_on

pytestmark = pytest.mark.django_db
PASSPHRASE = "expert pool test passphrase"
NAME = "辽宁省综合评标专家库（模拟）"
CODE = "ln"
SPECIALTY = "A08"


def uscc(serial: int) -> str:
    """A unified social credit code passing both its check characters."""
    body = f"MA{serial:06d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    values = {c: v for v, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
    check = 11 - sum(values[c] * w for c, w in zip(body, weights, strict=True)) % 11
    first17 = f"91210100{body}{ {10: 'X', 11: '0'}.get(check, str(check)) }"
    return first17 + records.uscc_check_char(first17)


def id_number(serial: int) -> str:
    first17 = f"21010219750101{serial:03d}"
    return first17 + records.id_check_char(first17)


BIDDER = uscc(777)


def pool_expert(serial: int, day: str, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": f"E{serial:05d}",
        "name": f"省库专家{serial:02d}",
        "id_number": id_number(serial),
        "phone": f"139{serial:08d}",
        "specialties": [SPECIALTY],
        "region": "210102",
        "title": "高级工程师",
        "employer": {"uscc": uscc(9000 + serial), "name": f"示例设计院{serial}", "from": "2015-07-01"},
        "history": [],
        "status": "active",
        "available": [day],
    }
    record.update(overrides)
    return record


def _env() -> dict[str, str]:
    return {**os.environ, "GGZY_EXPERTPOOL_PASSPHRASE": PASSPHRASE}


def tool(*argv: object) -> str:
    done = subprocess.run(
        [str(BIN / "ggzy-expertpool"), *map(str, argv)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False, env=_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class PoolWorld:
    folder: Path
    trust: Path
    url: str
    process: subprocess.Popen[str]
    evaluation_at: dt.datetime

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return simulator_testing.call(self.url, path, body)

    def health(self) -> dict[str, Any]:
        return simulator_testing.call(self.url, "/health")[1]

    def answer(self, request: DrawRequest, expert: Expert, reply: str) -> None:
        status, said = self.post(
            "/v1/admin/answers",
            {"draw": request.pool_draw, "expert": expert.pool_id, "answer": reply, "channel": "sms"},
        )
        assert status == 200, said

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def pool(tmp_path: Path, settings: Any) -> Iterator[PoolWorld]:
    """The pool as its operator sets it up, pinning the platform's keys; the platform pinning its key."""
    folder = tmp_path / "pool"
    tool("init", "--dir", folder, "--name", NAME, "--iterations", 1000)
    keys = services.platform_keys()
    tool(
        "configure", "--dir", folder, "--platform-key", keys["platform_key"],
        "--platform-encryption-key", keys["platform_encryption_key"],
    )  # fmt: skip
    evaluation_at = (clock.now() + dt.timedelta(days=2)).replace(microsecond=0)
    day = evaluation_at.astimezone(PLATFORM_ZONE).date().isoformat()
    experts = [pool_expert(n, day) for n in range(1, 11)]
    experts[0]["employer"] = {"uscc": BIDDER, "name": "某投标人", "from": "2015-07-01"}  # avoided
    (tmp_path / "experts.json").write_text(json.dumps({"experts": experts}), "utf-8")
    tool("load", "--dir", folder, tmp_path / "experts.json")
    trust = tmp_path / "expertpool-trust.json"
    tool("trust", "--out", trust, f"{CODE}={folder}")
    process = subprocess.Popen(
        [str(BIN / "ggzy-expertpool"), "serve", "--dir", str(folder), "--port", "0", "--test-controls"],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        url = serving_on(process, "the expert pool")
    except BaseException:
        process.kill()
        process.wait(timeout=10)
        raise
    settings.GGZY_EXPERT_POOL = f"{CODE}={url}"
    settings.GGZY_EXPERT_POOL_TRUST = str(trust)
    world = PoolWorld(folder, trust, url, process, evaluation_at)
    try:
        yield world
    finally:
        world.stop()


def _request(world: PoolWorld, **fields: Any) -> DrawRequest:
    arguments: dict[str, Any] = {
        "evaluation_at": world.evaluation_at,
        "avoid": {"organisations": [BIDDER]},
        "engineering": False,
    }
    arguments.update(fields)
    return draw_request(**arguments)  # type: ignore[return-value]


def _nothing_written(request: DrawRequest) -> None:
    request.refresh_from_db()
    assert (request.state, request.source, request.pool_draw, request.pool_revision) == (
        RequestState.REQUESTED, Source.LOCAL, "", 0,
    )  # fmt: skip
    assert not Call.objects.filter(request=request).exists()
    assert not Expert.objects.filter(source=Source.PROVINCIAL).exists()


def test_a_draw_end_to_end_the_list_decrypted_stored_encrypted_and_called(pool: PoolWorld) -> None:
    avoided = Expert.objects.create(  # a local expert who is the pool's E00003
        name="本地专家", id_number=id_number(3), birth_date=dt.date(1975, 1, 1), region="210102",
        title=Title.SENIOR, field_since=2000, centre="ln", registered_at=clock.now(),
    )  # fmt: skip
    made = _request(pool, avoid={"organisations": [BIDDER], "persons": [avoided.id_number_lookup]})

    drawn = services.provincial_draw(actor=None, request=made)

    drawn.refresh_from_db()
    assert (drawn.state, drawn.source, drawn.pool, drawn.pool_revision) == (
        RequestState.DRAWN, Source.PROVINCIAL, CODE, 1,
    )  # fmt: skip
    assert drawn.pool_draw
    assert drawn.pool_answer["answer"]["draw"] == drawn.pool_draw
    assert (drawn.exclusions["employer"], drawn.exclusions["person"]) == (1, 1)
    seats = list_of(drawn)["seats"]
    assert len(seats) == 7
    calls = list(Call.objects.filter(request=drawn).select_related("expert").order_by("sequence"))
    assert [c.sequence for c in calls] == [s["seat"] for s in seats]
    assert [c.role for c in calls] == [CallRole.PRINCIPAL] * 5 + [CallRole.RESERVE] * 2
    assert [c.expert.name for c in calls] == [s["card"]["name"] for s in seats]
    drawn_ids = {c.expert.pool_id for c in calls}
    assert not drawn_ids & {"E00001", "E00003"}  # the bidder's employee, the person avoided
    first = calls[0].expert
    assert (first.source, first.pool, first.id_masked, first.person_hash) == (
        Source.PROVINCIAL, CODE, seats[0]["card"]["id_masked"], seats[0]["card"]["id_hash"],
    )  # fmt: skip
    assert first.birth_date is None
    assert first.field_since is None
    assert not str(first.id_number or "")
    assert not ExpertSpecialty.objects.filter(expert=first).exists()  # never drawn by the local pool
    assert first.pool_specialties == [SPECIALTY]
    assert Employment.objects.get(expert=first).uscc == seats[0]["card"]["employer"]["uscc"]
    with connection.cursor() as cursor:  # the list is kept encrypted
        cursor.execute("SELECT pool_list FROM experts_drawrequest WHERE id = %s", [drawn.pk])
        stored = cursor.fetchone()[0]
    assert stored
    assert first.name not in stored
    assert "省库专家" not in stored

    with pytest.raises(DomainError) as again:
        services.provincial_draw(actor=None, request=drawn)
    assert again.value.code == ExpertsError.DRAWN
    assert pool.health()["draws"] == 1
    other = draw_request(needs={SPECIALTY: {"count": 5, "reserves": 0}}, committee=7)
    assert services.eligible_for(other)[0][SPECIALTY] == []  # provincial experts are not the centre's


def test_a_decline_given_to_the_pool_is_replaced_by_the_pool(pool: PoolWorld) -> None:
    drawn = services.provincial_draw(actor=None, request=_request(pool))
    calls = list(Call.objects.filter(request=drawn).select_related("expert").order_by("sequence"))
    pool.answer(drawn, calls[0].expert, "decline")
    pool.answer(drawn, calls[1].expert, "accept")

    assert services.provincial_refresh(request=drawn) == 2

    drawn.refresh_from_db()
    assert drawn.pool_revision >= 4  # two answers, one replacement
    declined, accepted = (Call.objects.get(pk=c.pk) for c in calls[:2])
    assert (declined.answer, accepted.answer) == (Answer.DECLINED, Answer.ACCEPTED)
    taker = Call.objects.get(request=drawn, replaces=declined.sequence)
    assert taker.role == CallRole.REPLACEMENT
    assert taker.answer == Answer.PENDING
    seat = next(s for s in list_of(drawn)["seats"] if s["seat"] == declined.sequence)
    assert (seat["replaced_by"], seat["replaced_reason"]) == (taker.sequence, "declined")
    assert services.provincial_refresh(request=drawn) == 0  # nothing newer
    roster = services.roster_document(drawn)
    assert [m["name"] for m in roster["members"]] == [accepted.expert.name]


def test_the_tick_job_reads_the_answers_given_to_the_pool_once(pool: PoolWorld) -> None:
    """Nobody presses a button: the registered tick job reads the experts' own answers from the pool's
    signed state; its second pass finds nothing new."""
    from ggzy.core import tick

    job = tick.jobs()["experts.provincial_refresh"]
    drawn = services.provincial_draw(actor=None, request=_request(pool))
    calls = list(Call.objects.filter(request=drawn).select_related("expert").order_by("sequence"))
    pool.answer(drawn, calls[0].expert, "accept")
    pool.answer(drawn, calls[1].expert, "decline")

    assert job() == 2
    assert job() == 0
    assert Call.objects.get(pk=calls[0].pk).answer == Answer.ACCEPTED
    assert Call.objects.get(pk=calls[1].pk).answer == Answer.DECLINED
    assert Call.objects.filter(request=drawn, replaces=calls[1].sequence).count() == 1


def test_the_staff_buttons_draw_through_the_pool_and_refresh_its_answers(pool: PoolWorld) -> None:
    """The request page's two buttons against the pool process: the draw (names never shown), then the
    answers the experts gave the pool; another centre's staff find nothing; the pool gone, the refresh says
    so in Chinese and nothing changes."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from ggzy.accounts.models import Centre, RoleGrant
    from ggzy.core.roles import Role
    from tests import factories
    from tests.experts.test_pages import assert_chinese_error

    staff = get_user_model().objects.create_user(username="ln-staff-provincial")
    factories.grant_role(staff, Role.CENTRE_STAFF)
    other = get_user_model().objects.create_user(username="sy-staff-provincial")
    sy, _made = Centre.objects.get_or_create(
        code="sy", defaults={"name": "沈阳市公共资源交易中心", "region": "210100"}
    )
    RoleGrant.objects.create(user=other, role=Role.CENTRE_STAFF, centre=sy, granted_at=clock.now())
    request = _request(pool)
    draw_url = reverse("experts:provincial-draw", args=[request.uid])
    refresh_url = reverse("experts:provincial-refresh", args=[request.uid])

    assert factories.signed_in(Client(), other).post(draw_url).status_code == 404
    _nothing_written(request)

    mine = factories.signed_in(Client(), staff)
    response = mine.post(draw_url, follow=True)
    assert response.status_code == 200
    request.refresh_from_db()
    assert (request.state, request.source) == (RequestState.DRAWN, Source.PROVINCIAL)
    calls = list(Call.objects.filter(request=request).select_related("expert").order_by("sequence"))
    assert calls
    page = response.content.decode()
    assert not any(c.expert.name in page for c in calls)  # drawn, and nobody's name on the page

    pool.answer(request, calls[0].expert, "accept")
    response = mine.post(refresh_url, follow=True)
    assert response.status_code == 200
    assert Call.objects.get(pk=calls[0].pk).answer == Answer.ACCEPTED
    assert factories.signed_in(Client(), other).post(refresh_url).status_code == 404

    pool.answer(request, calls[1].expert, "accept")
    pool.stop()
    response = mine.post(refresh_url, follow=True)
    assert_chinese_error(response)
    assert Call.objects.get(pk=calls[1].pk).answer == Answer.PENDING  # given to the pool, not yet read


def test_a_seat_unanswered_in_time_is_replaced_as_no_answer(pool: PoolWorld) -> None:
    made = _request(pool, push_at=clock.now() + dt.timedelta(seconds=4))  # the experts answer until then
    drawn = services.provincial_draw(actor=None, request=made)
    calls = list(Call.objects.filter(request=drawn).select_related("expert").order_by("sequence"))
    for call in calls[1:]:
        pool.answer(drawn, call.expert, "accept")
    assert services.provincial_refresh(request=drawn) == 6
    assert Call.objects.get(pk=calls[0].pk).answer == Answer.PENDING  # not late yet
    time.sleep(max(0.0, (made.push_at - clock.now()).total_seconds()) + 0.5)
    assert services.calls_timeout() == 0  # the local timeout leaves the pool's calls alone
    assert services.provincial_refresh(request=drawn) == 1  # late by the clock: no new revision needed
    late = Call.objects.get(pk=calls[0].pk)
    assert late.answer == Answer.TIMEOUT
    taker = Call.objects.get(request=drawn, replaces=late.sequence)
    drawn.refresh_from_db()
    seat = next(s for s in list_of(drawn)["seats"] if s["seat"] == late.sequence)
    assert (seat["replaced_by"], seat["replaced_reason"]) == (taker.sequence, "no_answer")


def test_an_answer_signed_by_another_key_is_refused_and_a_retry_draws_nothing_twice(
    pool: PoolWorld, settings: Any, tmp_path: Path
) -> None:
    made = _request(pool)
    forged = tmp_path / "other-trust.json"
    forged.write_text(
        json.dumps(
            {
                "format": "ggzy-expertpool-trust-v1",
                "pools": {CODE: {"name": NAME, "key": Sm2PrivateKey.generate().public_key.hex()}},
            }
        ),
        "utf-8",
    )
    settings.GGZY_EXPERT_POOL_TRUST = str(forged)
    with pytest.raises(DomainError) as refused:
        services.provincial_draw(actor=None, request=made)
    assert refused.value.code == ExpertsError.POOL_UNTRUSTED
    _nothing_written(made)

    settings.GGZY_EXPERT_POOL_TRUST = str(pool.trust)
    services.provincial_draw(actor=None, request=made)  # the same request id: the pool's same draw
    made.refresh_from_db()
    assert made.state == RequestState.DRAWN
    assert made.pool_answer["answer"]["repeated"] is True
    assert pool.health()["draws"] == 1


def test_the_pool_down_or_failing_is_a_clear_error_and_nothing_is_written(pool: PoolWorld) -> None:
    made = _request(pool)
    assert pool.post("/v1/admin/fail-next", {"count": 1})[0] == 200
    with pytest.raises(DomainError) as failing:
        services.provincial_draw(actor=None, request=made)
    assert failing.value.code == ExpertsError.POOL_UNAVAILABLE
    _nothing_written(made)
    pool.stop()
    with pytest.raises(DomainError) as down:
        services.provincial_draw(actor=None, request=made)
    assert down.value.code == ExpertsError.POOL_UNAVAILABLE
    assert "URLError" in down.value.detail["why"] or "Connection" in down.value.detail["why"]
    _nothing_written(made)


def test_a_refusal_the_pool_signs_gives_its_counts_and_the_next_ask_a_new_id(pool: PoolWorld) -> None:
    made = _request(pool, needs={SPECIALTY: {"count": 9, "reserves": 2}}, committee=11)
    with pytest.raises(DomainError) as refused:
        services.provincial_draw(actor=None, request=made)
    assert refused.value.code == ExpertsError.POOL_REFUSED
    assert refused.value.detail["reason"] == "too_few"
    assert refused.value.detail["specialties"][0]["excluded"]["employer"] == 1
    made.refresh_from_db()
    assert (made.state, made.pool_refusals, made.pool_draw) == (RequestState.REQUESTED, 1, "")
    assert not Call.objects.filter(request=made).exists()


def test_without_a_pool_configured_the_centre_draws_locally(settings: Any) -> None:
    settings.GGZY_EXPERT_POOL = ""
    made = draw_request()
    assert not services.uses_pool("ln")
    with pytest.raises(DomainError) as refused:
        services.provincial_draw(actor=None, request=made)
    assert refused.value.code == ExpertsError.POOL_NOT_USED


def test_pool_keys_prints_what_the_pool_pins(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("experts", "pool-keys")
    keys = services.platform_keys()
    said = capsys.readouterr().out
    assert f"--platform-key {keys['platform_key']}" in said
    assert f"--platform-encryption-key {keys['platform_encryption_key']}" in said
    assert keys["platform_key"] != keys["platform_encryption_key"]
