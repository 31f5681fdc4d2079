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


def http_transport(custodian: Custodian, request: dict[str, Any]) -> dict[str, Any]:
    url = custodian.url.rstrip("/") + "/share"
    if not url.startswith(("http://", "https://")):
        raise CustodianError("malformed", f"the custodian's address {custodian.url!r} is not http(s)")
    call = urllib.request.Request(  # noqa: S310  (the scheme is checked above)
        url,
        data=json.dumps(request).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(call, timeout=settings.GGZY_CUSTODIAN_TIMEOUT) as response:  # noqa: S310
            return dict(json.loads(response.read(MAX_ANSWER)))
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read(MAX_ANSWER))
        except ValueError:
            body = {}
        raise CustodianError(
            str(body.get("reason", f"http_{exc.code}")), str(body.get("message", ""))
        ) from exc


def http_notice(custodian: Custodian, notice: dict[str, Any]) -> None:
    """Deliver a signed deadline notice to a custodian (POST <url>/notice); OSError/CustodianError if not."""
    url = custodian.url.rstrip("/") + "/notice"
    if not url.startswith(("http://", "https://")):
        raise CustodianError("malformed", f"the custodian's address {custodian.url!r} is not http(s)")
    call = urllib.request.Request(  # noqa: S310  (the scheme is checked above)
        url, data=json.dumps(notice).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(call, timeout=settings.GGZY_CUSTODIAN_TIMEOUT) as response:  # noqa: S310
            response.read(MAX_ANSWER)
    except urllib.error.HTTPError as exc:
        raise CustodianError(f"http_{exc.code}", "the custodian refused the notice") from exc
