"""Acknowledgements and closures (docs/sealed-bid-format.md §8): POST /ack, before a section's closing
time by the custodian's own clock, appended and fsynced to the section's acknowledgement log; the
section's closure, made once from that log from the closing time on, stored durably and served
unchanged ever after (GET /closure)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http import HTTPStatus
from typing import Any

from ggzy_custodian import state
from ggzy_custodian.notices import NoticesMixin
from ggzy_custodian.replies import (
    internal_reply,
    log_field,
    parse_json,
    plain,
    refusal_reply,
    section_query,
    state_failure,
)
from ggzy_sm import canonical, custodians, strict
from ggzy_sm.custodians import CustodianError
from ggzy_sm.jsonservice import Reply, StartupError


class AcksMixin(NoticesMixin):
    """The acknowledgements and closures part of `ggzy_custodian.service.Custodian`."""

    closures: dict[str, dict[str, Any]]
    _acked: dict[str, set[str]]
    _ack_lock: threading.Lock

    def _load_closures(self) -> dict[str, dict[str, Any]]:
        """The closures this custodian made for its set, as made (each checked: its own, for this set
        and the section its file names); StartupError for one that is not — a closure is never made
        twice, so one that cannot be served stops the service rather than be replaced."""
        folder = self.folder / state.CLOSURES / self.cset.fingerprint
        if not folder.is_dir():
            return {}
        out = {}
        for path in sorted(folder.glob("*.json")):
            try:
                closure = json.loads(path.read_text(encoding="utf-8"))
                payload = custodians.closure_verify(closure, self.cset)
            except (OSError, ValueError, CustodianError) as exc:
                raise StartupError(f"{path}: the closure cannot be served as made ({exc})") from exc
            if payload["custodian"] != self.index or f"{payload['section']}.json" != path.name:
                raise StartupError(f"{path} is not this custodian's closure of {path.stem}")
            out[payload["section"]] = closure
        return out

    def closure_for(self, section: str, now: dt.datetime, remote: str) -> dict[str, Any] | None:
        """This custodian's closure of `section`: the one made, or — from the section's closing time on
        by `now`, its own clock — made now, once, from its acknowledgement log, stored durably before it
        is used and logged; None before the closing time. OSError if it cannot be stored (then none is
        made)."""
        with self._ack_lock:
            made = self.closures.get(section)
            if made is not None:
                return made
            closing = self.closing_time(section)
            if closing is None or now < closing:
                return None
            fingerprint = self.cset.fingerprint
            closure = custodians.closure_make(
                key=self.signing_key,
                set_fingerprint=fingerprint,
                section=section,
                closing_at=closing,
                ciphertexts=state.read_acks(state.acks_path(self.folder, fingerprint, section)),
                index=self.index,
                now=now,
            )
            state.write_durable(
                state.closure_path(self.folder, fingerprint, section),
                json.dumps(closure, ensure_ascii=False, indent=1),
            )
            self.closures[section] = closure
        record = {**self._record(now, remote), "index": "closure", "section": section}
        record.update(
            outcome="closed",
            reason=None,
            closing_at=closure["payload"]["closing_at"],
            ciphertexts=len(closure["payload"]["ciphertexts"]),
        )
        self._logged(record, Reply(HTTPStatus.OK, {}))
        return closure

    def _acked_in(self, section: str) -> set[str]:
        """The distinct ciphertext hashes acknowledged for `section` (under the acknowledgement lock)."""
        if section not in self._acked:
            path = state.acks_path(self.folder, self.cset.fingerprint, section)
            self._acked[section] = set(state.read_acks(path))
        return self._acked[section]

    def close_first(self, section: Any, now: dt.datetime, remote: str) -> None:
        """Before a notice sent with a request (or alone) is learnt: if the section's closing time by the
        notices already held has passed on this custodian's clock, its closure is made now — so a
        postponement signed or delivered after the deadline cannot reopen the section for a late
        acknowledgement. OSError if the closure cannot be stored (then nothing is learnt either)."""
        if isinstance(section, str) and strict.SECTION.fullmatch(section):
            self.closure_for(section, now, remote)

    def ack(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """POST /ack: the acknowledgement of a ciphertext before the section's closing time, by this
        custodian's clock (custodians.ack_answer, with the notices it holds — past the closing time they
        set, the section is closed first; then the valid ones sent are learnt). The hash is appended and
        fsynced to the section's acknowledgement log before the answer leaves; nothing is acknowledged
        once the section's closure is made."""
        record = {**self._record(now, remote), "index": "ack"}
        try:
            request = parse_json(raw)
            if isinstance(request, dict):
                record.update(
                    section=log_field(request.get("section")),
                    ciphertext_sm3=log_field(request.get("ciphertext_sm3")),
                )
            section = request.get("section") if isinstance(request, dict) else None
            if isinstance(request, dict):
                self.close_first(section, now, remote)  # by the notices held before any sent now
                sent = request.get("notices")
                self.learn(sent if isinstance(sent, list) else [])
            with self._ack_lock:
                acknowledged = custodians.ack_answer(
                    request,
                    self.cset,
                    self.index,
                    self.signing_key,
                    self.held(section),
                    now,
                    closed=isinstance(section, str) and section in self.closures,
                )
                payload = acknowledged["payload"]
                try:
                    acked = self._acked_in(payload["section"])
                    if payload["ciphertext_sm3"] not in acked and len(acked) >= custodians.MAX_CIPHERTEXTS:
                        raise CustodianError(
                            "full",
                            f"this custodian has acknowledged {custodians.MAX_CIPHERTEXTS} ciphertexts for "
                            "the section, as many as a closure lists: it acknowledges no more",
                        )
                    state.append_line(
                        state.acks_path(self.folder, self.cset.fingerprint, payload["section"]),
                        {
                            "ciphertext_sm3": payload["ciphertext_sm3"],
                            "acknowledged_at": payload["acknowledged_at"],
                        },
                    )
                    acked.add(payload["ciphertext_sm3"])
                except OSError as exc:
                    record.update(outcome="error", reason="log", error=type(exc).__name__)
                    message = "the custodian cannot write its acknowledgement log: nothing is acknowledged"
                    return self._logged(
                        record, Reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"reason": "log", "message": message})
                    )
        except CustodianError as exc:
            record.update(outcome="refused", reason=exc.reason)
            if "closing_at" in exc.detail:
                record["closing_at"] = plain(exc.detail["closing_at"])
            status = HTTPStatus.UNPROCESSABLE_ENTITY if exc.reason == "malformed" else None
            return self._logged(record, refusal_reply(exc, status))
        except OSError as exc:  # notices.json: a notice sent could not be remembered
            record.update(outcome="error", reason="state", error=type(exc).__name__)
            return self._logged(record, state_failure("the notices sent are not remembered"))
        except Exception as exc:  # noqa: BLE001  (a refusal nobody foresaw is logged, nothing acknowledged)
            record.update(outcome="error", reason="internal", error=type(exc).__name__)
            return self._logged(record, internal_reply("acknowledge", exc))
        record.update(outcome="acknowledged", reason=None)
        return self._logged(record, Reply(HTTPStatus.OK, acknowledged))

    def get_closure(self, query: str, *, now: dt.datetime, remote: str) -> Reply:
        """GET /closure?section=S: the closure, made on the first request from the closing time on."""
        try:
            section = section_query(query)
            closure = self.closure_for(section, now, remote)
        except CustodianError as exc:
            return refusal_reply(exc)
        except OSError:
            return state_failure("the closure is not made (it could not be stored)")
        except Exception as exc:  # noqa: BLE001
            return internal_reply("make the closure", exc)
        if closure is not None:
            return Reply(HTTPStatus.OK, closure)
        closing = self.closing_time(section)
        if closing is None:
            message = (
                "no valid notice of this section has reached this custodian: its closing time is unknown"
            )
            return Reply(HTTPStatus.TOO_EARLY, {"reason": "too_early", "message": message})
        at = canonical.format_instant(closing)
        return Reply(
            HTTPStatus.TOO_EARLY,
            {"reason": "too_early", "message": f"the section closes at {at}", "closing_at": at},
        )
