"""How the platform asks a custodian for its key share: HTTP, as docs/sealed-bid-format.md specifies
(POST <url>/share with a ggzy-share-request-v1 → 200 with a ggzy-share-v1 answer, or 4xx with
{"reason", "message"}). GGZY_CUSTODIAN_TRANSPORT names another callable with the same signature (the
demo uses in-process demo custodians)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

from ggzy_sm.custodians import Custodian, CustodianError

MAX_ANSWER = 1 << 20


def _post(custodian: Custodian, route: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST `body` as JSON to the custodian's `route`; its JSON answer, or CustodianError with the reason
    the custodian gave (4xx/5xx), or OSError when it cannot be reached."""
    url = custodian.url.rstrip("/") + route
    if not url.startswith(("http://", "https://")):
        raise CustodianError("malformed", f"the custodian's address {custodian.url!r} is not http(s)")
    call = urllib.request.Request(  # noqa: S310  (the scheme is checked above)
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(call, timeout=settings.GGZY_CUSTODIAN_TIMEOUT) as response:  # noqa: S310
            return dict(json.loads(response.read(MAX_ANSWER)))
    except urllib.error.HTTPError as exc:
        try:
            answer = json.loads(exc.read(MAX_ANSWER))
        except ValueError:
            answer = {}
        raise CustodianError(
            str(answer.get("reason", f"http_{exc.code}")), str(answer.get("message", ""))
        ) from exc


def http_transport(custodian: Custodian, request: dict[str, Any]) -> dict[str, Any]:
    """A share request (POST /share) → the custodian's signed answer."""
    return _post(custodian, "/share", request)


def http_notice(custodian: Custodian, notice: dict[str, Any]) -> None:
    """Deliver a signed deadline notice (POST /notice)."""
    _post(custodian, "/notice", notice)
