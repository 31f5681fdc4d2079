"""The documents' table pair by pair (`tendering.states`): every state × every action a service takes
today moves as the table says or is refused with `documents_state`, changing nothing. `fail` and
`supersede` belong to the steps after the opening and the evaluation: their states are kept in the model
now, and a failed round refuses every action of the documents' own services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ggzy.core.errors import DomainError
from ggzy.tendering import services
from ggzy.tendering.models import DocumentsKind, DocumentsState, TenderDocuments
from ggzy.tendering.states import DOCUMENTS_TRANSITIONS
from tests.notices.test_objections import Trade, t
from tests.tendering.test_documents import issued, records

SERVICES: dict[str, Callable[[Trade, TenderDocuments], Any]] = {
    "edit": lambda tr, d: services.documents_edit(actor=tr.world.agent_user, documents=d, title="改名"),
    "issue": lambda tr, d: services.documents_issue(actor=tr.world.agent_user, documents=d),
    "clarify": lambda tr, d: services.clarification_issue(
        actor=tr.world.agent_user, documents=d, text="澄清"
    ),
}
LATER = {"fail", "supersede"}  # the opening's and the evaluation's (not built yet)


def test_every_action_has_its_service_or_is_kept_for_a_later_step() -> None:
    assert {action for _state, action in DOCUMENTS_TRANSITIONS} == set(SERVICES) | LATER
    assert set(DocumentsState.values) == {"draft", "issued", "failed", "superseded"}
    assert set(DocumentsKind.values) == {"tender", "prequalification"}


def _in_state(trade: Trade, state: str) -> TenderDocuments:
    if state == DocumentsState.DRAFT:
        return services.documents_draft(
            actor=trade.world.agent_user, tender_project=trade.tender_project, title="招标文件",
            criteria=records(trade),
        )  # fmt: skip
    documents = issued(trade)
    if state != DocumentsState.ISSUED:  # what the later steps will do, through their own services
        TenderDocuments.objects.filter(pk=documents.pk).update(state=state)
        documents.refresh_from_db()
    return documents


@pytest.mark.parametrize("state", DocumentsState.values)
@pytest.mark.parametrize("action", sorted(SERVICES))
def test_each_pair_moves_as_the_table_says(trade: Trade, state: str, action: str) -> None:
    documents = _in_state(trade, state)
    trade.clock.at(t("2026-03-03 10:00"))
    target = DOCUMENTS_TRANSITIONS.get((DocumentsState(state), action))
    before = TenderDocuments.objects.values().get(pk=documents.pk)
    if target is None:
        with pytest.raises(DomainError) as refused:
            SERVICES[action](trade, documents)
        assert refused.value.code.value == "documents_state"
        assert TenderDocuments.objects.values().get(pk=documents.pk) == before
    else:
        SERVICES[action](trade, documents)
        assert TenderDocuments.objects.get(pk=documents.pk).state == target
