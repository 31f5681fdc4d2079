"""Who may bid for a section, asked of the apps that know it.

Tendering knows who obtained the documents (and so who was invited to an invitation tender), but it
sits above `sealing` in the layers (docs/architecture.md): it registers its check here at start-up
(`TenderingConfig.ready`), and `sealing` asks every registered check when an upload is created and when
a bid is received. A check answers, for a section and a bidding organisation, the reason it may not bid
(a key of `sealing.errors.REASONS`) or None. Refusals say only what concerns the asking bidder itself:
nothing about who else holds the documents or bid.

Which envelopes a section takes is asked the same way: the opening hall knows the rule (the method and
the documents' criteria record: `opening.envelopes`) and registers it here; without an answer a section
takes one whole bid ("single")."""

from __future__ import annotations

from collections.abc import Callable

from ggzy.registry.models import Section

#: (section, organisation id) -> the reason the organisation may not bid there, or None.
Check = Callable[[Section, int], str | None]

_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    """Register (or replace) the check `name` (an app's label): asked for every bid from now on."""
    _checks[name] = check


def refusal(section: Section, organisation_id: int) -> str | None:
    """The first registered check's reason the organisation may not bid for the section, or None."""
    for check in _checks.values():
        if reason := check(section, organisation_id):
            return reason
    return None


#: section -> the envelopes it takes: ("single",) or ("technical", "price"); () when the provider does not
#: know (the next one, or the default, answers).
Envelopes = Callable[[Section], tuple[str, ...]]

_envelopes: dict[str, Envelopes] = {}
SINGLE = ("single",)


def register_envelopes(name: str, provider: Envelopes) -> None:
    """Register (or replace) the provider `name` of the envelopes a section takes."""
    _envelopes[name] = provider


def envelopes(section: Section) -> tuple[str, ...]:
    """The envelopes `section` takes: the first registered provider's answer, else one whole bid."""
    for provider in _envelopes.values():
        if found := provider(section):
            return found
    return SINGLE
