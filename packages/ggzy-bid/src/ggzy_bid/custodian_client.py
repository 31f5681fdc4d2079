"""The bidder's client and the key custodians (docs/sealed-bid-format.md §6, §8.1, §9): the three calls
it makes — `GET /notice?section=`, `GET /time?nonce=`, `POST /ack` — and what it makes of the answers,
with the protocol's own functions (`ggzy_sm.custodians`), nothing reimplemented.

* **Notices** (`fetch_notices`): each custodian's latest notice for a section, kept only when it is valid
  for the set (§6.1: a forged or foreign notice is ignored — it never blocks and never postpones). The
  client seals against the deadline of the latest valid one (`custodians.latest_notice`) and releases no
  earlier than the release time over all of them (`custodians.release_at`).
* **Time** (`establish_time`): "now" from the custodians' signed statements of their clocks, each bound
  to a fresh nonce of this call (`custodians.time_check`): the earliest of at least two, or this PC's
  clock when a single custodian answered and agrees with it within 60 s — said aloud (`Time.fallback`).
  A wrong PC clock never costs the bidder its bid.
* **Registering** (`register`): the bid's ciphertext hash, and nothing that names the bidder, sent to
  every custodian of the set; their signed acknowledgements (each dated by its own clock: a receipt the
  operator cannot back-date) are kept when valid, and at least k from distinct custodians are needed
  (`custodians.acks_check`). The upload command calls the same function.

Every custodian is asked at once (one thread each; n ≤ 16). The transport is a parameter: `HTTP` speaks
to each custodian's `url` in the set with urllib (http or https only, JSON, a timeout, no redirects); the
platform's demo passes its in-process custodians (the same methods: `latest_notice`, `time`, `ack`). A
transport raises `CustodianError` with the custodian's reason when it refuses (its `{"reason",
"message"}` answer) and `OSError` when it cannot be reached.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ggzy_sm import canonical, custodians, sealedbid, strict, x509
from ggzy_sm.custodians import Custodian, CustodianError, SignedCustodianSet

TIMEOUT = 15.0  # seconds for one custodian to answer
MAX_ANSWER = 1 << 20  # bytes of an answer read at most
T = TypeVar("T")


def system_clock() -> dt.datetime:
    """This PC's clock (UTC): used only when a single custodian answered and agrees with it."""
    return dt.datetime.now(dt.UTC)


class CustodianTransport(Protocol):
    """How the client reaches the custodians (the platform's transport has the same methods)."""

    def latest_notice(self, custodian: Custodian, section: str) -> dict[str, Any] | None: ...

    def time(self, custodian: Custodian, nonce: str) -> dict[str, Any]: ...

    def ack(self, custodian: Custodian, request: dict[str, Any]) -> dict[str, Any]: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A custodian answers where the set says it is: a redirect is a refusal, not followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpTransport:
    """The custodians' services over HTTP(S), at the `url` the signed set gives each one."""

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    @staticmethod
    def url(custodian: Custodian, route: str, query: dict[str, str] | None = None) -> str:
        base = custodian.url.strip()
        if urllib.parse.urlsplit(base).scheme not in {"http", "https"}:
            raise CustodianError("address", f"custodian {custodian.index}'s address {base!r} is not http(s)")
        return base.rstrip("/") + route + ("?" + urllib.parse.urlencode(query) if query else "")

    @staticmethod
    def _answer(raw: bytes, status: int) -> dict[str, Any]:
        if len(raw) > MAX_ANSWER:
            raise CustodianError("bad_answer", f"the answer is longer than {MAX_ANSWER} bytes")
        try:
            answer = strict.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise CustodianError("bad_answer", f"the answer (HTTP {status}) is not JSON: {exc}") from exc
        if not isinstance(answer, dict):
            raise CustodianError("bad_answer", f"the answer (HTTP {status}) is not a JSON object")
        return answer

    def _call(self, request: urllib.request.Request) -> dict[str, Any]:
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return self._answer(response.read(MAX_ANSWER + 1), response.status)
        except urllib.error.HTTPError as exc:  # an answer, with a status that says no
            try:
                raw = exc.read(MAX_ANSWER + 1) if exc.fp is not None else b""
            finally:
                exc.close()
            try:
                answer = self._answer(raw, exc.code)
            except CustodianError:
                answer = {}
            reason, message = answer.get("reason"), answer.get("message")
            raise CustodianError(
                reason if isinstance(reason, str) and reason else f"http_{exc.code}",
                message if isinstance(message, str) and message else f"HTTP {exc.code} {exc.reason}",
                status=exc.code,
            ) from exc

    def latest_notice(self, custodian: Custodian, section: str) -> dict[str, Any] | None:
        request = urllib.request.Request(  # noqa: S310  (the scheme is checked in url)
            self.url(custodian, "/notice", {"section": section}), headers={"Accept": "application/json"}
        )
        try:
            return self._call(request)
        except CustodianError as exc:
            if exc.reason == "not_found":
                return None
            raise

    def time(self, custodian: Custodian, nonce: str) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310
            self.url(custodian, "/time", {"nonce": nonce}), headers={"Accept": "application/json"}
        )
        return self._call(request)

    def ack(self, custodian: Custodian, request: dict[str, Any]) -> dict[str, Any]:
        call = urllib.request.Request(  # noqa: S310
            self.url(custodian, "/ack"),
            data=json.dumps(request, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        return self._call(call)


HTTP = HttpTransport()


@dataclass(frozen=True)
class Outcome:
    """What one custodian gave: its (valid) answer, or why there is none."""

    custodian: Custodian
    answer: Any = None
    problem: str | None = None  # e.g. "refused (late): …", "unreachable: …", "invalid: …"

    @property
    def label(self) -> str:
        return f"托管方 {self.custodian.index}（{self.custodian.name}）"


def _ask_all(
    cset: SignedCustodianSet, call: Callable[[Custodian], T]
) -> list[tuple[Custodian, T | None, str | None]]:
    """`call` for every custodian of the set at once: (custodian, result, None) or (custodian, None, why)."""

    def one(custodian: Custodian) -> tuple[Custodian, T | None, str | None]:
        try:
            return custodian, call(custodian), None
        except CustodianError as exc:
            return custodian, None, f"refused ({exc.reason}): {exc}"
        except OSError as exc:  # URLError, timeouts, a dropped connection
            return custodian, None, f"unreachable: {getattr(exc, 'reason', None) or exc}"

    with ThreadPoolExecutor(max_workers=max(1, cset.n), thread_name_prefix="ggzy-bid-custodian") as pool:
        return list(pool.map(one, cset.custodians))


# --- notices (§6.1, §6.2) ---------------------------------------------------------------------------------


def _key(notice: Any) -> bytes:
    return canonical.dumps(notice)


def fetch_notices(
    cset: SignedCustodianSet, section: str, transport: CustodianTransport = HTTP
) -> tuple[list[dict[str, Any]], list[Outcome]]:
    """The notices for `section` valid for the set that the custodians gave (GET /notice?section=; each
    once), and what each custodian gave. A notice that is not valid for the set is left out, and said."""
    notices: dict[bytes, dict[str, Any]] = {}
    outcomes = []
    for custodian, notice, problem in _ask_all(cset, lambda c: transport.latest_notice(c, section)):
        if problem is not None:
            outcomes.append(Outcome(custodian, problem=problem))
        elif notice is None:
            outcomes.append(Outcome(custodian, problem="holds no notice for the section"))
        elif custodians.latest_notice([notice], cset, section) is None:
            outcomes.append(Outcome(custodian, problem="invalid: its notice is not valid for this set"))
        else:
            notices.setdefault(_key(notice), notice)
            outcomes.append(Outcome(custodian, answer=notice))
    return list(notices.values()), outcomes


# --- time (§6.4) -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Time:
    """The client's "now": None when it cannot be established; `why` says how (or why not)."""

    now: dt.datetime | None
    why: str
    pc: dt.datetime  # this PC's clock when the statements were judged
    fallback: bool  # the PC's clock, a single custodian agreeing with it within 60 s
    outcomes: list[Outcome]

    @property
    def pc_offset(self) -> dt.timedelta | None:
        """How far this PC's clock is from the established time (None without one)."""
        return None if self.now is None else self.pc - self.now


def establish_time(
    cset: SignedCustodianSet,
    transport: CustodianTransport = HTTP,
    *,
    pc_clock: Callable[[], dt.datetime] | None = None,
) -> Time:
    """The client's "now" by the custodians' signed time statements (GET /time?nonce=, a fresh nonce
    for each custodian): `custodians.time_check` over what they answered, with this PC's clock read
    after the answers came."""
    nonces = {c.index: custodians.time_nonce() for c in cset.custodians}
    answers = _ask_all(cset, lambda c: transport.time(c, nonces[c.index]))
    pc = (pc_clock or system_clock)()
    now, why = custodians.time_check([a for _c, a, _p in answers if a is not None], cset, nonces, pc_now=pc)
    outcomes = [Outcome(c, answer=a, problem=p) for c, a, p in answers]
    # time_check answers with the PC's clock itself (this very object) only in the fallback
    return Time(now=now, why=why, pc=pc, fallback=now is not None and now is pc, outcomes=outcomes)


# --- registering (§8.1) ------------------------------------------------------------------------------------


def _check_ack(ack: Any, custodian: Custodian, request: dict[str, Any], cset: SignedCustodianSet) -> None:
    """A custodian's answer to POST /ack counts when it is a valid acknowledgement (custodians.ack_verify)
    by that very custodian for this section and ciphertext."""
    payload = custodians.ack_verify(ack, cset)
    if payload["custodian"] != custodian.index:
        raise CustodianError("not_custodian", f"the acknowledgement is custodian {payload['custodian']}'s")
    if (payload["section"], payload["ciphertext_sm3"]) != (request["section"], request["ciphertext_sm3"]):
        raise CustodianError("binding", "the acknowledgement is for another section or ciphertext")


def register(
    bid_path: str | Path,
    cset: SignedCustodianSet,
    transport: CustodianTransport = HTTP,
    *,
    notices: Sequence[dict[str, Any]] | None = None,
    report: Callable[[Outcome], None] | None = None,
) -> list[dict[str, Any]]:
    """Register the sealed bid at `bid_path` with the set's custodians (§8.1): POST /ack to each one with
    `custodians.ack_request_make` — the set, section, ciphertext SM3, the header's deadline and the valid
    notices for the section, nothing that names the bidder — and return the valid acknowledgements, one a
    custodian, in index order. `notices`: those to send (default: fetched from the custodians, GET
    /notice). `report(outcome)` hears what each custodian answered.

    Refused before anything is sent: a bid file that is not a ggzy-bid-v2 whose header and ciphertext
    verify (sealedbid.BidError), a bid sealed for another set (CustodianError "set"). Fewer than k valid
    acknowledgements from distinct custodians: CustodianError("acknowledgements", detail have)."""
    bid = sealedbid.read(Path(bid_path))
    certificate = x509.Certificate.load(sealedbid.signing_certificate(bid))
    sealedbid.verify(bid, certificate.public_key)  # the hash registered is this file's
    if bid.header["custodians"]["set"] != cset.fingerprint:
        raise CustodianError(
            "set",
            f"the bid was sealed for custodian set {bid.header['custodians']['set']}, not {cset.fingerprint}",
        )
    if notices is None:
        notices, _outcomes = fetch_notices(cset, bid.header["section"], transport)
    request = custodians.ack_request_make(bid.header, notices)
    acks: dict[int, dict[str, Any]] = {}
    for custodian, ack, refused in _ask_all(cset, lambda c: transport.ack(c, request)):
        problem = refused
        if ack is not None:
            try:
                _check_ack(ack, custodian, request, cset)
            except CustodianError as exc:
                problem = f"invalid ({exc.reason}): {exc}"
            else:
                acks[custodian.index] = dict(ack)
        if report is not None:
            report(Outcome(custodian, answer=ack if problem is None else None, problem=problem))
    kept = [acks[index] for index in sorted(acks)]
    custodians.acks_check(bid.header, kept, cset)
    return kept
