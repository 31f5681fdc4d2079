"""Verifiable randomness as it runs (issue 31, docs/randomness.md): the platform and real `ggzy-beacon`
processes (their own keys, state and ports) commit, the commitments go into the witness log co-signed by
real `ggzy-cosigner` processes, and `ggzy-verify random` recomputes the value offline. A beacon that does
not reveal is replaced by the fallback (no redraw, alerted); commitments not in a co-signed head before the
moment refuse the draw; the platform cannot change its own commitment after seeing a beacon's secret."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.test import Client

from ggzy.core import keystore
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.events.models import Event, Message
from ggzy.randomness import selectors, services
from ggzy.randomness.errors import RandomnessError
from ggzy.randomness.models import Draw, Party
from ggzy.randomness.states import DrawState, PartyKind
from ggzy.witness.services import cosign_collect, sth_sign, witness_integrate
from ggzy_sm import randomness
from tests.factories import grant_role
from tests.outside import Beacons, Cosigners, beacons_start, start_cosigners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
BIN = Path(sys.executable).parent
OPTIONS = ["0.95", "0.96", "0.97", "0.98", "0.99"]
SECTION = "E2101000001000001001"


@pytest.fixture
def world(tmp_path: Path, settings: Any) -> Iterator[tuple[Cosigners, Beacons]]:
    cosigners = start_cosigners(tmp_path / "cosigners", settings)
    try:
        beacons = beacons_start(tmp_path / "beacons", settings)
    except BaseException:
        cosigners.stop_all()
        raise
    yield cosigners, beacons
    beacons.stop_all()
    cosigners.stop_all()


def seal() -> None:
    """What was recorded goes into the log, and the head is co-signed."""
    while witness_integrate():
        pass
    sth_sign(force=True)
    assert cosign_collect() >= 2


def open_k(subject: str = "标段 K 系数") -> Draw:
    return services.draw_open(
        actor=None,
        purpose="opening.k",
        subject=subject,
        derive={"kind": "choose", "options": OPTIONS, "label": "K"},
        moment_label="第一份投标文件解密被接受之前",
        centre="ln",
        region="210000",
        section=SECTION,
    )


def drawn(draw: Draw) -> Draw:
    """`draw` committed, sealed, its moment marked and logged, revealed."""
    seal()
    moment = services.moment_mark(actor=None, draw=draw)
    seal()
    return services.draw_reveal(actor=None, draw=draw, moment=moment)


def verify(
    record: dict[str, Any], world: tuple[Cosigners, Beacons], path: Path, *, ask: bool = False
) -> subprocess.CompletedProcess[str]:
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    cosigners, beacons = world
    asking = [a for url in beacons.urls.values() for a in ("--ask-beacon", url)] if ask else []
    return subprocess.run(
        [str(BIN / "ggzy-verify"), "random", record["draw"], "--file", str(path),
         "--beacon-trust", str(beacons.trust_file), "--trust", str(cosigners.trust_file), *asking],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def moment_of(draw: Draw) -> Event:
    assert draw.moment_event is not None
    return Event.objects.get(uid=draw.moment_event)


def supervisor() -> Any:
    user = get_user_model().objects.create_user(username="sup-randomness", password="x")
    grant_role(user, Role.SUPERVISOR)
    return user


def test_a_draw_of_the_platform_and_outside_beacons_is_recomputed_offline(
    world: tuple[Cosigners, Beacons], tmp_path: Path
) -> None:
    draw = drawn(open_k())
    assert draw.state == DrawState.DRAWN
    parties = list(draw.parties.order_by("position"))
    assert [p.kind for p in parties] == ["platform", "beacon", "beacon", "fallback"]
    assert {p.party for p in parties if p.kind == PartyKind.BEACON} == set(world[1].keys.values())
    assert all(p.secret for p in parties if p.kind != PartyKind.FALLBACK)
    assert not parties[-1].secret  # the fallback is never revealed when every party revealed
    assert draw.result in OPTIONS
    slots = randomness.slots([p.party for p in parties[:-1]], {p.party: p.secret for p in parties[:-1]}, None)
    assert draw.seed == randomness.seed(str(draw.uid), slots)
    record = selectors.draw_record(draw)
    assert record["sealing_head"]["sth"]["tree_size"] == draw.sealing_size
    assert all(p["leaf_index"] < draw.sealing_size for p in record["parties"])
    assert record["moment"]["leaf_index"] >= draw.sealing_size
    checked = verify(record, world, tmp_path / "draw.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert draw.seed in checked.stdout
    published = Client().get(f"/api/v1/randomness/draws/{draw.uid}")  # anyone, signed in or not
    assert published.status_code == 200
    assert published.json()["seed"] == draw.seed
    page = Client().get(f"/randomness/{draw.uid}/")
    assert page.status_code == 200
    assert parties[0].commitment in page.content.decode()
    assert "ggzy-verify random" in page.content.decode()
    again = services.draw_reveal(actor=None, draw=draw, moment=moment_of(draw))
    assert again.seed == draw.seed  # asking again draws nothing new


def test_a_beacon_that_does_not_reveal_is_replaced_by_the_fallback_without_a_redraw(
    world: tuple[Cosigners, Beacons], tmp_path: Path
) -> None:
    watcher = supervisor()
    draw = open_k()
    world[1].withhold("b", str(draw.uid))
    draw = drawn(draw)
    assert draw.state == DrawState.DRAWN
    b = Party.objects.get(draw=draw, party=world[1].keys["b"])
    assert b.aborted
    assert not b.secret
    fallback = Party.objects.get(draw=draw, kind=PartyKind.FALLBACK)
    assert fallback.secret  # revealed because it was needed
    assert randomness.commitment(str(draw.uid), "fallback", fallback.secret) == fallback.commitment
    missing = Event.objects.filter(type="randomness.reveal.missing")
    assert missing.count() == 1
    assert json.loads(missing.get().document)["data"]["party"] == b.party
    assert Message.objects.filter(recipient=watcher, template="randomness.draw_aborted").count() == 1
    seed = draw.seed
    again = services.draw_reveal(actor=None, draw=draw, moment=moment_of(draw))
    assert again.seed == seed  # no redraw
    assert Draw.objects.count() == 1
    record = selectors.draw_record(draw)
    assert record["aborted"] == [b.party]
    checked = verify(record, world, tmp_path / "draw.json", ask=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "confirms it has not revealed" in checked.stdout  # asked itself, the beacon agrees


def test_a_reveal_the_platform_received_and_suppressed_shows_when_the_beacon_is_asked(
    world: tuple[Cosigners, Beacons], tmp_path: Path
) -> None:
    draw = drawn(open_k())
    b = Party.objects.get(draw=draw, party=world[1].keys["b"])
    fallback = Party.objects.get(draw=draw, kind=PartyKind.FALLBACK)
    # The operator, with the database and the key store, rewrites b as "did not reveal" to use the fallback.
    secret = keystore.field_decrypt(fallback.held_secret, services._aad(draw, "fallback"))
    Party.objects.filter(pk=b.pk).update(aborted=True, secret="", reveal=None)
    Party.objects.filter(pk=fallback.pk).update(secret=secret, held_secret="")
    others = {
        p.party: p.secret for p in draw.parties.exclude(pk__in=[b.pk, fallback.pk]).exclude(kind="fallback")
    }
    order = [p.party for p in draw.parties.order_by("position") if p.kind != PartyKind.FALLBACK]
    seed = randomness.seed(str(draw.uid), randomness.slots(order, others, secret))
    Draw.objects.filter(pk=draw.pk).update(seed=seed, result=randomness.derived(seed, draw.derive))
    record = selectors.draw_record(Draw.objects.get(pk=draw.pk))
    asked = verify(record, world, tmp_path / "suppressed.json", ask=True)
    assert asked.returncode == 1, asked.stdout
    assert "suppressed a reveal" in asked.stdout


def test_commitments_not_logged_before_the_moment_refuse_the_draw(world: tuple[Cosigners, Beacons]) -> None:
    watcher = supervisor()
    earlier = open_k("早开的抽取")
    seal()
    moment = services.moment_mark(actor=None, draw=earlier)  # the moment has passed …
    seal()
    late = open_k("时点之后才承诺的抽取")  # … before this draw committed
    seal()
    with pytest.raises(DomainError) as refused:
        services.draw_reveal(actor=None, draw=late, moment=moment)
    assert refused.value.code == RandomnessError.AFTER_MOMENT
    late.refresh_from_db()
    assert late.state == DrawState.REFUSED
    assert not late.seed
    assert not Party.objects.filter(draw=late).exclude(secret="").exists()  # nothing revealed
    assert Event.objects.filter(type="randomness.draw.refused").count() == 1
    assert Message.objects.filter(recipient=watcher, template="randomness.draw_aborted").count() == 1
    with pytest.raises(DomainError) as again:
        services.draw_reveal(actor=None, draw=late, moment=moment)
    assert again.value.code == RandomnessError.STATE  # never drawn afterwards


def test_commitments_not_yet_in_a_cosigned_head_refuse_the_draw(world: tuple[Cosigners, Beacons]) -> None:
    draw = open_k()
    moment = services.moment_mark(actor=None, draw=draw)  # no head co-signed the commitments before it
    seal()
    with pytest.raises(DomainError) as refused:
        services.draw_reveal(actor=None, draw=draw, moment=moment)
    assert refused.value.code == RandomnessError.AFTER_MOMENT


def test_the_platform_cannot_change_its_commitment_after_seeing_a_beacons_secret(
    world: tuple[Cosigners, Beacons], tmp_path: Path
) -> None:
    draw = drawn(open_k())
    platform = Party.objects.get(draw=draw, kind=PartyKind.PLATFORM)
    with pytest.raises(IntegrityError), transaction.atomic():  # a second commitment of the platform
        Party.objects.create(draw=draw, position=9, party="platform", kind=PartyKind.PLATFORM,
                             commitment="0" * 64, commit_event=platform.commit_event)  # fmt: skip
    # The operator, with the database, picks another secret after seeing the beacons' and rewrites its rows.
    record = selectors.draw_record(draw)
    beacon_secrets = {p["party"]: p["secret"] for p in record["parties"] if p["kind"] == "beacon"}
    wanted = None
    for n in range(200):
        secret = randomness.SECRET_BYTES.to_bytes(1, "big").hex() * 31 + f"{n:02x}"
        revealed = {"platform": secret, **beacon_secrets}
        slots = randomness.slots([p["party"] for p in record["parties"][:-1]], revealed, None)
        seed = randomness.seed(str(draw.uid), slots)
        if randomness.derived(seed, draw.derive) == "0.99" and seed != draw.seed:
            wanted = (secret, seed)
            break
    assert wanted is not None
    forged = randomness.commitment(str(draw.uid), "platform", wanted[0])
    Party.objects.filter(pk=platform.pk).update(commitment=forged, secret=wanted[0])
    Draw.objects.filter(pk=draw.pk).update(seed=wanted[1], result="0.99")
    checked = verify(selectors.draw_record(Draw.objects.get(pk=draw.pk)), world, tmp_path / "forged.json")
    assert checked.returncode != 0, checked.stdout
    # … and no beacon reveals again over the changed set of commitments.
    commitments = sorted(Party.objects.filter(draw=draw).values_list("commitment", flat=True))
    status, answer = world[1].post("a", "/v1/reveal", {"draw": str(draw.uid), "commitments": commitments,
                                                       "nonce": "ab" * 16})  # fmt: skip
    assert status == 409
    assert answer["reason"] == "other_set"


def test_without_an_answering_beacon_no_draw_is_opened(
    world: tuple[Cosigners, Beacons], settings: Any
) -> None:
    settings.GGZY_BEACONS = "a=http://127.0.0.1:9,b=http://127.0.0.1:9"
    before = Event.objects.count()
    with pytest.raises(DomainError) as refused:
        open_k()
    assert refused.value.code == RandomnessError.NO_BEACON
    assert Draw.objects.count() == 0
    assert Event.objects.count() == before


@pytest.mark.parametrize(
    "change",
    [{"derive": {"kind": "choose", "options": []}}, {"purpose": "K!"}, {"subject": " "}, {"centre": ""}],
)
def test_a_draw_described_wrongly_is_refused_and_changes_nothing(
    world: tuple[Cosigners, Beacons], change: dict[str, Any]
) -> None:
    arguments: dict[str, Any] = {
        "actor": None, "purpose": "opening.k", "subject": "K", "derive": {"kind": "seed"},
        "moment_label": "之前", "centre": "ln", "region": "210000", "section": SECTION, **change,
    }  # fmt: skip
    with pytest.raises(DomainError) as refused:
        services.draw_open(**arguments)
    assert refused.value.code == RandomnessError.BAD_INPUT
    assert Draw.objects.count() == 0
    assert not Event.objects.filter(type__startswith="randomness.").exists()
