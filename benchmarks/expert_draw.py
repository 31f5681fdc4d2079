#!/usr/bin/env python3
"""An expert draw with every rule, in the database, against loading the pool into Python (issue 33).

    python benchmarks/expert_draw.py [--quick] [--sqlite] [--experts N] [--iterations K]

Loads 200,000 synthetic experts (--quick: 20,000) into a fresh PostgreSQL database (`ggzy_bench_experts`
on 127.0.0.1:5432, dropped and made again, dropped at the end; GGZY_BENCH_POSTGRES may name another
database on this host whose name begins with `ggzy_bench`) — --sqlite: a SQLite file in a temporary
folder. Each expert has 1–3 of 100 specialty codes (A0800…A0899), an identity number (sealed and hashed
row by row by the model's own fields on insert: the load time is printed; the active field keys are read
once for the load, see `load_experts`), a birth date (ages 28–75), a title, a region of Liaoning, the
year it entered its field and a status (3 % suspended); a current employer, often a former one that
ended in the last six years, now and then one that starts after the evaluation day, 4 % of them staff
of a supervising department; relations to organisations (5 %), unavailable days around the evaluation
day (4 %), and past draws' calls over the last 60 days (2 % of the pool called often: the frequency
rule excludes some). Employers and relations favour big organisations (weights 1/(k+10)).

Then K = 50 draw requests (and one more first, to warm up), each made through `services.request_make`
(not timed): 7 experts and 3 reserves over one or two specialties, an evaluation two days ahead, the
organisations to avoid (6 drawn like employers: the initiator, the agent, the bidders), 1–2 supervising
departments, 3 persons, an accepted avoidance request naming an expert and its employer; engineering,
procurement (the 3-year employer rule), a remote-evaluation city and a lower age limit on some; each its
own seed. Every request differs, so no cache of a previous answer helps.

Ours (timed per request): `services.eligible_for(request)` — every rule as SQL, a count per rule and the
eligible list — then `draw.Walk(seed, eligible).first(request.needs)`. Baseline (the same request, right
after): what a naive implementation does — the experts of the request's specialties loaded through the
ORM with their specialties, employers, relations, unavailable days and calls of the last 30 days
(`prefetch_related`: six queries), every rule applied in Python with the same counts per rule, then
`random.sample` for each specialty. Both must find the same eligible lists and counts (checked on every
request, not timed). On PostgreSQL the requests are timed again with `SET jit = off`, and the queries of
one request are timed one by one, the slowest EXPLAINed (ANALYZE: its plan nodes are printed).

Prints one JSON object last: ours_p99_ms (= value), baseline_p99_ms (= baseline_value), ratio =
baseline p99 / ours p99, goal_ms 100 and goal_met (ours p99 < 100 ms); the machine's load average beside.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATABASE = "postgres://postgres@127.0.0.1:5432/ggzy_bench_experts"
LOCAL = {"127.0.0.1", "localhost", "::1"}
CODES = [f"A08{n:02d}" for n in range(100)]
CITIES = [f"21{n:02d}" for n in range(1, 15)]  # the 14 prefecture-level cities of Liaoning (GB/T 2260)
ORGANISATIONS = 6000
DEPARTMENTS = 30
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文志新立海东波辉鹏宇晨浩"
BATCH = 5000


def database(url: str) -> tuple[str, str]:
    """The URL of the maintenance database beside it and the benchmark's database name (this host only,
    a benchmark's name only), as benchmarks/deadline_surge.py."""
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in {"postgres", "postgresql"} or parts.hostname not in LOCAL:
        raise SystemExit(f"refused: {url!r} is not a PostgreSQL database on this host")
    if not name.startswith("ggzy_bench") or not name.replace("_", "").isalnum():
        raise SystemExit(f"refused: the database {name!r} is not a benchmark's (ggzy_bench…)")
    return urllib.parse.urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")), name


def recreate(admin: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not drop_only:
            connection.execute(f"CREATE DATABASE {name}")


def setup_django(url: str | None) -> None:
    """`url`: the PostgreSQL database (made beforehand); None: SQLite in the temporary var folder."""
    os.environ.update(
        {
            "GGZY_VAR_DIR": tempfile.mkdtemp(prefix="ggzy-bench-"),
            "DJANGO_SETTINGS_MODULE": "ggzy.settings_test",
        }
    )
    os.environ.pop("GGZY_DATABASE_URL", None)
    if url:
        os.environ["GGZY_TEST_POSTGRES"] = url
    else:
        os.environ.pop("GGZY_TEST_POSTGRES", None)
    root = Path(__file__).resolve().parents[1]
    sys.path[:0] = [str(root), str(root / "src")]
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if not url:
        settings.DATABASES["default"]["NAME"] = str(Path(os.environ["GGZY_VAR_DIR"]) / "bench.sqlite3")
    call_command("migrate", verbosity=0)


def id_number(region: str, birth: dt.date, serial: int) -> str:
    """A well-formed resident identity number (GB 11643: its check character computed)."""
    body = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def uscc(kind: str, n: int) -> str:
    """A synthetic unified social credit code of 18 characters: 91 an enterprise, 11 an authority."""
    return f"{kind}2100{n:012d}"


@dataclass
class World:
    day: dt.date  # the evaluation day (Beijing time)
    evaluation_at: dt.datetime
    pks: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # identity numbers (plaintext), for the persons rule
    employers: list[str] = field(default_factory=list)  # each expert's current employer's name
    weights: list[float] = field(default_factory=list)  # of the organisations: big employers first
    load_seconds: dict[str, float] = field(default_factory=dict)


def load(count: int, rng: random.Random) -> World:
    from django.db import connection

    from ggzy.core import clock
    from ggzy.core.formatting import PLATFORM_ZONE
    from ggzy.experts.models import Specialty

    local = (clock.now() + dt.timedelta(days=2)).astimezone(PLATFORM_ZONE)
    evaluation_at = local.replace(hour=9, minute=0, second=0, microsecond=0)
    world = World(day=evaluation_at.date(), evaluation_at=evaluation_at)
    world.weights = [1 / (k + 10) for k in range(ORGANISATIONS)]
    Specialty.objects.bulk_create(
        Specialty(code=code, name=f"专业{code}", parent="A08", source="benchmark") for code in CODES
    )
    organisations = rng.choices(range(ORGANISATIONS), world.weights, k=count)
    began = time.perf_counter()
    load_experts(world, count, organisations, rng)
    world.load_seconds["experts"] = time.perf_counter() - began
    began = time.perf_counter()
    made = load_history(world, organisations, rng)
    made["calls"] = load_calls(world, rng)
    world.load_seconds["the rest"] = time.perf_counter() - began
    with connection.cursor() as cursor:  # a pool in use is vacuumed and analysed (autovacuum): so is this one
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"loaded {count} experts in {world.load_seconds['experts']:.1f} s (each id number sealed and "
        f"hashed on insert), " + ", ".join(f"{n} {what}" for what, n in made.items()) + " in "
        f"{world.load_seconds['the rest']:.1f} s",
        flush=True,
    )
    return world


def load_experts(world: World, count: int, organisations: list[int], rng: random.Random) -> None:
    """The experts and their specialties, in batches."""
    from django.db import transaction

    from ggzy.core import clock, keystore
    from ggzy.experts.models import Expert, ExpertSpecialty, Title

    now, day = clock.now(), world.day
    titles = [Title.FULL_SENIOR, Title.SENIOR, Title.INTERMEDIATE, Title.JUNIOR]
    # Every value is sealed and hashed by the model's own fields, one row at a time; but the fields ask
    # `keystore.key_active` for the active key each time, one query per value (two per expert: three
    # quarters of the load time at 5,000 experts on SQLite). For the load only, it answers from the keys
    # it read first: the same keys, the same stored values.
    active = keystore.key_active
    keys: dict[Any, Any] = {}
    keystore.key_active = lambda purpose: keys.get(purpose) or keys.setdefault(purpose, active(purpose))
    try:
        for first in range(0, count, BATCH):
            experts, specialties = [], []
            for i in range(first, min(first + BATCH, count)):
                region = f"{rng.choice(CITIES)}{rng.randrange(1, 13):02d}"
                birth = day - dt.timedelta(days=rng.randrange(28 * 365, 76 * 365))
                world.ids.append(id_number(region, birth, i))
                world.names.append(rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))))
                world.employers.append(f"辽宁某某{organisations[i]:04d}有限公司")
                experts.append(
                    Expert(
                        name=world.names[i],
                        id_number=world.ids[i],  # sealed (SM4-GCM) and hashed on insert, row by row
                        birth_date=birth,
                        region=region,
                        title=rng.choices(titles, (2, 5, 4, 1))[0],
                        field_since=rng.randrange(1985, day.year),
                        status="suspended" if rng.random() < 0.03 else "active",
                        centre="ln",
                        registered_at=now - dt.timedelta(days=rng.randrange(1, 3000)),
                    )
                )
            with transaction.atomic():
                made = Expert.objects.bulk_create(experts)
                world.pks += [e.pk for e in made]
                for expert in made:
                    for code in rng.sample(CODES, rng.choice((1, 2, 2, 3))):
                        specialties.append(ExpertSpecialty(expert_id=expert.pk, code=code))
                ExpertSpecialty.objects.bulk_create(specialties, batch_size=BATCH)
            if first and first % 50_000 == 0:
                print(f"  {first} experts loaded", flush=True)
    finally:
        keystore.key_active = active


def employer(rng: random.Random, world: World) -> tuple[str, str]:
    """An organisation (its code and name), big employers more often."""
    k = rng.choices(range(ORGANISATIONS), world.weights)[0]
    return uscc("91", k), f"辽宁某某{k:04d}有限公司"


def load_history(world: World, organisations: list[int], rng: random.Random) -> dict[str, int]:
    """Employers with their dates, relations, unavailable days."""
    from django.db import transaction

    from ggzy.core import clock
    from ggzy.experts.models import Employment, Relation, RelationKind, Unavailability

    now, day = clock.now(), world.day
    employments, relations, unavailable = [], [], []
    kinds = list(RelationKind)
    for i, pk in enumerate(world.pks):
        since = None if rng.random() < 0.1 else day - dt.timedelta(days=rng.randrange(30, 9000))
        staff = rng.random() < 0.04  # of a supervising department
        code = uscc("11", rng.randrange(DEPARTMENTS)) if staff else uscc("91", organisations[i])
        employments.append(Employment(expert_id=pk, uscc=code, employer=world.employers[i], since=since))
        if rng.random() < 0.4:  # a former employer, left in the last six years
            until = day - dt.timedelta(days=rng.randrange(1, 6 * 365))
            code, name = employer(rng, world)
            began = until - dt.timedelta(days=rng.randrange(200, 4000))
            employments.append(Employment(expert_id=pk, uscc=code, employer=name, since=began, until=until))
        if rng.random() < 0.01:  # a new employer from after the evaluation day
            code, name = employer(rng, world)
            began = day + dt.timedelta(days=rng.randrange(1, 60))
            employments.append(Employment(expert_id=pk, uscc=code, employer=name, since=began))
        if rng.random() < 0.05:
            for _ in range(rng.choice((1, 2))):
                code, _name = employer(rng, world)
                relations.append(Relation(expert_id=pk, uscc=code, kind=rng.choice(kinds)))
        if rng.random() < 0.04:
            start = day + dt.timedelta(days=rng.randrange(-20, 20))
            unavailable.append(
                Unavailability(
                    expert_id=pk,
                    start=start,
                    end=start + dt.timedelta(days=rng.randrange(0, 10)),
                    recorded_at=now - dt.timedelta(days=rng.randrange(0, 40)),
                )
            )
    with transaction.atomic():
        Employment.objects.bulk_create(employments, batch_size=BATCH)
        Relation.objects.bulk_create(relations, batch_size=BATCH)
        Unavailability.objects.bulk_create(unavailable, batch_size=BATCH)
    return {
        "employments": len(employments),
        "relations": len(relations),
        "unavailabilities": len(unavailable),
    }


def load_calls(world: World, rng: random.Random) -> int:
    """Past draws over the last 60 days: 10 calls each, half of them to a frequently called 2 %."""
    from django.db import transaction

    from ggzy.core import clock
    from ggzy.experts.models import Call, DrawRequest

    now, count = clock.now(), len(world.pks)
    often = rng.sample(world.pks, max(1, count // 50))
    requests = []
    for _ in range(count // 50):
        uid = uuid.uuid4()
        requests.append(DrawRequest(
            uid=uid,
            ref=str(uid),
            centre="ln",
            evaluation_at=now - dt.timedelta(days=rng.random() * 60),
            place="评标室",
            needs={"A0800": {"count": 7, "reserves": 3}},
            max_calls_30_days=6,
            age_limit=70,
            state="drawn",
            requested_at=now - dt.timedelta(days=61),
        ))  # fmt: skip
    calls = []
    with transaction.atomic():
        for request in DrawRequest.objects.bulk_create(requests, batch_size=BATCH):
            at = request.evaluation_at - dt.timedelta(hours=20)
            called: set[int] = set()
            while len(called) < 10:
                called.add(rng.choice(often) if rng.random() < 0.5 else rng.choice(world.pks))
            calls += [
                Call(request=request, specialty="A0800", position=n, expert_id=pk, role="principal",
                     sequence=n, called_at=at, answer="accepted")
                for n, pk in enumerate(sorted(called))
            ]  # fmt: skip
        Call.objects.bulk_create(calls, batch_size=BATCH)
    return len(calls)


def make_requests(world: World, n: int, rng: random.Random) -> list[tuple[Any, str]]:
    """`n` requests through the service, each with its own specialties, avoid lists and seed."""
    from ggzy.core.fields import lookup_for
    from ggzy.experts import services
    from ggzy.experts.models import Expert

    made = []
    for i in range(n):
        codes = rng.sample(CODES, rng.choice((1, 2)))
        if len(codes) == 1:
            needs = {codes[0]: {"count": 7, "reserves": 3}}
        else:
            needs = {codes[0]: {"count": 5, "reserves": 2}, codes[1]: {"count": 2, "reserves": 1}}
        organisations = rng.choices(range(ORGANISATIONS), world.weights, k=6)
        persons = rng.sample(range(len(world.pks)), 3)
        named = rng.randrange(len(world.pks))
        request = services.request_make(
            actor=None,
            centre="ln",
            region="210000",
            evaluation_at=world.evaluation_at,
            place="辽宁省公共资源交易中心 评标室 3",
            needs=needs,
            committee=7,
            engineering=i % 2 == 0,
            procurement=i % 3 == 0,
            remote_city=rng.choice(CITIES) if i % 4 == 1 else "",
            age_limit=rng.choice((70, 70, 65)),
            avoid={
                "organisations": sorted({uscc("91", k) for k in organisations}),
                "supervising": [uscc("11", k) for k in rng.sample(range(DEPARTMENTS), rng.choice((1, 2)))],
                "persons": [lookup_for(Expert, "id_number", world.ids[p]) for p in persons],
                "names": [[world.names[named], world.employers[named]]],
            },
        )
        made.append((request, rng.randbytes(32).hex()))
    return made


def ours(request: Any, seed: str) -> tuple[list[Any], dict[str, list[str]], dict[str, int]]:
    from ggzy.experts import draw, services

    eligible, counts = services.eligible_for(request)
    return draw.Walk(seed, eligible).first(request.needs), eligible, counts


def naive(request: Any, seed: str) -> tuple[list[str], dict[str, list[str]], dict[str, int]]:
    """Load the pool with everything the rules look at, decide in Python, `random.sample`."""
    from django.db.models import Prefetch

    from ggzy.experts import eligibility, services
    from ggzy.experts.models import SENIOR_TITLES, Call, Expert

    rules = services.rules_of(request)
    day: dt.date = rules["day"]  # type: ignore[assignment]
    at: dt.datetime = rules["at"]  # type: ignore[assignment]
    organisations = set(rules["organisations"])  # type: ignore[call-overload]
    supervising = set(rules["supervising"])  # type: ignore[call-overload]
    persons = set(rules["persons"])  # type: ignore[call-overload]
    names: list[tuple[str, str]] = rules["names"]  # type: ignore[assignment]
    max_calls: int = rules["max_calls"]  # type: ignore[assignment]
    remote_city: str = rules["remote_city"]  # type: ignore[assignment]
    employed_from = (
        eligibility.years_before(day, eligibility.PROCUREMENT_YEARS) if rules["procurement"] else day
    )
    too_old = eligibility.years_before(day, int(rules["age_limit"]) + 1)  # type: ignore[call-overload]
    recent = Call.objects.filter(
        called_at__gt=at - dt.timedelta(days=eligibility.RECENT_DAYS), called_at__lte=at
    )
    codes = sorted(request.needs)
    pool = (
        Expert.objects.filter(specialties__code__in=codes)
        .distinct()
        .prefetch_related("specialties", "employments", "relations", "unavailable", Prefetch("calls", recent))
    )
    counts = dict.fromkeys(eligibility.RULES, 0)
    found: dict[str, list[str]] = {code: [] for code in codes}
    for expert in pool:
        jobs = [e for e in expert.employments.all() if e.since is None or e.since <= day]
        hits = {
            "suspended": expert.status != "active",
            "over_age": expert.birth_date <= too_old,
            "unavailable": any(u.start <= day <= u.end for u in expert.unavailable.all()),
            "employer": any(
                e.uscc in organisations and (e.until is None or e.until >= employed_from) for e in jobs
            ),
            "related": any(r.uscc in organisations for r in expert.relations.all()),
            "supervising": any(e.uscc in supervising and (e.until is None or e.until >= day) for e in jobs),
            "person": expert.id_number_lookup in persons,
            "named": any(
                expert.name == name
                and (
                    not employer
                    or any(
                        e.employer == employer and (e.until is None or e.until >= employed_from) for e in jobs
                    )
                )
                for name, employer in names
            ),
            "frequent": max_calls > 0 and len(expert.calls.all()) >= max_calls,
            "experience": bool(rules["engineering"])
            and (
                expert.field_since > day.year - eligibility.ENGINEERING_YEARS
                or expert.title not in SENIOR_TITLES
            ),
            "same_city": bool(remote_city) and expert.region.startswith(remote_city),
        }
        for rule, hit in hits.items():
            counts[rule] += hit
        if not any(hits.values()):
            for s in expert.specialties.all():
                if s.code in found:
                    found[s.code].append(str(expert.uid))
    eligible = {code: sorted(uids) for code, uids in found.items()}
    chooser = random.Random(seed)  # noqa: S311  (the baseline's draw, as a naive implementation makes it)
    taken: set[str] = set()
    chosen: list[str] = []
    for code in codes:
        need = request.needs[code]
        picked = chooser.sample(
            [u for u in eligible[code] if u not in taken], need["count"] + need["reserves"]
        )
        taken.update(picked)
        chosen += picked
    return chosen, eligible, counts


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def explain(request: Any, postgres: bool) -> dict[str, Any]:
    """The queries of one request's database side, timed one by one (a rule that cannot exclude anybody
    runs none); on PostgreSQL the slowest EXPLAINed (ANALYZE)."""
    from django.db import connection, transaction
    from django.db.models import Exists, OuterRef
    from django.test.utils import CaptureQueriesContext

    from ggzy.experts import eligibility, services
    from ggzy.experts.models import Expert, ExpertSpecialty

    codes = sorted(request.needs)
    rules = eligibility.rule_q(**services.rules_of(request))  # type: ignore[arg-type]
    pool = Expert.objects.filter(
        Exists(ExpertSpecialty.objects.filter(expert=OuterRef("pk"), code__in=codes))
    )
    timed: list[tuple[str, float, str]] = []
    for rule, q in rules.items():
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            pool.filter(q).count()
            took = (time.perf_counter() - began) * 1000
        if captured.captured_queries:
            timed.append((f"count {rule}", took, captured.captured_queries[-1]["sql"]))
    with CaptureQueriesContext(connection) as captured:
        eligibility.eligible(codes=codes, rules=rules)
    listed = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")][-1]
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute(eligibility.PLANNED)  # as `eligible` plans it
        began = time.perf_counter()
        cursor.execute(listed)
        cursor.fetchall()
        timed.append(("eligible list", (time.perf_counter() - began) * 1000, listed))
    print("queries of one request: " + ", ".join(f"{label} {ms:.1f} ms" for label, ms, _ in timed))
    slowest = max(timed, key=lambda t: t[1])
    if postgres:  # its plan nodes, the rows they found and their time; JIT's cost; the total
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(eligibility.PLANNED)
            cursor.execute("EXPLAIN (ANALYZE) " + slowest[2])
            plan = [row[0] for row in cursor.fetchall()]
        keep = ("->", "SubPlan", "Timing:", "Execution Time", "Rows Removed")
        shown = [line[:170] for n, line in enumerate(plan) if n == 0 or any(k in line for k in keep)]
        print(f"EXPLAIN ANALYZE of the slowest ({slowest[0]}):\n  " + "\n  ".join(shown))
    return {"queries": len(captured.captured_queries), "slowest_query": slowest[0],
            "slowest_query_ms": round(slowest[1], 1)}  # fmt: skip


def bench(args: argparse.Namespace, url: str | None) -> None:
    count = args.experts or (20_000 if args.quick else 200_000)
    iterations = args.iterations or 50
    setup_django(url)
    rng = random.Random(33)  # noqa: S311  (synthetic data, not secrets)
    world = load(count, rng)

    from django.db import connection, transaction

    from ggzy.core import clock
    from ggzy.experts import draw

    with transaction.atomic():
        requests = make_requests(world, iterations + 1, rng)
    sizes, mine, base, walks = [], [], [], []
    excluded: dict[str, int] = {}
    for n, (request, seed) in enumerate(requests):
        request.fixed_at = clock.now()  # the instant the frequency rule counts back from, for both
        gc.collect()  # each side starts without the other's garbage (the baseline makes a lot)
        began = time.perf_counter()
        seats, eligible, counts = ours(request, seed)
        ours_ms = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        draw.Walk(seed, eligible).first(request.needs)  # the same walk again: the draw's share
        walk_ms = (time.perf_counter() - began) * 1000
        gc.collect()
        began = time.perf_counter()
        chosen, theirs, their_counts = naive(request, seed)
        naive_ms = (time.perf_counter() - began) * 1000
        if eligible != theirs or counts != their_counts:
            raise SystemExit(
                f"request {n}: the database and Python disagree: counts {counts} vs {their_counts}, sizes "
                f"{ {c: len(u) for c, u in eligible.items()} } vs { {c: len(u) for c, u in theirs.items()} }"
            )
        wanted = sum(need["count"] + need["reserves"] for need in request.needs.values())
        assert len(seats) == wanted == len(chosen), (len(seats), wanted, len(chosen))
        if n == 0:
            continue  # the first request warms both up
        mine.append(ours_ms)
        base.append(naive_ms)
        walks.append(walk_ms)
        sizes.append(sum(len(u) for u in eligible.values()))
        excluded = {rule: k for rule, k in counts.items() if k}
    print(f"eligible per request: median {statistics.median(sizes):.0f} experts; excluded by rule (last "
          f"request): {excluded}")  # fmt: skip
    extra: dict[str, Any] = {}
    if url:  # the same requests again with PostgreSQL's JIT compilation off for this connection
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            extra["jit"] = cursor.fetchone()[0]
            cursor.execute("SET jit = off")
        plain = []
        for request, seed in requests[1:]:
            gc.collect()
            began = time.perf_counter()
            ours(request, seed)
            plain.append((time.perf_counter() - began) * 1000)
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
        extra["ours_jit_off_p50_ms"] = round(statistics.median(plain), 1)
        extra["ours_jit_off_p99_ms"] = round(p99(plain), 1)
        print(f"database side with jit = off: p50 {extra['ours_jit_off_p50_ms']} ms, p99 "
              f"{extra['ours_jit_off_p99_ms']} ms")  # fmt: skip
    extra.update(explain(requests[-1][0], url is not None))
    value, baseline = p99(mine), p99(base)
    engine = "postgresql" if url else "sqlite"
    print(
        f"{engine}, {count} experts: database side p50 {statistics.median(mine):.1f} ms, p99 {value:.1f} ms "
        f"(of which the walk p50 {statistics.median(walks):.2f} ms); loaded into Python p50 "
        f"{statistics.median(base):.1f} ms, p99 {baseline:.1f} ms; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        json.dumps(
            {
                "benchmark": "expert_draw",
                "engine": engine,
                "experts": count,
                "iterations": len(mine),
                "value": round(value, 1),
                "unit": "ms p99 (every rule as SQL: counts and eligible list, then the walk)",
                "baseline": "the pool loaded through the ORM, rules in Python, random.sample",
                "baseline_value": round(baseline, 1),
                "ours_p50_ms": round(statistics.median(mine), 1),
                "ours_p99_ms": round(value, 1),
                "baseline_p50_ms": round(statistics.median(base), 1),
                "baseline_p99_ms": round(baseline, 1),
                "ratio": round(baseline / value, 2),
                "goal_ms": 100,
                "goal_met": value < 100,
                "walk_p50_ms": round(statistics.median(walks), 2),
                "eligible_median": statistics.median(sizes),
                "load_experts_s": round(world.load_seconds["experts"], 1),
                "load_rest_s": round(world.load_seconds["the rest"], 1),
                "load_average": round(os.getloadavg()[0], 1),
                **extra,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="20,000 experts, 50 requests (`make bench`)")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--experts", type=int, default=0, help="another pool size")
    parser.add_argument("--iterations", type=int, default=0, help="timed requests (50)")
    args = parser.parse_args()
    run(bench, args, DATABASE)


def run(
    bench: Callable[[argparse.Namespace, str | None], None], args: argparse.Namespace, default: str
) -> None:
    """`bench(args, url)` on a fresh PostgreSQL database (GGZY_BENCH_POSTGRES, else `default`; made, then
    dropped at the end) — or on SQLite (`url` None) with --sqlite. Shared by the benchmarks that load a
    database of their own."""
    if args.sqlite:
        bench(args, None)
        return
    url = os.environ.get("GGZY_BENCH_POSTGRES") or default
    admin, name = database(url)
    recreate(admin, name)
    try:
        bench(args, url)
    finally:
        from django.db import connections

        connections.close_all()
        recreate(admin, name, drop_only=True)


if __name__ == "__main__":
    main()
