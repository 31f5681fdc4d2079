"""How the platform (and, in the demo and the tests, a bidder's tool) speaks to the key custodians:
HTTP, as docs/sealed-bid-format.md §9 specifies. GGZY_CUSTODIAN_TRANSPORT names an object with these
methods (the demo's in-process custodians are `ggzy.demo.custodians.IN_PROCESS`); every method raises
CustodianError with the custodian's reason when it refuses, and OSError when it cannot be reached.

    share(custodian, request)            POST /share     -> the signed answer (ggzy-share-v2)
    notice(custodian, notice)            POST /notice    -> its answer ({"ok", …})
    latest_notice(custodian, section)    GET  /notice    -> the latest valid notice, or None
    ack(custodian, request)              POST /ack       -> the signed acknowledgement (ggzy-ack-v1)
    closure(custodian, section)          GET  /closure   -> the signed closure (ggzy-closure-v1)
    time(custodian, nonce)               GET  /time      -> the signed time statement (ggzy-time-v1)
    health(custodian)                    GET  /health    -> {"ok", "index", "fingerprint", "time", …}
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Protocol, cast

from django.conf import settings
from django.utils.module_loading import import_string

from ggzy_sm.custodians import Custodian, CustodianError

MAX_ANSWER = 8 << 20  # a closure lists up to 100,000 hashes (6.5 MB)


class CustodianTransport(Protocol):
    def share(self, custodian: Custodian, request: dict[str, Any]) -> dict[str, Any]: ...
    def notice(self, custodian: Custodian, notice: dict[str, Any]) -> dict[str, Any]: ...
    def latest_notice(self, custodian: Custodian, section: str) -> dict[str, Any] | None: ...
    def ack(self, custodian: Custodian, request: dict[str, Any]) -> dict[str, Any]: ...
    def closure(self, custodian: Custodian, section: str) -> dict[str, Any]: ...
    def time(self, custodian: Custodian, nonce: str) -> dict[str, Any]: ...
    def health(self, custodian: Custodian) -> dict[str, Any]: ...


def transport() -> CustodianTransport:
    """The configured transport (settings.GGZY_CUSTODIAN_TRANSPORT)."""
    return cast("CustodianTransport", import_string(settings.GGZY_CUSTODIAN_TRANSPORT))


class HttpTransport:
    """The custodians' own services over HTTP(S)."""

    def _url(self, custodian: Custodian, route: str, query: dict[str, str] | None = None) -> str:
        url = custodian.url.rstrip("/") + route
        if not url.startswith(("http://", "https://")):
            raise CustodianError("malformed", f"the custodian's address {custodian.url!r} is not http(s)")
        return url + ("?" + urllib.parse.urlencode(query) if query else "")

    def _call(self, request: urllib.request.Request) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(request, timeout=settings.GGZY_CUSTODIAN_TIMEOUT) as response:  # noqa: S310
                return dict(json.loads(response.read(MAX_ANSWER)))
        except urllib.error.HTTPError as exc:
            try:
                answer = json.loads(exc.read(MAX_ANSWER))
            except ValueError:
                answer = {}
            raise CustodianError(
                str(answer.get("reason", f"http_{exc.code}")), str(answer.get("message", ""))
            ) from exc

    def _post(self, custodian: Custodian, route: str, body: dict[str, Any]) -> dict[str, Any]:
        call = urllib.request.Request(  # noqa: S310  (the scheme is checked in _url)
            self._url(custodian, route),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        return self._call(call)

    def _get(self, custodian: Custodian, route: str, query: dict[str, str] | None = None) -> dict[str, Any]:
        call = urllib.request.Request(  # noqa: S310
            self._url(custodian, route, query), headers={"Accept": "application/json"}
        )
        return self._call(call)

    def share(self, custodian: Custodian, request: dict[str, Any]) -> dict[str, Any]:
        return self._post(custodian, "/share", request)

    def notice(self, custodian: Custodian, notice: dict[str, Any]) -> dict[str, Any]:
        return self._post(custodian, "/notice", notice)

    def latest_notice(self, custodian: Custodian, section: str) -> dict[str, Any] | None:
        try:
            return self._get(custodian, "/notice", {"section": section})
        except CustodianError as exc:
            if exc.reason == "not_found":
                return None
            raise

    def ack(self, custodian: Custodian, request: dict[str, Any]) -> dict[str, Any]:
        return self._post(custodian, "/ack", request)

    def closure(self, custodian: Custodian, section: str) -> dict[str, Any]:
        return self._get(custodian, "/closure", {"section": section})

    def time(self, custodian: Custodian, nonce: str) -> dict[str, Any]:
        return self._get(custodian, "/time", {"nonce": nonce})

    def health(self, custodian: Custodian) -> dict[str, Any]:
        return self._get(custodian, "/health")


HTTP = HttpTransport()
