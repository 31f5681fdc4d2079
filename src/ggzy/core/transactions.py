"""Who owns a transaction: the service (docs/architecture.md, "Transactions, states and imports").

Most services are one transaction (`@transaction.atomic`); when services nest, the outermost caller's
transaction wins. A few services run several transactions of their own, one after another: a refusal
recorded after the refused change was rolled back, a file renamed into place only once its row is
stored, outside parties asked between two writes. Inside a caller's transaction those would become one
and roll back together — the refusal record with the refusal. Such a service is marked `@outermost`
and refuses to run inside a caller's transaction, before it does anything.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")


def in_callers_transaction(using: str | None = None) -> bool:
    """Whether the code runs inside an atomic block someone else opened — by Django's own rule for
    `atomic(durable=True)`: the per-test transaction of Django's `TestCase` (and so of pytest-django's
    `django_db`, which uses it) does not count, so each test still rolls back everything it wrote."""
    blocks = transaction.get_connection(using).atomic_blocks
    return bool(blocks) and not getattr(blocks[-1], "_from_testcase", False)


def outermost(service: Callable[P, R]) -> Callable[P, R]:
    """Mark a service that runs transactions of its own: called inside a caller's transaction it
    raises `TransactionManagementError` (a programming error, never shown as a refusal)."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if in_callers_transaction():
            raise transaction.TransactionManagementError(
                f"{service.__module__}.{service.__qualname__} runs transactions of its own (what it "
                "records must outlive a refusal): call it outside any atomic block"
            )
        return service(*args, **kwargs)

    return run
