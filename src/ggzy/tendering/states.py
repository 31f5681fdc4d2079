"""The tender documents' workflow as a table (`core.states`).

Drafted `draft` and edited while a draft; `issued` once the tender notice of their sections is published
(the criteria frozen as version 1; a clarification adds versions without changing the state). Kept now
for the steps after the opening and the evaluation: a tender that fails — fewer bidders than the method
table's minimum, or every bid rejected (招标投标法 §28, §42; 实施条例 §44) — is `failed`; a re-tender
drafts the next round's documents (`TenderDocuments.round`, `previous`), and the failed round becomes
`superseded` when they are issued. Prequalification documents (`kind`) follow the same table. Every
change goes through `core.states.advance`; a refusal is `TenderingError.STATE`."""

from __future__ import annotations

from ggzy.tendering.models import DocumentsState

#: (state, action) -> next state of a set of documents.
DOCUMENTS_TRANSITIONS: dict[tuple[DocumentsState, str], DocumentsState] = {
    (DocumentsState.DRAFT, "edit"): DocumentsState.DRAFT,  # documents_edit, documents_file_add/remove
    (DocumentsState.DRAFT, "issue"): DocumentsState.ISSUED,  # documents_issue
    (DocumentsState.ISSUED, "clarify"): DocumentsState.ISSUED,  # clarification_issue: a new version
    (DocumentsState.ISSUED, "fail"): DocumentsState.FAILED,  # after the opening or the evaluation (later)
    (DocumentsState.FAILED, "supersede"): DocumentsState.SUPERSEDED,  # the next round is issued (later)
}
