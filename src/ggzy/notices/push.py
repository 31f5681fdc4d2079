"""Pushing published notices to the national public service platforms (standard 6.4.2 同步推送).

The platform is a *trading system* (交易系统); the public service platforms receive what trading systems
publish: 中国招标投标公共服务平台 for engineering (`ebid`), 中国政府采购网 for procurement (`ccgp`). Land
and asset notices go to neither. Where each receiver listens is configuration — GGZY_NATIONAL_PLATFORMS
("ebid=URL,ccgp=URL"; empty: no push) and GGZY_NATIONAL_TRUST (the ggzy-national-trust-v1 file of their
receipt keys) — so the simulator (`ggzy-national serve`, docs/notices.md §8) and a real receiver behind an
adapter speaking the same interface are one change of settings apart.

**The tick job** `pushes_due` (`notices.push_national`):

1. a `NoticePush` row for each published notice whose publication is recorded (`published_recorded`:
   the public event exists) and each receiver its category goes to, once (unique per notice and target);
2. each due pending row is *claimed* in a short transaction under its row lock (its `tries` counted, its
   `next_try_at` moved past the try, so another pass leaves it alone), then
3. posted **outside any transaction** (`push_send`: urllib, GGZY_NATIONAL_TIMEOUT), and
4. the outcome recorded under the row lock in one transaction, only if the row is still the claimed try:
   a receipt that verifies with the receiver's pinned key and names this notice and this SM3 →
   `accepted` (receipt kept, event `notices.notice.pushed`); a signed refusal → `refused` (final);
   anything else — no answer, a 503, a receipt that does not verify or names another SM3 — is an error:
   the row stays pending and is tried again after `backoff(tries)` (1, 2, 4 … minutes, at most 6 hours).
   A failure is an event `notices.notice.push_failed` for the supervisors on tries 1, 2, 4, 8 … (and on
   a refusal), so a long outage alarms without flooding.

The receiver is idempotent on the notice's uid (the same notice again gets the same receipt), so a try
whose outcome was lost (the process died after the post) is simply made again.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from ggzy.core import clock
from ggzy.core.transactions import outermost
from ggzy.core.types import JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.services import event_record
from ggzy.notices import selectors
from ggzy.notices.event_types import NoticesEvents
from ggzy.notices.models import Notice, NoticePush, PushState
from ggzy.notices.services import published_text
from ggzy_sm import canonical
from ggzy_sm.errors import CryptoError
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import sm3

#: Which receivers take a notice, by its project's trading category (land and assets: none).
TARGETS: dict[str, tuple[str, ...]] = {"engineering": ("ebid",), "procurement": ("ccgp",)}
PURPOSE = "ggzy-national-receipt-v1"
TRUST_FORMAT = "ggzy-national-trust-v1"
RECEIPT_KEYS = frozenset(
    {"format", "receiver", "outcome", "notice", "text_sm3", "received_at", "sequence", "reason"}
)
BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
#: How long a claimed try keeps other passes off its row (longer than any post may take).
CLAIM = dt.timedelta(minutes=2)
ERROR_MAX = 300  # NoticePush.last_error


class PushError(Exception):
    """A push that did not succeed; the message says why (kept as the row's last error)."""


@dataclass(frozen=True)
class Receiver:
    """A receiving platform as the trust file pins it: its code (ebid, ccgp), name and receipt key."""

    code: str
    name: str
    key: Sm2PublicKey


@dataclass(frozen=True)
class Outcome:
    """What one try came to: `state` ACCEPTED or REFUSED with the signed `receipt`, or None (an error,
    tried again later) with `error`."""

    state: PushState | None
    receipt: JSONDict | None = None
    error: str = ""


# --- configuration -------------------------------------------------------------------------------------


def configured_platforms() -> dict[str, str]:
    """{code: base URL} of GGZY_NATIONAL_PLATFORMS ("ebid=http://host:port,ccgp=…")."""
    found: dict[str, str] = {}
    for item in str(getattr(settings, "GGZY_NATIONAL_PLATFORMS", "") or "").split(","):
        code, _sep, url = item.strip().partition("=")
        if code.strip() and url.strip():
            found[code.strip()] = url.strip().rstrip("/")
    return found


def targets_for(category: str, platforms: dict[str, str] | None = None) -> tuple[str, ...]:
    """The configured receivers a notice of `category` is pushed to."""
    platforms = configured_platforms() if platforms is None else platforms
    return tuple(code for code in TARGETS.get(category, ()) if code in platforms)


def trusted(code: str) -> Receiver:
    """The receiver `code` as GGZY_NATIONAL_TRUST pins it; PushError when it is not pinned there."""
    path = str(getattr(settings, "GGZY_NATIONAL_TRUST", "") or "")
    if not path:
        raise PushError("GGZY_NATIONAL_TRUST names no trust file: no receipt can be verified")
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PushError(f"the trust file {path} cannot be read ({type(exc).__name__})") from exc
    entry = document.get("receivers", {}).get(code) if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("format") != TRUST_FORMAT
        or not isinstance(entry, dict)
    ):
        raise PushError(f"the trust file {path} pins no key for {code}")
    try:
        return Receiver(code, str(entry["name"]), Sm2PublicKey.from_hex(str(entry["key"])))
    except (KeyError, ValueError, CryptoError) as exc:
        raise PushError(f"the trust file {path} pins no valid key for {code}") from exc


# --- the client ----------------------------------------------------------------------------------------


def notice_payload(notice: Notice) -> JSONDict:
    """What is pushed: the notice's identity and SM3, and its published text when that text still has
    the SM3 fixed at scheduling (the receiver checks it)."""
    assert notice.publish_at is not None  # a published notice  # noqa: S101
    project = notice.tender_project.project
    payload: JSONDict = {
        "notice": str(notice.uid),
        "type": notice.type,
        "title": notice.title,
        "tender_project": notice.tender_project.code,
        "project": project.code,
        "category": project.category_id,
        "publish_at": canonical.format_instant(notice.publish_at),
        "text_sm3": notice.text_sm3,
        "centre": notice.centre.code,
        "region": project.region,
    }
    text = json.loads(canonical.dumps(published_text(notice, notice.publish_at)))
    if sm3(canonical.dumps(text)).hex() == notice.text_sm3:
        payload["text"] = text
    return payload


def receipt_check(reply: Any, receiver: Receiver, payload: JSONDict) -> JSONDict:
    """The receipt's (or refusal's) body, if it is signed by `receiver`'s pinned key and names `receiver`,
    this notice and this SM3; PushError otherwise."""
    if (
        not isinstance(reply, dict)
        or not isinstance(reply.get("receipt"), dict)
        or not isinstance(reply.get("signature"), str)
    ):
        raise PushError(f"{receiver.code} answered without a signed receipt")
    body = reply["receipt"]
    if set(body) != RECEIPT_KEYS or body["format"] != PURPOSE:
        raise PushError(f"{receiver.code}'s receipt is not a {PURPOSE}")
    try:
        receiver.key.verify(PURPOSE, body, bytes.fromhex(reply["signature"]))
    except (CryptoError, ValueError) as exc:
        raise PushError(f"{receiver.code}'s receipt does not verify with its pinned key") from exc
    if body["receiver"] != receiver.name:
        raise PushError(f"{receiver.code}'s receipt names another receiver ({str(body['receiver'])[:60]})")
    if body["notice"] != payload["notice"]:
        raise PushError(f"{receiver.code}'s receipt names another notice")
    if body["text_sm3"] != payload["text_sm3"]:
        raise PushError(f"{receiver.code}'s receipt names another SM3 ({str(body['text_sm3'])[:64]})")
    return dict(body)


def _post(url: str, payload: JSONDict) -> tuple[int, Any]:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310  (a configured receiver's http(s) address)
        url, data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    timeout = float(getattr(settings, "GGZY_NATIONAL_TIMEOUT", 5))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            return error.code, None


def push_send(receiver: Receiver, url: str, payload: JSONDict) -> Outcome:
    """Post `payload` to the receiver at `url` and judge its answer (never raises for the receiver's
    faults: they are an Outcome with an error)."""
    try:
        status, reply = _post(f"{url}/v1/notices", payload)
    except (OSError, ValueError) as exc:  # no answer, a timeout, an answer that is not JSON
        return Outcome(None, error=f"{receiver.code} did not answer ({type(exc).__name__}: {exc})")
    if status in (200, 409):  # a receipt, or a signed refusal (the receiver holds another text)
        try:
            body = receipt_check(reply, receiver, payload)
        except PushError as exc:
            return Outcome(None, error=str(exc))
        if status == 200 and body["outcome"] == "accepted" and isinstance(body["sequence"], int):  # noqa: PLR2004
            return Outcome(PushState.ACCEPTED, receipt=reply)
        if status == 409 and body["outcome"] == "refused":  # noqa: PLR2004
            return Outcome(
                PushState.REFUSED, receipt=reply, error=f"refused by {receiver.code}: {body['reason']}"
            )
        return Outcome(None, error=f"{receiver.code} answered {status} with a receipt {body['outcome']}")
    reason = reply.get("reason", "") if isinstance(reply, dict) else ""
    message = reply.get("message", "") if isinstance(reply, dict) else ""
    return Outcome(None, error=f"{receiver.code} answered HTTP {status} {reason}: {message}".strip())


# --- the tick job --------------------------------------------------------------------------------------


def backoff(tries: int) -> dt.timedelta:
    """The wait after the `tries`-th failed try: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(BACKOFF_FIRST * 2 ** min(max(tries - 1, 0), 16), BACKOFF_MAX)


def _rows_create(now: dt.datetime, platforms: dict[str, str], limit: int) -> int:
    """A pending row for each published, recorded notice and each configured receiver it goes to."""
    made = 0
    for target in platforms:
        categories = [category for category, targets in TARGETS.items() if target in targets]
        if not categories:
            continue
        missing = (
            Notice.objects.filter(
                selectors.published_q(now),
                published_recorded=True,
                tender_project__project__category_id__in=categories,
            )
            .exclude(pushes__target=target)
            .order_by("publish_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        for notice_id in missing:
            _push, created = NoticePush.objects.get_or_create(
                notice_id=notice_id, target=target, defaults={"next_try_at": now}
            )
            made += created
    return made


@dataclass(frozen=True)
class _Claim:
    pk: int
    tries: int
    target: str


def _claim(push_id: int, now: dt.datetime) -> _Claim | None:
    """Take one due row for one try (its row lock held only for this): None if another pass has it."""
    with transaction.atomic():
        push = (
            NoticePush.objects.select_for_update()
            .filter(pk=push_id, state=PushState.PENDING, next_try_at__lte=now)
            .first()
        )
        if push is None:
            return None
        push.tries += 1
        push.next_try_at = now + CLAIM
        push.save(update_fields=["tries", "next_try_at"])
        return _Claim(push.pk, push.tries, push.target)


def _event(type_: EventType, notice: Notice, data: JSONDict) -> None:
    project = notice.tender_project.project
    event_record(
        type=type_,
        project=project.code,
        centre=notice.centre.code,
        region=project.region,
        category=project.category_id,
        organisation=project.initiator.uscc,
        data={"notice": str(notice.uid), "type": notice.type, **data},
    )


def _alarming(tries: int) -> bool:
    """Failures worth an event: tries 1, 2, 4, 8 … (a long outage alarms without flooding)."""
    return tries > 0 and tries & (tries - 1) == 0


def _record(claim: _Claim, outcome: Outcome) -> bool:
    """Record one try's outcome under the row lock, if the row is still that try's; whether it was."""
    with transaction.atomic():
        push = (
            NoticePush.objects.select_for_update()
            .filter(pk=claim.pk, state=PushState.PENDING, tries=claim.tries)
            .first()
        )
        if push is None:  # another pass took the row after the claim ran out
            return False
        notice = Notice.objects.select_related("tender_project__project__initiator", "centre").get(
            pk=push.notice_id
        )
        now = clock.now()
        data: JSONDict = {"target": push.target, "tries": push.tries}
        if outcome.state == PushState.ACCEPTED and outcome.receipt is not None:
            body = outcome.receipt["receipt"]
            push.state, push.receipt, push.pushed_at, push.last_error = (
                outcome.state,
                outcome.receipt,
                now,
                "",
            )
            push.save(update_fields=["state", "receipt", "pushed_at", "last_error"])
            _event(
                NoticesEvents.PUSHED,
                notice,
                {
                    **data,
                    "receiver": body["receiver"],
                    "sequence": body["sequence"],
                    "received_at": body["received_at"],
                    "sm3": body["text_sm3"],
                },
            )
        elif outcome.state == PushState.REFUSED:
            push.state, push.receipt, push.last_error = (
                outcome.state,
                outcome.receipt,
                outcome.error[:ERROR_MAX],
            )
            push.save(update_fields=["state", "receipt", "last_error"])
            _event(NoticesEvents.PUSH_FAILED, notice, {**data, "refused": True, "error": push.last_error})
        else:
            push.last_error = outcome.error[:ERROR_MAX]
            push.next_try_at = now + backoff(push.tries)
            push.save(update_fields=["last_error", "next_try_at"])
            if _alarming(push.tries):
                _event(
                    NoticesEvents.PUSH_FAILED,
                    notice,
                    {**data, "refused": False, "error": push.last_error, "next_try_at": push.next_try_at},
                )
        return True


def _try(claim: _Claim, url: str) -> Outcome:
    """One try, outside any transaction: the notice read, the receiver's key found, the post made."""
    notice = Notice.objects.select_related("tender_project__project", "centre", "corrects").get(
        pushes__pk=claim.pk
    )
    try:
        receiver = trusted(claim.target)
    except PushError as exc:
        return Outcome(None, error=str(exc))
    return push_send(receiver, url, notice_payload(notice))


@outermost
def pushes_due(limit: int = 100) -> int:
    """Tick job: make the missing push rows, then try each due one (at most `limit`); returns how many
    tries were recorded (0 when nothing was due, or no receiver is configured)."""
    platforms = configured_platforms()
    if not platforms:
        return 0
    now = clock.now()
    _rows_create(now, platforms, limit)
    due = NoticePush.objects.filter(
        state=PushState.PENDING, next_try_at__lte=now, target__in=list(platforms)
    ).order_by("next_try_at", "pk")
    done = 0
    for push_id in list(due.values_list("pk", flat=True)[:limit]):
        claim = _claim(push_id, now)
        if claim is None:
            continue
        outcome = _try(claim, platforms[claim.target])
        done += _record(claim, outcome)
    return done
