"""Which envelopes a section takes (双信封, docs/opening.md "Two envelopes"). One rule: a section takes a
technical and a price envelope when its trading method allows two envelopes (`registry.methods`,
`two_envelopes`) **and** its issued documents' criteria record asks for them (`two_envelopes: true`,
docs/criteria-format.md); otherwise one whole bid. The method alone does not decide it (it allows, the
documents choose), and a record asking for two envelopes under a method that does not allow them gets one
whole bid.

`sealing` sits below `tendering` and cannot read the documents: this module registers the rule with
`sealing.admission` when it is imported (the opening services import it; `OpeningConfig.ready` imports
those through the tick jobs), as `live.py` registers the hall's channel."""

from __future__ import annotations

from ggzy.registry import methods
from ggzy.registry.models import Section
from ggzy.sealing import admission
from ggzy.tendering import selectors as tendering

TWO = ("technical", "price")
#: What the first session opens: a whole bid, or the technical envelope; price envelopes wait for the
#: second session (and only those of the bidders that passed the technical review ever open).
FIRST_SESSION = ("single", "technical")


def two_envelopes(section: Section) -> bool:
    """Whether `section` takes two envelopes (see the module's rule)."""
    if not methods.rules_of(section.method).two_envelopes:
        return False
    documents = tendering.documents_of_section(section)
    record = (documents.criteria or {}).get(section.code) if documents is not None else None
    return isinstance(record, dict) and record.get("two_envelopes") is True


def section_envelopes(section: Section) -> tuple[str, ...]:
    """The envelopes `section` takes: ("technical", "price") or ("single",)."""
    return TWO if two_envelopes(section) else admission.SINGLE


admission.register_envelopes("opening", section_envelopes)
