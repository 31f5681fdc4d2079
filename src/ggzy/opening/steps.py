"""The steps of a remote opening (不见面开标) as one table, in order, and the schedule they make from the
section's opening time and the documents' windows (`../docs/opening.md`). A step with a time in the
documents advances by the clock (`opening.advance`, a tick job), not by anyone's click; every step keeps its
scheduled and its actual instants (standard 6.7.2: 准时情况)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

#: the documents' decryption window when the criteria record names none (minutes)
DEFAULT_WINDOW = 30
SIGN_IN_BEFORE = 30  # bidders may sign in this many minutes before the opening
CONFIRMATION = 15  # minutes to confirm (or object to) one's own line of the opening record
OBJECTIONS = 15  # minutes for objections at the opening (实施条例 §44: answered on the spot)


@dataclass(frozen=True)
class Step:
    code: str
    title: Promise
    meaning: str  # for docs/opening.md


STEPS: tuple[Step, ...] = (
    Step(
        "sign_in",
        pgettext_lazy("hall step", "Sign-in"),
        "bidders sign in with the certificate bound to their bid",
    ),
    Step(
        "control_price",
        pgettext_lazy("hall step", "Control price"),
        "the ceiling price (and a 标底) published",
    ),
    Step(
        "random_parameters",
        pgettext_lazy("hall step", "Random parameters"),
        "K drawn (verifiable randomness)",
    ),
    Step(
        "bidder_list",
        pgettext_lazy("hall step", "Bidders and security"),
        "who bid, with each security's status",
    ),
    Step(
        "decryption", pgettext_lazy("hall step", "Decryption"), "each bidder releases its bid in the window"
    ),
    Step(
        "opening_sheet",
        pgettext_lazy("hall step", "Opening sheet (唱标)"),
        "prices shown once the window closed",
    ),
    Step(
        "confirmation",
        pgettext_lazy("hall step", "Confirmation"),
        "each bidder confirms or objects to its line",
    ),
    Step(
        "objections",
        pgettext_lazy("hall step", "Objections"),
        "objections at the opening, answered in the hall",
    ),
    Step("close", pgettext_lazy("hall step", "Close"), "the opening record signed and published"),
)
CODES = tuple(s.code for s in STEPS)
TITLES = {s.code: s.title for s in STEPS}


def schedule(
    opens_at: dt.datetime, window_minutes: int, *, not_before: dt.datetime | None = None
) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(step, starts, ends) of each step for an opening at `opens_at` with a decryption window of
    `window_minutes`: instants from the documents, in order; a step of no duration starts and ends at once.
    The steps are scheduled when the bids are counted at the deadline (`not_before`): the sign-in begins
    then at the earliest — where the opening is at the deadline, it is a step of no duration, not one
    scheduled half an hour before the schedule existed (and so always late)."""
    minute = dt.timedelta(minutes=1)
    sign_in = opens_at - SIGN_IN_BEFORE * minute
    if not_before is not None:
        sign_in = min(max(sign_in, not_before), opens_at)
    window_end = opens_at + window_minutes * minute
    confirmed = window_end + CONFIRMATION * minute
    objected = confirmed + OBJECTIONS * minute
    return [
        ("sign_in", sign_in, opens_at),
        ("control_price", opens_at, opens_at),
        ("random_parameters", opens_at, opens_at),
        ("bidder_list", opens_at, opens_at),
        ("decryption", opens_at, window_end),
        ("opening_sheet", window_end, window_end),
        ("confirmation", window_end, confirmed),
        ("objections", confirmed, objected),
        ("close", objected, objected),
    ]


#: The second session of a two-envelope section (二次开标): the price envelopes of the bidders that passed
#: the technical review, in the documents' decryption window; the remedy and the price sheet when it
#: closes; then its record.
SECOND_STEPS: tuple[Step, ...] = (
    Step(
        "price_decryption",
        pgettext_lazy("hall step", "Price envelopes: decryption"),
        "the bidders that passed the technical review release their price envelopes in the window",
    ),
    Step(
        "price_sheet",
        pgettext_lazy("hall step", "Price sheet (唱标)"),
        "the documents' remedy for the price envelopes not released, then their prices read out",
    ),
    Step(
        "price_close",
        pgettext_lazy("hall step", "Second session record"),
        "the second session's record made, its SM3 in the witness log",
    ),
)
SECOND_CODES = tuple(s.code for s in SECOND_STEPS)
SECOND_TITLES = {s.code: s.title for s in SECOND_STEPS}


def second_schedule(opens_at: dt.datetime, window_minutes: int) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(step, starts, ends) of the second session opening at `opens_at` with the documents' window."""
    window_end = opens_at + dt.timedelta(minutes=window_minutes)
    return [
        ("price_decryption", opens_at, window_end),
        ("price_sheet", window_end, window_end),
        ("price_close", window_end, window_end),
    ]
