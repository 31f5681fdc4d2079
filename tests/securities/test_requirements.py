"""What a section requires, read from its issued documents."""

from __future__ import annotations

import datetime as dt

from ggzy.securities.services.requirements import requirement
from tests.securities.conftest import DEADLINE, SECURITY_FEN, Trade


def test_the_requirement_is_the_documents_amount_forms_deadline_and_validity(issued: Trade) -> None:
    need = requirement(issued.stage.section)
    assert need.amount_fen == SECURITY_FEN
    assert need.deposit
    assert need.guarantee_kinds == ("bank", "guarantor", "insurer")
    assert need.deadline == DEADLINE
    # 90 days from the day after the deadline's day (25 March, Beijing time)
    assert need.validity_until == dt.date(2026, 3, 25) + dt.timedelta(days=90)
    assert need.regime == "engineering"
    assert need.initiator == issued.stage.section.tender_project.project.initiator
