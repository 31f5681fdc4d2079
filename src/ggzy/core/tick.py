"""The tick loop: catching up on side effects of time, idempotently.

A state that depends only on time is derived from stored instants at every read (core.timestate);
nothing waits for a task to have run. What a task does is catch up on the side effects of time
passing — an event, a notification, a push — and each job must be idempotent (it may run twice,
late, or after a gap). Apps register jobs in their AppConfig.ready():

    tick.register("calendar.deadlines_passed", deadlines_passed_catch_up)

`ggzy tick` runs them every few seconds; `ggzy tick --once` once (cron). Under systemd, run
`ggzy tick` as a service with Restart=always; with cron, `* * * * * ggzy tick --once`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

_JOBS: dict[str, Callable[[], int]] = {}


def register(name: str, job: Callable[[], int]) -> None:
    _JOBS[name] = job


def jobs() -> dict[str, Callable[[], int]]:
    return dict(_JOBS)


def run_once() -> dict[str, int | str]:
    """Run every job once; a failing job is logged and does not stop the others."""
    results: dict[str, int | str] = {}
    for name, job in _JOBS.items():
        try:
            results[name] = job()
        except Exception as exc:
            logger.exception("tick job %s failed", name)
            results[name] = f"failed: {type(exc).__name__}"
    return results
