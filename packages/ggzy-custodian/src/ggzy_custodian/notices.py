"""Deadline notices (docs/sealed-bid-format.md §6.1, §6.2): the valid notices a custodian holds per
section (notices.json), what they say of a section's opening and closing times, POST /notice and
GET /notice, and the rate limit on logging the notices that are not valid."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from ggzy_custodian import state
from ggzy_custodian.base import CustodianBase
from ggzy_custodian.replies import log_field, parse_json, refusal_reply, section_query, state_failure
from ggzy_sm import canonical, custodians, jsonservice
from ggzy_sm.custodians import CustodianError
from ggzy_sm.jsonservice import Reply, StartupError

UNVERIFIED_LOGGED = 60  # notices that are not valid, logged one by one, from one address in a window
UNVERIFIED_WINDOW = dt.timedelta(minutes=1)


class UnverifiedNotices:
    """The notices delivered to POST /notice that are not valid for the set: counted (all of them, since
    the service started) and rate-limited in the log — from one remote address, the first
    `per_window` in a window of `window` are logged one by one, the rest only counted, and when the
    window has ended one line says how many were not logged. Thread-safe."""

    def __init__(self, per_window: int = UNVERIFIED_LOGGED, window: dt.timedelta = UNVERIFIED_WINDOW) -> None:
        self.per_window = per_window
        self.window = window
        self.count = 0
        self.last_at: dt.datetime | None = None
        self._windows: dict[str, list[Any]] = {}  # remote -> [start, logged, not logged]
        self._ended: list[tuple[str, dt.datetime, int]] = []
        self._lock = threading.Lock()

    def note(self, remote: str, now: dt.datetime) -> bool:
        """Count one from `remote` at `now`: True when it is to be logged one by one. Call `ended`
        first, so that a window that has ended is reported before a new one begins."""
        with self._lock:
            self.count += 1
            self.last_at = now if self.last_at is None else max(self.last_at, now)
            current = self._windows.get(remote)
            if current is None or now - current[0] >= self.window:
                if current is not None and current[2]:  # ended unreported (another thread's clock)
                    self._ended.append((remote, current[0], current[2]))
                current = self._windows[remote] = [now, 0, 0]
            if current[1] < self.per_window:
                current[1] += 1
                return True
            current[2] += 1
            return False

    def ended(self, now: dt.datetime | None = None) -> list[tuple[str, dt.datetime, int]]:
        """The windows that have ended by `now` (all of them when None: the service stops), forgotten:
        (remote, start, how many were not logged) for those where some were not."""
        with self._lock:
            out, self._ended = self._ended, []
            for remote, (start, _logged, dropped) in list(self._windows.items()):
                if now is None or now - start >= self.window:
                    del self._windows[remote]
                    if dropped:
                        out.append((remote, start, dropped))
        return out


class NoticesMixin(CustodianBase):
    """The notices part of `ggzy_custodian.service.Custodian`."""

    notices: dict[str, list[dict[str, Any]]]
    unverified: UnverifiedNotices
    _notice_lock: threading.Lock

    if TYPE_CHECKING:

        def close_first(self, section: Any, now: dt.datetime, remote: str) -> None:
            """`ggzy_custodian.acks.AcksMixin.close_first`."""

    def _kept(self, candidates: Iterable[Any], section: str) -> list[dict[str, Any]]:
        """Of `candidates`, the valid notices for `section` worth keeping: the one with the latest
        opening time (custodians.latest_notice: what GET /notice serves, what postpones a release) and,
        if another announced a later deadline, the one with the latest deadline (the closing time).
        The earlier candidate wins a tie, so what is held is not replaced by an equal one."""
        listed = list(candidates)
        latest = custodians.latest_notice(listed, self.cset, section)
        if latest is None:
            return []
        by_deadline: tuple[Any, Any] | None = None
        for notice in listed:
            read = custodians.notice_read(notice, self.cset)
            if read is None or read.section != section:
                continue
            rank = (read.deadline, read.issued_at)
            if by_deadline is None or rank > by_deadline[0]:
                by_deadline = (rank, notice)
        kept = [latest]
        if by_deadline is not None and by_deadline[1] is not latest:
            mine = custodians.notice_read(latest, self.cset)
            if mine is not None and by_deadline[0][0] > mine.deadline:
                kept.append(by_deadline[1])
        return kept

    def _load_notices(self) -> dict[str, list[dict[str, Any]]]:
        try:
            stored = json.loads((self.folder / state.NOTICES).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StartupError(f"{self.folder / state.NOTICES} cannot be read: {exc}") from exc
        kept = {}
        for section, held in stored.items() if isinstance(stored, dict) else []:
            listed = held if isinstance(held, list) else [held]  # v1 kept one notice a section
            mine = self._kept(listed, section)  # re-checked: another set drops its notices
            if mine:
                kept[section] = mine
        return kept

    def held(self, section: Any) -> list[dict[str, Any]]:
        """The valid notices held for `section` (at most two)."""
        with self._notice_lock:
            return list(self.notices.get(section, [])) if isinstance(section, str) else []

    def learn(self, notices: Iterable[Any]) -> None:
        """Remember the notices among `notices` that are valid for the set (the others are ignored),
        written durably when what is held changes. OSError if notices.json cannot be written: then
        nothing new is held."""
        unique: dict[bytes, Any] = {}
        for notice in notices:  # a notice sent many times is judged once, not many times
            try:
                unique.setdefault(canonical.dumps(notice), notice)
            except (ValueError, RecursionError):  # off the canonical profile: not a valid notice
                continue
        valid = [n for n in unique.values() if custodians.notice_valid(n, self.cset)]
        if not valid:
            return
        with self._notice_lock:
            changed = dict(self.notices)
            for section in {n["payload"]["section"] for n in valid}:
                held = self.notices.get(section, [])
                mine = self._kept([*held, *(n for n in valid if n["payload"]["section"] == section)], section)
                if canonical.dumps(mine) != canonical.dumps(held):
                    changed[section] = mine
            if changed != self.notices:
                state.write_durable(
                    self.folder / state.NOTICES, json.dumps(changed, ensure_ascii=False, indent=1)
                )
                self.notices = changed

    def latest(self, section: str) -> dict[str, Any] | None:
        return custodians.latest_notice(self.held(section), self.cset, section)

    def closing_time(self, section: str) -> dt.datetime | None:
        """The section's closing time (§6.2): the latest deadline of the valid notices held; None while
        none is held (nothing can have been acknowledged then)."""
        held = self.held(section)
        deadlines = [r.deadline for n in held if (r := custodians.notice_read(n, self.cset)) is not None]
        return custodians.closing_at(deadlines[0], section, held, self.cset) if deadlines else None

    def notice(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """POST /notice: anyone (the platform at once, the supervising department, a bidder) may deliver
        a signed deadline notice. A valid one is remembered, so an operator who withholds a postponement
        from its share requests still cannot collect shares before the postponed opening. One that is
        not valid (or not JSON) is ignored — it never changes a release or closing time — counted, and
        logged within the rate limit."""
        self._report_dropped(now)
        record = {**self._record(now, remote), "index": "notice"}
        try:
            notice = parse_json(raw)
        except CustodianError as exc:
            return self._unverified(record, remote, now, refusal_reply(exc))
        read = custodians.notice_read(notice, self.cset)
        if read is None:
            payload = notice.get("payload") if isinstance(notice, dict) else None
            if isinstance(payload, dict):
                record["section"] = log_field(payload.get("section"))
            ignored = Reply(HTTPStatus.ACCEPTED, {"ok": False, "reason": "unverified"})
            return self._unverified(record, remote, now, ignored)
        record["section"] = read.section
        try:
            self.close_first(read.section, now, remote)
            self.learn([notice])
        except OSError as exc:
            record.update(outcome="error", reason="state", error=type(exc).__name__)
            return self._logged(record, state_failure("the notice is not remembered"))
        latest = custodians.notice_read(self.latest(read.section), self.cset)
        record.update(outcome="noted", reason=None)
        body = {
            "ok": True,
            "section": read.section,
            "opening_at": canonical.format_instant(latest.opening_at if latest else read.opening_at),
        }
        return self._logged(record, Reply(HTTPStatus.OK, body))

    def _unverified(self, record: dict[str, Any], remote: str, now: dt.datetime, reply: Reply) -> Reply:
        """A notice that is not valid: counted; logged unless its address is over the rate limit."""
        if not self.unverified.note(remote, now):
            return reply
        record.update(outcome="ignored", reason=str(reply.body["reason"]))
        return self._logged(record, reply)

    def _report_dropped(self, now: dt.datetime | None) -> None:
        """One log line for each address whose window has ended with notices that were not logged."""
        for remote, since, dropped in self.unverified.ended(now):
            record = {**self._record(now or since + self.unverified.window, remote), "index": "notice"}
            record.update(
                outcome="not_logged",
                reason="unverified",
                count=dropped,
                since=canonical.format_instant(since),
                message=(
                    f"{dropped} more notices that are not valid came from {remote} within a minute of"
                    f" {canonical.format_instant(since)}: counted, not logged one by one"
                ),
            )
            self._logged(record, Reply(HTTPStatus.ACCEPTED, {}))

    def get_notice(self, query: str, *, now: dt.datetime, remote: str) -> Reply:
        """GET /notice?section=S: the latest valid notice held for S."""
        try:
            section = section_query(query)
        except CustodianError as exc:
            return refusal_reply(exc)
        latest = self.latest(section)
        if latest is None:
            return jsonservice.not_found("no valid notice of this section has reached this custodian")
        return Reply(HTTPStatus.OK, latest)
