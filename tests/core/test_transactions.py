"""`core.transactions.outermost`: a service that runs transactions of its own refuses to run inside a
caller's — by Django's rule for `atomic(durable=True)`, which pytest-django's `django_db` keeps usable."""

from __future__ import annotations

import pytest
from django.db import transaction

from ggzy.core.transactions import in_callers_transaction, outermost

pytestmark = pytest.mark.django_db


def test_the_test_transaction_of_django_db_is_not_a_callers() -> None:
    """pytest-django's default `django_db` runs each test inside `django.test.TestCase`'s atomic block,
    which Django marks as the test case's: a durable block opens at the test's top level, and is refused
    inside a block the test opens itself. `in_callers_transaction` says the same in both places."""
    assert transaction.get_connection().in_atomic_block  # the test does run in a transaction
    assert not in_callers_transaction()
    with transaction.atomic(durable=True):
        pass
    with transaction.atomic():
        assert in_callers_transaction()
        with pytest.raises(RuntimeError, match="durable atomic block cannot be nested"):  # noqa: SIM117
            with transaction.atomic(durable=True):
                pass


@pytest.mark.django_db(transaction=True)
def test_without_a_test_transaction_the_rule_is_the_same() -> None:
    assert not transaction.get_connection().in_atomic_block
    assert not in_callers_transaction()
    with transaction.atomic():
        assert in_callers_transaction()


def test_an_outermost_service_refuses_to_run_inside_a_callers_transaction() -> None:
    ran: list[int] = []

    @outermost
    def service(*, n: int) -> int:
        ran.append(n)
        return n

    assert service(n=1) == 1
    with transaction.atomic(), pytest.raises(transaction.TransactionManagementError, match="outside any"):
        service(n=2)
    assert ran == [1]  # refused before it did anything
    assert service.__name__ == "service"
