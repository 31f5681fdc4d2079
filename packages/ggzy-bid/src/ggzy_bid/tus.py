"""A client of the tus 1.0 resumable upload protocol (https://tus.io/protocols/resumable-upload), the
parts the platform speaks: core (HEAD for the offset, PATCH a chunk at it), creation (POST with
Upload-Length and Upload-Metadata), checksum (every PATCH carries `Upload-Checksum: sm3 <base64>`) and
termination (DELETE). One request a call, each on a fresh connection; no retry, no state, nothing said:
`ggzy_bid.commands.submit` decides those.

Written by hand on http.client rather than with tuspy: tuspy would bring requests, aiohttp and tinydb
into a client that carries the bidder's keys, for what is ~200 lines here; and its checksums come from
hashlib, where SM3 exists only when the local OpenSSL happens to offer it, while the platform checks
each chunk's SM3 — computed here with `ggzy_sm.sm3`, as everything else in the format.

The bearer token goes to the platform's origin only: a `Location` on another scheme, host or port is
refused (never followed), redirects are not followed, and the token is in no message or exception."""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus

from ggzy_bid import __version__
from ggzy_sm.sm3 import sm3

VERSION = "1.0.0"  # Tus-Resumable
TIMEOUT = 60.0  # seconds a socket operation may take
LAST_ANSWER_TIMEOUT = 600.0  # seconds for the answer to the last chunk: the platform checks the bid first
MAX_ANSWER = 64 * 1024  # bytes of an answer's body read at most (answers are headers or a short JSON)
SEND = 256 * 1024  # bytes a send() call: the progress callback's step
OFFSET_CONTENT = "application/offset+octet-stream"
CHECKSUM_MISMATCH = 460  # the checksum extension's status


class TusError(Exception):
    """The server answered with a status that is not the protocol's success: `status`, and the platform's
    `{"code", "message"}` when it gave one (else `http_<status>` and `HTTP <status> <reason>`)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"HTTP {status} ({code}): {message}")
        self.status, self.code, self.message = status, code, message


class ProtocolError(Exception):
    """The server's answer does not follow tus (no Location, an offset that is not one, another origin)."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def refusal(self) -> TusError:
        """This answer as a TusError, with the platform's JSON `{"code", "message"}` if there is one."""
        code, message = f"http_{self.status}", f"HTTP {self.status}"
        try:
            given = json.loads(self.body) if self.body else None
        except ValueError:
            given = None
        if isinstance(given, dict):
            if isinstance(given.get("code"), str) and given["code"]:
                code = given["code"]
            if isinstance(given.get("message"), str) and given["message"]:
                message = given["message"]
        return TusError(self.status, code, message)


@dataclass(frozen=True)
class Head:
    """What HEAD says of an upload: the bytes the server holds, the length it was created with, and
    every header (a finished upload's receipt may be among them)."""

    offset: int
    length: int | None
    headers: http.client.HTTPMessage


def metadata(values: Mapping[str, bytes]) -> str:
    """Upload-Metadata: `key base64,key base64` (keys are plain ASCII words)."""
    return ",".join(f"{key} {base64.b64encode(value).decode('ascii')}" for key, value in values.items())


def checksum(chunk: bytes) -> str:
    """Upload-Checksum of a chunk: `sm3 <base64 of its SM3>`."""
    return "sm3 " + base64.b64encode(sm3(chunk)).decode("ascii")


def _count(text: str | None, name: str) -> int:
    if text is None or not text.strip().isdigit() or not text.strip().isascii():
        raise ProtocolError(f"the server's {name} is not a whole number: {text!r}")
    return int(text.strip())


def check_url(url: str) -> urllib.parse.SplitResult:
    """An http(s) URL with a host and no user name or password in it (ValueError otherwise)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) address")
    if "@" in parts.netloc:
        raise ValueError(f"{url!r} has a user name in it")
    try:
        parts.port  # noqa: B018  (raises on a port that is not one)
    except ValueError as exc:
        raise ValueError(f"{url!r} has a malformed port") from exc
    return parts


class Client:
    """Uploads below `base` (the creation URL, ending in `/`) with `Authorization: Bearer <token>`."""

    def __init__(self, base: str, token: str, *, timeout: float = TIMEOUT) -> None:
        self.parts = check_url(base)
        self.base = base
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:  # never the token
        return f"tus.Client({self.base!r})"

    def resolve(self, location: str) -> str:
        """An upload's absolute URL from a `Location` (relative or not); ProtocolError on another origin."""
        url = urllib.parse.urljoin(self.base, location.strip())
        parts = urllib.parse.urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != (self.parts.scheme, self.parts.netloc.lower()):
            raise ProtocolError(f"the upload's address {url!r} is not on the platform {self.base!r}")
        return url

    def _connection(self) -> http.client.HTTPConnection:
        if self.parts.scheme == "https":
            return http.client.HTTPSConnection(
                self.parts.netloc, timeout=self.timeout, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(self.parts.netloc, timeout=self.timeout)

    def request(  # noqa: PLR0917  (as http.client's)
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        progress: Callable[[int], None] | None = None,
        answer_timeout: float | None = None,
    ) -> Answer:
        """One request on a fresh connection: the body sent SEND bytes at a time (`progress(sent)` after
        each), the answer's body read up to MAX_ANSWER; `answer_timeout`: how long to wait for the answer
        once everything is sent, if not `timeout`. A dropped connection raises OSError or
        http.client.HTTPException; any status is returned."""
        parts = urllib.parse.urlsplit(self.resolve(url))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = self._connection()
        try:
            connection.putrequest(method, target, skip_accept_encoding=True)
            sent_headers = {
                "Tus-Resumable": VERSION,
                "User-Agent": f"ggzy-bid/{__version__}",
                "Authorization": f"Bearer {self._token}",
                **(headers or {}),
            }
            if body is not None or method in {"POST", "PATCH"}:
                sent_headers["Content-Length"] = str(len(body or b""))
            for name, value in sent_headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            view = memoryview(body or b"")
            for start in range(0, len(view), SEND):
                connection.send(view[start : start + SEND])
                if progress is not None:
                    progress(min(len(view), start + SEND))
            if answer_timeout is not None and connection.sock is not None:
                connection.sock.settimeout(answer_timeout)
            response = connection.getresponse()
            raw = response.read(MAX_ANSWER) if method != "HEAD" else b""
            return Answer(response.status, response.headers, raw)
        finally:
            connection.close()

    def create(self, length: int, values: Mapping[str, bytes]) -> str:
        """POST: a new upload of `length` bytes with this metadata; its absolute URL (201 + Location)."""
        answer = self.request(
            "POST", self.base, {"Upload-Length": str(length), "Upload-Metadata": metadata(values)}
        )
        if answer.status != HTTPStatus.CREATED:
            raise answer.refusal()
        location = answer.headers.get("Location")
        if not location:
            raise ProtocolError("the server created the upload but gave no Location")
        return self.resolve(location)

    def head(self, url: str) -> Head:
        """HEAD: the upload's offset (and length)."""
        answer = self.request("HEAD", url)
        if answer.status not in {HTTPStatus.OK, HTTPStatus.NO_CONTENT}:
            raise answer.refusal()
        length = answer.headers.get("Upload-Length")
        return Head(
            offset=_count(answer.headers.get("Upload-Offset"), "Upload-Offset"),
            length=None if length is None else _count(length, "Upload-Length"),
            headers=answer.headers,
        )

    def patch(
        self,
        url: str,
        offset: int,
        chunk: bytes,
        progress: Callable[[int], None] | None = None,
        *,
        last: bool = False,
    ) -> tuple[int, http.client.HTTPMessage]:
        """PATCH `chunk` at `offset` with its SM3: the new offset and the answer's headers (204); TusError
        otherwise (409 another offset, 460 the checksum did not match, a refusal). After the `last` chunk
        the server checks the whole bid before it answers: that answer is awaited longer."""
        answer = self.request(
            "PATCH",
            url,
            {
                "Content-Type": OFFSET_CONTENT,
                "Upload-Offset": str(offset),
                "Upload-Checksum": checksum(chunk),
            },
            chunk,
            progress,
            answer_timeout=LAST_ANSWER_TIMEOUT if last else None,
        )
        if answer.status != HTTPStatus.NO_CONTENT:
            raise answer.refusal()
        return _count(answer.headers.get("Upload-Offset"), "Upload-Offset"), answer.headers

    def delete(self, url: str) -> None:
        """DELETE (termination): 204, or 404/410 for an upload the server no longer holds."""
        answer = self.request("DELETE", url)
        if answer.status not in {HTTPStatus.NO_CONTENT, HTTPStatus.NOT_FOUND, HTTPStatus.GONE}:
            raise answer.refusal()
