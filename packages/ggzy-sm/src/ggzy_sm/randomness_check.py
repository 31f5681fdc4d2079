"""A published draw (`ggzy-random-draw-v1`) checked offline: `check_draw` recomputes what
`ggzy_sm.randomness`'s docstring says a draw is, from the record, the pinned beacon keys and (when
given) the witness log's trust. `ggzy-verify random` prints it.

What is checked, each failure named with its party:

* **parties**: each listed once; exactly one "platform" and one "fallback" (the platform's), and at
  least one beacon — a value needs a party the platform does not control;
* **beacons**: named by a key pinned in the beacon trust file (`ggzy-beacon-trust-v1`), whose signed
  commitment statement is for this draw, this party and the commitment recorded; a reveal signed by the
  same key for the same, with a secret that opens the commitment, over the hash of *all* the record's
  commitments (a platform that changed its commitment after seeing a beacon's secret shows here);
* **the platform's secrets** open their commitments when given;
* **a drawn value**: the aborted parties are exactly those without a revealed secret, the fallback is
  revealed exactly when someone aborted, and the seed and the result are recomputed
  (`randomness.slots`, `seed`, `derived`);
* **positions**: every commitment's leaf is below the sealing head's tree size, and the moment's leaf
  (when the moment is in the log) at or above it — with a witness trust, the sealing head is checked
  (k pinned co-signatures) and so is each inclusion proof the record carries, against the event and leaf
  it records; without one, the positions are the record's word (a NOTE says so).

Notes are what a reader should know without anything being wrong: an unchecked position, a party that
did not reveal. Django-free, like the rest of ggzy_sm.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ggzy_sm import strict
from ggzy_sm.errors import CryptoError
from ggzy_sm.randomness import (
    BEACON_COMMITMENT,
    BEACON_REVEAL,
    BEACON_STATUS,
    FALLBACK,
    FORMAT,
    HEX64,
    PLATFORM,
    RandomnessError,
    commitment,
    commitments_hash,
    derived,
    seed,
    slots,
)
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.witness import WitnessError, WitnessTrust, sth_check
from ggzy_sm.witness_proof import check_tree_head, verify_inclusion_bundle

BEACON_TRUST_FORMAT = "ggzy-beacon-trust-v1"
BEACON = "beacon"
KINDS = frozenset({PLATFORM, BEACON, FALLBACK})
STATES = frozenset({"open", "drawn", "refused"})
DRAWS_PATH = "/api/v1/randomness/draws/"
FETCH_TIMEOUT = 10
#: a permutation this long is no tender's (experts, bidders): larger is refused rather than computed
MAX_PERMUTATION = 100_000
WHAT = {"commitment": "commitment statement", "reveal": "reveal"}
UNSHOWN = "the commitments were not shown to be in the co-signed log before the moment"


@dataclass
class DrawCheck:
    """What `check` found: problems (the draw does not verify), notes, and the recomputed seed and
    result (None when the draw is not drawn, or they cannot be recomputed)."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seed: str | None = None
    result: Any = None


@dataclass
class _Party:
    party: str
    kind: str
    who: str  # how a message names it
    commitment: str
    entry: dict[str, Any]
    secret: str | None = None  # revealed (a beacon: in its reveal)


def load_beacon_trust(data: Any) -> dict[str, str]:
    """The pinned beacons of a `ggzy-beacon-trust-v1` document, {"format", "beacons": {CODE: {"name",
    "key"}}}, as {public key hex: name}; RandomnessError when it is not one."""
    if not isinstance(data, dict) or data.get("format") != BEACON_TRUST_FORMAT:
        raise RandomnessError(f"not a {BEACON_TRUST_FORMAT} file")
    entries = data.get("beacons")
    if not isinstance(entries, dict):
        raise RandomnessError("the beacon trust has no beacons object")
    pinned: dict[str, str] = {}
    for code, entry in entries.items():
        if not isinstance(entry, dict) or not strict.is_text(entry.get("name")):
            raise RandomnessError(f"beacon {code}: a pinned beacon is {{name, key}}")
        try:
            key = strict.public_key(entry.get("key")).hex()
        except ValueError as exc:
            raise RandomnessError(f"beacon {code}: {exc}") from exc
        if key in pinned:
            raise RandomnessError(f"beacon {code}: its key is pinned twice")
        pinned[key] = str(entry["name"])
    return pinned


def fetch_draw(base: str, draw: str) -> Any:
    """The record `base` publishes for `draw` (GET BASE/api/v1/randomness/draws/<draw>, JSON); OSError
    or ValueError when it cannot be had."""
    if urllib.parse.urlsplit(base).scheme not in {"http", "https"}:
        raise ValueError("the base URL is http:// or https://")
    url = base.rstrip("/") + DRAWS_PATH + urllib.parse.quote(draw, safe="")
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as response:  # noqa: S310  (http(s) only)
        return json.loads(response.read().decode("utf-8"))


def ask_beacons(record: Any, urls: list[str], pinned: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(problems, notes) from asking each beacon at `urls` itself (GET URL/v1/draws/<draw>, its signed
    status) what it did: a beacon the record has as not revealing that says it revealed shows a platform
    that suppressed a reveal it received (docs/randomness.md); one that revealed over another set of
    commitments, or committed to another value, shows a rewritten record."""
    problems: list[str] = []
    notes: list[str] = []
    if not isinstance(record, dict) or not isinstance(record.get("parties"), list):
        return ["the record has no parties to ask about"], notes
    draw = str(record.get("draw"))
    entries = {e.get("party"): e for e in record["parties"] if isinstance(e, dict)}
    set_hash = commitments_hash([str(e.get("commitment")) for e in entries.values()])
    aborted = set(record.get("aborted") or [])
    for url in urls:
        try:
            status = _fetch(url.rstrip("/") + "/v1/draws/" + urllib.parse.quote(draw, safe=""))
        except (OSError, ValueError) as exc:
            problems.append(f"the beacon at {url} could not be asked ({type(exc).__name__})")
            continue
        key = status.get("key") if isinstance(status, dict) else None
        body = status.get("status") if isinstance(status, dict) else None
        if not isinstance(key, str) or key not in pinned or not isinstance(body, dict):
            problems.append(f"the beacon at {url} answers with a key that is not pinned")
            continue
        try:
            strict.public_key(key).verify(BEACON_STATUS, body, strict.signature(status.get("signature")))
        except (CryptoError, ValueError):
            problems.append(f"the beacon at {url}: its status is not signed by its pinned key")
            continue
        name, entry = pinned[key], entries.get(key)
        if entry is None or body.get("draw") != draw:
            problems.append(f"beacon {name} committed to this draw but the record does not list it")
            continue
        if body.get("commitment") != entry.get("commitment"):
            problems.append(f"beacon {name} committed to another value than the record shows")
        if body.get("revealed_at"):
            if key in aborted:
                problems.append(
                    f"beacon {name} says it revealed at {body.get('revealed_at')}, but the record has it as"
                    " not revealing: the platform suppressed a reveal it received"
                )
            if body.get("commitments_hash") != set_hash:
                problems.append(f"beacon {name} revealed over another set of commitments than the record's")
        elif key in aborted:
            notes.append(f"beacon {name} confirms it has not revealed")
        elif record.get("state") == "drawn":
            problems.append(f"beacon {name} says it has not revealed, but the record has its secret")
    return problems, notes


def _fetch(url: str) -> Any:
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError("a URL is http:// or https://")
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as response:  # noqa: S310  (http(s) only)
        return json.loads(response.read().decode("utf-8"))


def _is_secret(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= HEX64  # noqa: PLR2004


def _whole(value: Any) -> int | None:
    return value if strict.is_int(value) and value >= 0 else None


# --- the parties ----------------------------------------------------------------------------------------
def _parties(record: dict[str, Any], pinned: Mapping[str, str], out: DrawCheck) -> list[_Party] | None:
    """The record's parties, each once and well formed; None (with the problems) when they are not."""
    entries = record.get("parties")
    if not isinstance(entries, list):
        out.problems.append("the record lists no parties")
        return None
    parties: list[_Party] = []
    intact = True
    for number, entry in enumerate(entries, start=1):
        name = entry.get("party") if isinstance(entry, dict) else None
        kind = entry.get("kind") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not isinstance(name, str) or kind not in KINDS:
            out.problems.append(f"party {number} is not {{party, kind: platform|beacon|fallback, …}}")
            intact = False
            continue
        who = f"beacon {pinned.get(name, name[:16] + '…')}" if kind == BEACON else f"the {kind}"
        if name in {PLATFORM, FALLBACK} if kind == BEACON else name != kind:
            out.problems.append(f"{who}: the party {name!r} is not of kind {kind}")
            intact = False
        if any(p.party == name for p in parties):
            out.problems.append(f"{who}: the party is listed twice")
            intact = False
        if not _is_secret(entry.get("commitment")):
            out.problems.append(f"{who}: its commitment is not 64 lower-case hex digits")
            intact = False
            continue
        parties.append(_Party(name, str(kind), who, str(entry["commitment"]), entry))
    kinds = [p.kind for p in parties]
    for kind in (PLATFORM, FALLBACK):
        if kinds.count(kind) != 1:
            out.problems.append(f"a draw has exactly one {kind} party, this one {kinds.count(kind)}")
            intact = False
    if BEACON not in kinds:
        out.problems.append("the draw has no beacon: a value needs a party the platform does not control")
        intact = False
    return parties if intact else None


def _signed(
    signed: Any, wrapper: str, purpose: str, p: _Party, draw: str
) -> tuple[dict[str, Any] | None, list[str]]:
    """(the body, what is wrong) of a beacon's signed `what`: {wrapper: body, "key", "signature"} signed
    for `purpose` by the party's own key, for this draw, this party and its recorded commitment."""
    what = WHAT[wrapper]
    if not isinstance(signed, dict) or not isinstance(body := signed.get(wrapper), dict):
        return None, [f"{p.who}: its {what} is not {{{wrapper}, key, signature}}"]
    problems = []
    if signed.get("key") != p.party:
        problems.append(f"{p.who}: its {what} is signed by another key ({str(signed.get('key'))[:16]}…)")
    else:
        try:
            strict.public_key(p.party).verify(purpose, body, strict.signature(signed.get("signature")))
        except (CryptoError, ValueError):
            problems.append(f"{p.who}: the signature of its {what} does not verify")
    if body.get("format") != purpose:
        problems.append(f"{p.who}: its {what} is not a {purpose}")
    for name, expected in (("draw", draw), ("party", p.party), ("commitment", p.commitment)):
        if body.get(name) != expected:
            problems.append(f"{p.who}: its {what} is for another {name} ({body.get(name)!r})")
    return body, problems


def _check_beacon(p: _Party, draw: str, pinned: Mapping[str, str], set_hash: str, out: DrawCheck) -> None:
    """The beacon's key pinned, its statement and its reveal (p.secret: the secret its reveal gives)."""
    if p.party not in pinned:
        out.problems.append(f"{p.who}: its key is not pinned in the beacon trust")
    try:
        strict.public_key(p.party)
    except ValueError:
        out.problems.append(f"{p.who}: the party is not named by an SM2 public key ({p.party[:16]}…)")
        return
    _body, problems = _signed(p.entry.get("statement"), "commitment", BEACON_COMMITMENT, p, draw)
    out.problems += problems
    given = p.entry.get("secret")
    if p.entry.get("reveal") is None:
        if given is not None:
            out.problems.append(f"{p.who}: a secret is given without the beacon's signed reveal")
        return
    body, problems = _signed(p.entry["reveal"], "reveal", BEACON_REVEAL, p, draw)
    out.problems += problems
    if body is None:
        return
    secret = body.get("secret")
    if not _is_secret(secret):
        out.problems.append(f"{p.who}: its reveal carries no secret (64 lower-case hex digits)")
        return
    p.secret = str(secret)
    if commitment(draw, p.party, p.secret) != p.commitment:
        out.problems.append(f"{p.who}: its revealed secret does not open its commitment")
    if body.get("commitments_hash") != set_hash:
        out.problems.append(
            f"{p.who} revealed against another set of commitments than the record's: a commitment was"
            " changed after the beacon was shown the set"
        )
    if given is not None and given != p.secret:
        out.problems.append(f"{p.who}: the secret recorded is not the one its reveal gives")


def _check_own(p: _Party, draw: str, out: DrawCheck) -> None:
    """The platform's or the fallback's secret, when given, opens its commitment."""
    given = p.entry.get("secret")
    if given is None:
        return
    if not _is_secret(given):
        out.problems.append(f"{p.who}: its secret is not 64 lower-case hex digits")
        return
    p.secret = str(given)
    if commitment(draw, p.party, p.secret) != p.commitment:
        out.problems.append(f"{p.who}: its secret does not open its commitment")


# --- the positions in the witness log -------------------------------------------------------------------
def _head_size(record: dict[str, Any], trust: WitnessTrust | None, out: DrawCheck) -> int | None:
    """The sealing head's tree size (None: no head, or a malformed one), the head checked under `trust`."""
    head = record.get("sealing_head")
    if head is None:
        return None
    size = None
    try:
        size = int(sth_check(head.get("sth") if isinstance(head, dict) else None)["tree_size"])
    except WitnessError as exc:
        out.problems.append(f"the sealing head is malformed: {exc}")
    if trust is not None:
        problems, breaks = check_tree_head(head, trust)
        out.problems += [f"the sealing head: {problem}" for problem in problems]
        out.notes += breaks
    return size


def _check_positions(
    record: dict[str, Any], parties: list[_Party], trust: WitnessTrust | None, out: DrawCheck
) -> None:
    """Every commitment's leaf below the sealing head's size, the moment's leaf not below it."""
    size = _head_size(record, trust, out)
    missing = ["the record has no sealing head"] if record.get("sealing_head") is None else []
    for p in parties:
        leaf = _whole(p.entry.get("leaf_index"))
        if leaf is None:
            missing.append(f"{p.who}'s commitment has no leaf in the log")
        elif size is not None and leaf >= size:
            out.problems.append(
                f"{p.who}'s commitment (leaf {leaf}) is not below the sealing head's size ({size}): it is"
                " not in the log the head seals"
            )
    moment = record.get("moment")
    if not isinstance(moment, dict):
        out.problems.append("the record has no moment {event, leaf_index, label}")
    elif moment.get("leaf_index") is not None:
        leaf = _whole(moment["leaf_index"])
        if leaf is None:
            out.problems.append("the moment's leaf_index is not a whole number")
        elif size is not None and leaf < size:
            out.problems.append(
                f"the moment (leaf {leaf}) is before the sealing head ({size} leaves): {UNSHOWN}"
            )
    if missing:
        text = f"{UNSHOWN}: {'; '.join(missing)}"
        (out.problems if record.get("state") == "drawn" else out.notes).append(text)
    if trust is None:
        out.notes.append(
            "the positions in the witness log are taken from the record unchecked (no witness trust"
            " given: neither the sealing head nor the inclusion proofs were verified)"
        )
    else:
        _check_proofs(record, parties, trust, out)


#: what a proof must agree with: (who, the leaf recorded, the commitment the event records or None)
Place = tuple[str, Any, str | None]


def _check_proofs(record: dict[str, Any], parties: list[_Party], trust: WitnessTrust, out: DrawCheck) -> None:
    """Each inclusion proof for an event the draw records (`_check_proof`); a position without one is a
    NOTE."""
    proofs = record.get("proofs") or {}
    if not isinstance(proofs, dict):
        out.problems.append("the record's proofs are not {event uid: inclusion proof}")
        return
    recorded: dict[str, list[Place]] = {}
    for p in parties:
        if isinstance(event := p.entry.get("event"), str):
            recorded.setdefault(event, []).append((p.who, p.entry.get("leaf_index"), p.commitment))
    moment = record.get("moment")
    if isinstance(moment, dict) and isinstance(event := moment.get("event"), str):
        recorded.setdefault(event, []).append(("the moment", moment.get("leaf_index"), None))
    for event, bundle in proofs.items():
        if event in recorded:
            _check_proof(event, bundle, recorded[event], trust, out)
        else:
            out.problems.append(f"a proof is given for event {event}, which the draw does not record")
    for event, places in recorded.items():
        if event not in proofs and any(leaf is not None for _who, leaf, _c in places):
            whose = ", ".join(who for who, _leaf, _c in places)
            out.notes.append(f"the position of event {event} ({whose}) is the record's: no inclusion proof")


def _check_proof(event: str, bundle: Any, places: list[Place], trust: WitnessTrust, out: DrawCheck) -> None:
    """The proof verifies under `trust`, is of this event's document, at the leaf recorded, and the
    document carries the commitments recorded with the event."""
    problems, breaks = verify_inclusion_bundle(bundle, trust)
    out.problems += [f"the proof of event {event}: {problem}" for problem in problems]
    out.notes += [b for b in breaks if b not in out.notes]
    if not isinstance(bundle, dict):
        return
    document = bundle.get("document")
    try:
        uid = json.loads(document).get("uid") if isinstance(document, str) else None
    except (ValueError, AttributeError):
        uid = None
    if uid != event:
        out.problems.append(f"the proof of event {event} is of another event's document ({uid!r})")
    for who, leaf, committed in places:
        if leaf is not None and bundle.get("leaf_index") != leaf:
            out.problems.append(
                f"the proof of event {event} puts it at leaf {bundle.get('leaf_index')}, not at leaf {leaf}"
                f" as recorded for {who}"
            )
        if committed is not None and isinstance(document, str) and committed not in document:
            out.problems.append(f"event {event} does not carry {who}'s commitment")


# --- the value ------------------------------------------------------------------------------------------
def _recompute(record: dict[str, Any], draw: str, parties: list[_Party], out: DrawCheck) -> None:
    """The aborted list, the fallback's use, the seed and the result of a drawn record."""
    fallback = next(p for p in parties if p.kind == FALLBACK)
    order = [p for p in parties if p.kind != FALLBACK]
    revealed = {p.party: p.secret for p in order if p.secret is not None}
    without = [p for p in order if p.party not in revealed]
    aborted = record.get("aborted")
    if (
        not isinstance(aborted, list)
        or len(set(map(str, aborted))) != len(aborted)
        or set(map(str, aborted)) != {p.party for p in without}
    ):
        out.problems.append(
            f"the aborted parties recorded ({aborted!r}) are not those without a revealed secret"
            f" ({', '.join(p.who for p in without) or 'none'})"
        )
    if without and fallback.secret is None:
        out.problems.append(
            f"{', '.join(p.who for p in without)} did not reveal and the fallback's secret is not revealed:"
            " the draw has no value"
        )
        return
    if not without and fallback.secret is not None:
        out.problems.append(
            "the fallback's secret is revealed though every party revealed: it stands only for a party"
            " that did not"
        )
    for p in without:
        out.notes.append(f"{p.who} did not reveal: its slot takes the fallback's secret")
        if p.kind == PLATFORM:  # it holds its secret and reveals it before asking any beacon
            out.problems.append(
                "the platform withheld its own secret: had it seen a beacon's secret first, it could choose"
                " between its secret and the fallback's"
            )
    if all(p.kind != BEACON for p in order if p.party in revealed):
        out.notes.append(
            "no beacon revealed: the value comes from the platform's secrets alone, fixed at their commitment"
        )
    out.seed = seed(draw, slots([p.party for p in order], revealed, fallback.secret))
    if record.get("seed") != out.seed:
        out.problems.append(f"the recorded seed {record.get('seed')!r} is not the one its slots give")
    derive = record.get("derive")
    if not isinstance(derive, dict):
        out.problems.append("derive is not {kind: seed|choose|permutation, …}")
        return
    n = _whole(derive.get("n"))
    if derive.get("kind") == "permutation" and (n is None or n > MAX_PERMUTATION):
        out.problems.append(
            f"derive: a permutation of 0 … {MAX_PERMUTATION} elements, not {derive.get('n')!r}"
        )
        return
    try:
        out.result = derived(out.seed, derive)
    except (RandomnessError, ValueError) as exc:
        out.problems.append(f"derive: {exc}")
        return
    if record.get("result") != out.result:
        out.problems.append(
            f"the recorded result {record.get('result')!r} is not what the seed gives ({out.result!r})"
        )


def check(record: Any, beacons: Mapping[str, str], witness_trust: WitnessTrust | None = None) -> DrawCheck:
    """Everything `check_draw` says, with the recomputed seed beside the result."""
    out = DrawCheck()
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        out.problems.append(f"not a {FORMAT} record")
        return out
    draw = record.get("draw")
    if not strict.is_text(draw):
        out.problems.append("the record names no draw")
        return out
    state = record.get("state")
    if state not in STATES:
        out.problems.append(f"the state {state!r} is not open, drawn or refused")
    pinned = {}
    for key, name in beacons.items():
        try:
            pinned[Sm2PublicKey.from_hex(key).hex()] = name
        except (CryptoError, ValueError):
            continue
    parties = _parties(record, pinned, out)
    if parties is None:
        if state == "drawn":
            out.problems.append("the seed cannot be recomputed from these parties")
        return out
    set_hash = commitments_hash([p.commitment for p in parties])
    for p in parties:
        if p.kind == BEACON:
            _check_beacon(p, str(draw), pinned, set_hash, out)
        else:
            _check_own(p, str(draw), out)
    _check_positions(record, parties, witness_trust, out)
    if state == "drawn":
        _recompute(record, str(draw), parties, out)
    elif record.get("seed") is not None or record.get("result") is not None:
        out.problems.append(f"a draw that is {state} has no seed and no result yet")
    return out


def check_draw(
    record: Any, beacons: Mapping[str, str], witness_trust: WitnessTrust | None
) -> tuple[list[str], list[str], Any]:
    """(problems, notes, result) of a published draw: [] problems when it verifies (see the module's
    docstring). `beacons` pins the beacons' keys ({public key hex: name}, `load_beacon_trust`);
    `witness_trust`, when given, checks the sealing head and the inclusion proofs. `result` is the
    recomputed result of a drawn record, None otherwise (or when it cannot be recomputed)."""
    checked = check(record, beacons, witness_trust)
    return checked.problems, checked.notes, checked.result


# --- what the command prints ----------------------------------------------------------------------------
def summary(record: Any, checked: DrawCheck) -> list[str]:
    """What was found, in Chinese, then in English."""
    record = record if isinstance(record, dict) else {}
    draw, state = record.get("draw", "?"), record.get("state", "?")
    if checked.problems:
        n = len(checked.problems)
        return [
            f"随机抽取 {draw} 验证未通过：发现 {n} 个问题（见下）。",
            f"FAILED: draw {draw} does not verify: {n} problem{'s' if n != 1 else ''} (below).",
        ]
    about = f"{record.get('purpose', '-')}（{record.get('subject', '-')}）"
    about_en = f"{record.get('purpose', '-')} ({record.get('subject', '-')})"
    if state != "drawn":
        words = {"open": "尚未抽取", "refused": "已拒绝抽取"}.get(str(state), str(state))
        return [
            f"随机抽取 {draw}（{about}）{words}（{state}）：已记录的承诺与签名无误，尚无结果。",
            f"OK: draw {draw} ({about_en}) is {state}: what is recorded checks out; there is no result yet.",
        ]
    aborted = record.get("aborted") or []
    result = json.dumps(checked.result, ensure_ascii=False)
    parties = len(record["parties"])
    return [
        (
            f"随机抽取 {draw} 验证通过：{about}；参与方 {parties} 个，未揭示的 {len(aborted)} 个"
            f"（由备用秘密代替）；种子 {checked.seed}；结果 {result}。"
        ),
        (
            f"OK: draw {draw} verifies: {about_en}; {parties} parties, {len(aborted)} without a reveal (the"
            f" fallback's secret in their place); seed {checked.seed}; result {result}."
        ),
    ]
