"""Who may bid for a section, asked of the apps that know it.

Tendering knows who obtained the documents (and so who was invited to an invitation tender), but it
sits above `sealing` in the layers (docs/architecture.md): it registers its check here at start-up
(`TenderingConfig.ready`), and `sealing` asks every registered check when an upload is created and when
a bid is received. A check answers, for a section and a bidding organisation, the reason it may not bid
(a key of `sealing.errors.REASONS`) or None. Refusals say only what concerns the asking bidder itself:
nothing about who else holds the documents or bid."""

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
