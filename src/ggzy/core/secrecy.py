"""The secrecy table: who may know which fact of a trade, until when, on what legal basis.

One row per fact. The code reads this table:

* the differential crawl (`tests/events/test_differential_crawl.py`) builds, for every fact whose
  status is `ENFORCED`, two worlds that differ only in that fact (0 vs n hidden rows) and requires
  byte-identical answers from every page and API operation for every role, apart from the residual
  named in `RESIDUAL`; a fact marked enforced without a world in the crawl fails the test;
* `docs/secrecy.md` prints it (`ggzy secrecy_table`, checked in `make lint`).

Not yet: the event catalogue does not name the fact each embargoed type records (its embargo rule names
the embargo kind only), and `section.decryption_closed` / `section.result_final` are not registered
embargo kinds — the opening hall and the result issues register them with the facts they enforce.

"Who knows before" lists who may learn the fact while it is secret; everyone else learns nothing of
it — not a name, a code, a count, a size, an id gap or an error code. "Until" is the instant that lifts
the secrecy for the others listed in "after". The *kind* says what holds it: **cryptographic** (no one,
the operator included, can learn it before the time: the custodians' clocks and shares decide) or
**procedural** (the application hides it on every read path — pages, API, back office, notifications,
exports — but the rows are in the database, readable by whoever runs it; docs/security.md §1).

Legal bases are cited by article. An article marked [verify] was not read in its text when the row was
written; the row's choice does not depend on it (a stricter product choice is named as such).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.StrEnum):
    CRYPTOGRAPHIC = "cryptographic"
    PROCEDURAL = "procedural"


class Status(enum.StrEnum):
    ENFORCED = "enforced"  # the feature exists and the differential crawl proves the secrecy
    PLANNED = "planned"  # the feature that creates the fact is a later issue; the rule is decided now


class Until(enum.StrEnum):
    """The instants that lift a secrecy (the embargo kinds of `ggzy.events.embargo`, or none)."""

    OPENING = "section.opening"  # the section's opening time (the bid deadline's hour)
    DECRYPTION_CLOSED = "section.decryption_closed"  # the opening's decryption window closes
    RESULT_FINAL = "section.result_final"  # the award is final (publicity over, no objection pending)
    NEVER = "never"


@dataclass(frozen=True)
class Fact:
    key: str
    fact: str  # what is secret
    before: str  # who may know it while it is secret
    until: Until
    after: str  # who learns it when the secrecy lifts
    basis: str  # legal basis, by article
    kind: Kind
    exceptions: str
    status: Status
    issue: str = ""  # the issue that builds the feature (planned facts)


FACTS: tuple[Fact, ...] = (
    Fact(
        "bidders",
        "Who bid in a section, how many bids there are, their sizes and submission times, and who withdrew",
        "each bidder of its own bid only (its receipt, its withdrawal); no one else — not the initiator, "
        "the agent, centre staff, supervisors or administrators",
        Until.OPENING,
        "everyone present at the opening (the bidder list is read out and published with the opening "
        "record); supervisors and centre staff of the project's centre",
        "招标投标法 §22 (the initiator must not disclose potential bidders' names, number and other "
        "information affecting fair competition); §36 (the bidders' names are read out at the opening)",
        Kind.PROCEDURAL,
        "The custodians see SM3 hashes of ciphertexts (never a bidder's name) and the count of "
        "acknowledgements per section — they are outside the platform and bound by their agreement. "
        "Refusals of a bid file at upload are security events for supervisors, embargoed until the "
        "opening like the bids.",
        Status.ENFORCED,
    ),
    Fact(
        "bid_contents",
        "What a bid contains: its price, its opening sheet, its documents",
        "no one (the bidder itself, on its own machine)",
        Until.OPENING,
        "decrypted at the opening; prices are shown once the decryption window closes (below)",
        "招标投标法 §36 (opened and read out at the opening); 实施条例 §44",
        Kind.CRYPTOGRAPHIC,
        "None: the key is split among k-of-n custodians who release shares only at the opening time by "
        "their own clocks, or released by the bidder (docs/security.md §6).",
        Status.ENFORCED,
    ),
    Fact(
        "bid_library",
        "Which entries of its library (qualifications, professionals, track record) a bid presents",
        "no one (the references travel inside the sealed bid as documents/library.json)",
        Until.OPENING,
        "resolved at the opening to the revisions valid at the deadline: the bidder, the centre's staff "
        "and the supervisors (docs/entities.md §3, §5)",
        "招标投标法 §22, §36 (like the bid's contents)",
        Kind.CRYPTOGRAPHIC,
        "The library snapshot the bidder downloads names no section; library changes are events for the "
        "supervisors only, so an entry edited just before a deadline tells no one who is about to bid.",
        Status.ENFORCED,
        "the market-entity library (issue 27)",
    ),
    Fact(
        "prices_in_window",
        "The prices of bids already decrypted while the decryption window is still open",
        "the bidder of its own price",
        Until.DECRYPTION_CLOSED,
        "everyone present at the opening",
        "product choice (a bidder who saw rivals' prices could fail its decryption on purpose; "
        "实施条例 §44 [verify])",
        Kind.PROCEDURAL,
        "The platform holds each decrypted bid from its release on, so against whoever runs it the secrecy "
        "is procedural; the custodians open a bid only after the window (`window_open` before it).",
        Status.ENFORCED,
        "the remote opening hall (issue 32): no page, API answer, live message or event shows a price before "
        "the window closes (tests/opening/test_price_crawl.py)",
    ),
    Fact(
        "document_holders",
        "Who obtained the tender documents and how many did",
        "each holder of its own download only; not the initiator or the agent (stricter than the law: "
        "the platform sends clarifications to every holder itself, so neither needs the list, and a "
        "list they never see cannot leak)",
        Until.OPENING,
        "supervisors and centre staff of the project's centre; the initiator and agent learn who bid at "
        "the opening, never the list of holders who did not bid",
        "招标投标法 §22 (the initiator must not disclose the names and number of potential bidders who "
        "obtained the documents)",
        Kind.PROCEDURAL,
        "None before the opening.",
        Status.ENFORCED,
        "procedures and tender documents (issue 26)",
    ),
    Fact(
        "askers",
        "Who asked a question about the tender documents",
        "the asker; the answer goes to every holder without naming the asker",
        Until.NEVER,
        "supervisors of the project's region (after the opening)",
        "实施条例 §21 (clarifications go to all who obtained the documents); the asker is not named "
        "(工程建设项目施工招标投标办法 §33 [verify])",
        Kind.PROCEDURAL,
        "The agent answering sees the question, not the asker.",
        Status.ENFORCED,
        "anonymous questions (issue 26)",
    ),
    Fact(
        "objectors",
        "Who raised an objection (to the documents, the opening or the evaluation result)",
        "the objector; the initiator (and its agent) who must answer; supervisors",
        Until.NEVER,
        "no other bidder, ever",
        "实施条例 §22, §44, §54 (objections to the documents, the opening, the result: the initiator "
        "answers)",
        Kind.PROCEDURAL,
        "A complaint to the supervisors (实施条例 §60) names the complainant to them. A pause the objection"
        " causes is public and names no one (that someone objected is not secret: every party is told).",
        Status.PLANNED,
        "objections service built (issue 24: its events are for supervisors and embargoed before the opening,"
        " the answer reaches the objector's inbox only, never the delivery log); the crawl's world is to add",
    ),
    Fact(
        "security_payers",
        "Who paid bid security, and how (deposit, guarantee, insurance)",
        "the payer; its bank or the issuer it chose (necessarily: they take the deposit or issue the "
        "guarantee before the deadline); the platform's reconciliation runs by machine and staff see "
        "mismatches without names",
        Until.OPENING,
        "the opening record shows each bidder's security status (none, paid, insufficient, late, "
        "guaranteed); centre staff and supervisors of the project's centre",
        "招标投标法 §22; 实施条例 §26 (bid security)",
        Kind.PROCEDURAL,
        "Banks and issuers learn a bidder before the deadline; they are bound by their agreements with "
        "the centre, not by this platform. The bank knows who paid whatever the platform does: the "
        "database holds sub-accounts and credits, so the secrecy is procedural against whoever runs it.",
        Status.ENFORCED,
        "bid security (issue 29): `securities` SubAccount, Credit, Guarantee (docs/securities.md); their "
        "events (securities.sub_account.opened, securities.credit.recorded, securities.guarantee.*) are for "
        "supervisors and embargoed until the opening",
    ),
    Fact(
        "security_sub_accounts",
        "Which organisations have a deposit sub-account on a section, its number, and what has arrived in it",
        "the organisation of its own sub-account (the number to pay into, its status); the bank that "
        "opened it",
        Until.OPENING,
        "centre staff and supervisors of the project's centre; everyone at the opening sees each bidder's "
        "status",
        "招标投标法 §22 (a sub-account opened names a potential bidder)",
        Kind.PROCEDURAL,
        "A bank notification the platform refuses is a security event for the supervisors (no payer "
        "named); the daily reconciliation's mismatches are counted for staff without names before the "
        "opening.",
        Status.ENFORCED,
        "bid security (issue 29): `securities.SubAccount`, `securities.Credit`",
    ),
    Fact(
        "security_payer_details",
        "The payer's name and account number of each transfer into a sub-account",
        "the payer; its bank and the bank of the sub-account",
        Until.NEVER,
        "the evaluation committee and supervisors, as the evidence of a payer flag (accounts masked to "
        "their last four digits); never other bidders; data set 523 exports the account masked",
        "实施条例 §26 second paragraph (cash or cheque from the basic account), §40(五) (security paid "
        "from the same unit's or person's account is deemed collusion)",
        Kind.PROCEDURAL,
        "Stored encrypted (SM4 field key) with a lookup hash, so the same account is found twice without "
        "decrypting; a person sees a whole number only through `ops.field_reveal`, which is recorded.",
        Status.ENFORCED,
        "bid security (issue 29): `securities.Credit.payer_name`, `payer_account`",
    ),
    Fact(
        "security_guarantees",
        "Which issuer a bidder applied to for an electronic guarantee, the application's course and the "
        "guarantee itself",
        "the applicant; the issuer it chose (necessarily: it reviews and issues before the deadline)",
        Until.OPENING,
        "centre staff and supervisors of the project's centre; the initiator (the beneficiary) for a "
        "claim; everyone at the opening sees the status 'guaranteed'",
        "招标投标法 §22; standard 11.2.6 (no issuer designated: the choice is the bidder's)",
        Kind.PROCEDURAL,
        "A guarantee the platform's check refuses is a security event for the supervisors, embargoed "
        "until the opening.",
        Status.ENFORCED,
        "bid security (issue 29): `securities.Guarantee`",
    ),
    Fact(
        "security_flags",
        "The payer flags of a section (same payer account for two bidders, payer not the bidder, not the "
        "basic account) and their evidence",
        "supervisors (computed once at the deadline; the event is embargoed until the opening)",
        Until.NEVER,
        "the evaluation committee and supervisors of the project's region; never bidders, the initiator "
        "or the agent",
        "实施条例 §40(五) (deemed collusion) — a ground to examine, not a finding",
        Kind.PROCEDURAL,
        "None: analytics reads the stored flags, never recomputes them.",
        Status.ENFORCED,
        "bid security (issue 29): `securities.FlagRun`, `securities.Flag`; read by evaluation (a later "
        "issue)",
    ),
    Fact(
        "reference_price",
        "The 标底 (the initiator's reference price), where one is set",
        "the initiator and the agent who made it",
        Until.OPENING,
        "everyone, published at the opening",
        "招标投标法 §22 second paragraph (a 标底 must be kept secret); 实施条例 §27 (one project, one "
        "标底; kept secret)",
        Kind.PROCEDURAL,
        "The maximum price (最高投标限价) is public in the documents (实施条例 §27), not secret.",
        Status.PLANNED,
        "the remote opening hall (issue 32)",
    ),
    Fact(
        "drawn_experts",
        "Which experts were drawn for a section's committee, including replacements and avoidances",
        "the drawn experts themselves (each of its own call); from the push at its set time, the evaluation "
        "area's roster and the centre's staff member appointed to print it (each printing recorded); the "
        "draw's auditors by its eligible list and seed",
        Until.RESULT_FINAL,
        "everyone (published with the result)",
        "招标投标法 §37 last paragraph (the committee's names are secret until the award is decided); "
        "实施条例 §46",
        Kind.PROCEDURAL,
        "Centre staff and supervisors see that a draw happened, its state and its counts (eligible per "
        "specialty, excluded per rule, called per role), never the names; the rows are in the database.",
        Status.ENFORCED,
        "evaluation experts (issue 33)",
    ),
    Fact(
        "evaluation",
        "How bids were reviewed and compared, and which candidates the committee recommends",
        "the committee and the staff supporting the evaluation",
        Until.RESULT_FINAL,
        "everyone, by the publicity of the candidates and then of the result",
        "招标投标法 §38, §44 (committee members and staff must not disclose the evaluation)",
        Kind.PROCEDURAL,
        "None.",
        Status.PLANNED,
        "evaluation (a later issue)",
    ),
    Fact(
        "fingerprints",
        "The machine fingerprints of bid files (data set 519: MAC, CPU, disk, memory, tool)",
        "supervisors of the project's region",
        Until.NEVER,
        "supervisors only (collusion screens)",
        "实施条例 §40 (deemed collusion: bids prepared by the same unit or person) — used to screen, "
        "never published",
        Kind.PROCEDURAL,
        "Stored as SM3 hashes per component, never as serial numbers in clear.",
        Status.PLANNED,
        "collusion screens (a later issue)",
    ),
)


#: What the differential crawl still shows between two worlds, and why we accept it.
@dataclass(frozen=True)
class Residual:
    what: str
    why: str


RESIDUAL: tuple[Residual, ...] = (
    Residual(
        "the witness log's tree size between two published heads",
        "Heads are published on a fixed cadence and each batch is padded with salted dummy leaves up to "
        "a bucket size, so the size moves in buckets; a batch larger than the bucket still shows that "
        "more happened in that period (docs/security.md).",
    ),
    Residual(
        "response times",
        "A world with more rows answers a few milliseconds slower on some pages; the crawl compares "
        "bodies and status codes, not timings.",
    ),
)


def fact(key: str) -> Fact:
    for row in FACTS:
        if row.key == key:
            return row
    raise KeyError(key)


def markdown() -> str:
    """The table as docs/secrecy.md prints it (between the markers, the rest is prose)."""
    lines = [
        "| fact | who may know before | until | after | legal basis | kind | exceptions | status |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in FACTS:
        status = row.status.value + (f" ({row.issue})" if row.issue else "")
        cells = [
            f"**{row.key}**: {row.fact}",
            row.before,
            f"`{row.until.value}`",
            row.after,
            row.basis,
            row.kind.value,
            row.exceptions,
            status,
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    lines += ["", "Residual the differential crawl accepts:", ""]
    lines += [f"- **{row.what}**: {row.why}" for row in RESIDUAL]
    return "\n".join(lines) + "\n"
