#!/usr/bin/env python3
"""Recording events through the recorder, from concurrent business transactions, against plain
inserts of the same rows (goal: ratio >= 0.5); and the integrator's events/s. SQLite in a temporary
folder (--postgres: the local PostgreSQL, as the test suite uses it). Prints one JSON object last."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    per_thread, threads = (250, 2) if args.quick else (2000, 2)
    os.environ.update(
        {
            "GGZY_VAR_DIR": tempfile.mkdtemp(prefix="ggzy-bench-"),
            "DJANGO_SETTINGS_MODULE": "ggzy.settings_test",
        }
    )
    if args.postgres:
        os.environ["GGZY_TEST_POSTGRES"] = "postgres://postgres@127.0.0.1:5432/ggzy_bench"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    if args.postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS ggzy_bench")
            admin.execute("CREATE DATABASE ggzy_bench")
    else:
        settings.DATABASES["default"]["NAME"] = str(Path(os.environ["GGZY_VAR_DIR"]) / "bench.sqlite3")
    call_command("migrate", verbosity=0)
    from ggzy.core import clock
    from ggzy.events.models import Event
    from ggzy.events.services import event_record
    from ggzy.witness.services import witness_integrate

    # "test.thing.done" is catalogued by the tests' app (tests/testapp/event_types.py), installed here
    def recorder_worker() -> None:
        for i in range(per_thread):
            with transaction.atomic():
                event_record(type="test.thing.done", event_class="domain", visibility="public", data={"i": i})
        connection.close()

    # The baseline inserts the same rows (the same canonical documents, made beforehand), without
    # the recorder's checks and canonicalisation.
    template = event_record.__wrapped__ if hasattr(event_record, "__wrapped__") else None  # noqa: F841
    with transaction.atomic():
        sample = event_record(
            type="test.thing.done", event_class="domain", visibility="public", data={"i": 0}
        )
    documents = [sample.document.replace('"i":0', f'"i":{i}') for i in range(per_thread)]

    def plain_worker() -> None:
        for i in range(per_thread):
            with transaction.atomic():
                Event(
                    type="test.thing.done",
                    event_class="domain",
                    visibility="public",
                    occurred_at=clock.now(),
                    source="system",
                    document=documents[i],
                    salt=secrets.token_hex(16),
                ).save()
        connection.close()

    def rate(worker: object) -> float:
        pool = [threading.Thread(target=worker) for _ in range(threads)]  # type: ignore[arg-type]
        start = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        return per_thread * threads / (time.perf_counter() - start)

    rate(plain_worker)  # warm up both
    rate(recorder_worker)
    plain = rate(plain_worker)
    ours = rate(recorder_worker)
    total = Event.objects.count()
    start = time.perf_counter()
    while witness_integrate():
        pass
    integrator = total / (time.perf_counter() - start)
    engine = "postgresql" if args.postgres else "sqlite"
    print(
        f"{engine}: recorder {ours:.0f} events/s, plain inserts {plain:.0f} rows/s, "
        f"integrator {integrator:.0f} events/s"
    )
    print(
        json.dumps(
            {
                "benchmark": f"witness_append_{engine}",
                "value": round(ours, 1),
                "unit": "events/s",
                "baseline": "plain inserts of the same rows",
                "baseline_value": round(plain, 1),
                "ratio": round(ours / plain, 3),
                "integrator_events_per_s": round(integrator, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
