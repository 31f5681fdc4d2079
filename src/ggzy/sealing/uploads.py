"""Submitting a sealed bid: resumable upload over the open tus 1.0 protocol (core, and the extensions
creation, checksum and termination; https://tus.io/protocols/resumable-upload, docs/submission.md), so
that `ggzy-bid submit`, the browser and third-party bid tools (standard 8.1.4) speak one protocol.

    OPTIONS  /api/v1/sealing/uploads/             what the server speaks (Tus-Version, Tus-Max-Size, …)
    POST     /api/v1/sealing/uploads/             creation: Upload-Length, Upload-Metadata → 201 Location
    HEAD     /api/v1/sealing/uploads/<uid>/       Upload-Offset, Upload-Length (and the bid once complete)
    PATCH    /api/v1/sealing/uploads/<uid>/       a chunk at Upload-Offset, with its SM3 → 204 Upload-Offset
    DELETE   /api/v1/sealing/uploads/<uid>/       termination

Plain Django views, not API operations: a chunk (up to GGZY_BID_UPLOAD_CHUNK_MAX) is read from the
request a MiB at a time and appended to the upload's file, never held whole (`request.body` is never
read), and the answers are tus's (460, 412, headers), not the JSON operations of the OpenAPI document.
They authenticate as API operations do (`core.access.api_view`): AccessMiddleware runs the declaration's
auth from GGZY_API_AUTH — a bearer token with the scope `sealing:write`, or the session with its CSRF
token — before the view.

Why the order of the last chunk matters: "late" is decided by the time authority **when the last byte
has arrived** (`arrived_at = clock.now()` is read before the file is synced and validated, so neither a
slow disk nor the validator's pass counts against the bidder), and `bid_receive` judges the deadline by
that instant. No bid exists before it accepts the file; a refusal closes the upload and deletes its
bytes.

Crash safety: bytes are appended, synced, and only then is the offset written to the database; the
offset of the last chunk is written only with the bid (the session's `complete`). After a crash the
upload goes on from the smaller of the stored offset and the file's size, the file cut back to it, so a
chunk is either wholly kept or resent. One request at a time writes to an upload (an advisory lock on
its lock file, released by the kernel if the process dies); a second one is told 423."""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.selectors import organisations_of
from ggzy.core import clock
from ggzy.core.access import actor_of, allow, api_view
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import beijing
from ggzy.core.http import error_response
from ggzy.core.limits import accepts_files
from ggzy.core.roles import Role
from ggzy.core.types import Actor, JSONDict
from ggzy.registry.models import Section
from ggzy.sealing import admission
from ggzy.sealing.errors import REASONS, SealingError
from ggzy.sealing.models import BidWindow, SealedBid, UploadSession, UploadState
from ggzy.sealing.services import bid_receive
from ggzy.sealing.services.common import _record_refusal, _refuse
from ggzy_sm.canonical import format_instant
from ggzy_sm.sm3 import DIGEST_SIZE, Sm3

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,checksum,termination"
CHECKSUM_ALGORITHM = "sm3"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
#: The scope a bearer token needs for every method here (an upload client writes).
SCOPE = "sealing:write"
#: A chunk is read from the request and written this many bytes at a time.
PIECE = 1 << 20
#: How old a file under sealing/bids that no bid names must be before it counts as a crash's leftover.
STRAY_AGE = dt.timedelta(hours=1)
#: Metadata keys the creation needs, and the longest file name kept.
SECTION_KEY, FILENAME_KEY, ACKS_KEY = "section", "filename", "acknowledgements"
MAX_FILENAME = 255
#: Said after the refusal of a late bid, with the two instants (Beijing time).
LATE_INSTANTS = _("The last byte arrived at {arrived}; the bid deadline was {deadline} (Beijing time).")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


# --- where the bytes are --------------------------------------------------------------------------------


def folder() -> Path:
    """`MEDIA_ROOT/sealing/uploads`: beside `sealing/bids`, on the same file system, so that a complete
    upload is renamed into place, not copied."""
    return Path(settings.MEDIA_ROOT) / "sealing" / "uploads"


def part_path(session: UploadSession) -> Path:
    return folder() / f"{session.uid}.part"


def _lock_path(session: UploadSession) -> Path:
    return folder() / f"{session.uid}.lock"


@contextlib.contextmanager
def _locked(session: UploadSession) -> Iterator[None]:
    """Hold the upload's write lock (one writer at a time); 423 `upload_busy` if another request has it.
    The kernel releases it when the process dies, so a crash never leaves an upload locked."""
    folder().mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_path(session), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise DomainError(SealingError.UPLOAD_BUSY) from exc
        yield
    finally:
        os.close(fd)  # releases the lock


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except FileNotFoundError:
        return 0


def _discard(session: UploadSession) -> None:
    part_path(session).unlink(missing_ok=True)
    _lock_path(session).unlink(missing_ok=True)


# --- the service ----------------------------------------------------------------------------------------


def section_limit(section: Section) -> int:
    """The largest sealed bid `section` takes, in bytes (the platform's ceiling until the tender documents
    set one per section)."""
    return int(settings.GGZY_BID_UPLOAD_MAX_BYTES)


def _expiry() -> dt.timedelta:
    return dt.timedelta(hours=settings.GGZY_BID_UPLOAD_EXPIRY_HOURS)


def _expired(session: UploadSession, now: dt.datetime) -> bool:
    return session.created_at + _expiry() <= now


def _window(section: Section) -> BidWindow | None:
    return BidWindow.objects.filter(section=section).first()


def upload_create(
    *, actor: Actor, section_code: str, length: int, filename: str, acknowledgements: list[JSONDict]
) -> UploadSession:
    """A new upload of `length` bytes for a section whose deadline has not passed, by a member of a
    bidding organisation, within the bidder's quota of unfinished uploads. Nothing is checked of the bid
    itself yet: the validator sees the whole file at the end."""
    section = Section.objects.filter(code=section_code).select_related("centre").first()
    window = _window(section) if section is not None else None
    if section is None or window is None:
        raise DomainError(SealingError.UPLOAD_SECTION, detail={"section": section_code})
    if length > (limit := section_limit(section)):
        raise DomainError(SealingError.UPLOAD_TOO_LARGE, detail={"limit_bytes": limit})
    now = clock.now()
    if now >= window.deadline:
        raise DomainError(
            SealingError.UPLOAD_DEADLINE_PASSED, detail={"deadline": format_instant(window.deadline)}
        )
    organisations = list(organisations_of(user=actor).values_list("pk", flat=True))
    if not organisations:
        raise DomainError(SealingError.UPLOAD_NO_ORGANISATION)
    refusals = [admission.refusal(section, organisation) for organisation in organisations]
    if all(refusals):  # none of the user's organisations may bid there: said before a byte is sent
        raise _refuse(SealingError.BID_REFUSED, str(refusals[0]))
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=actor.pk).first()  # one creation at a time
        unfinished = UploadSession.objects.filter(
            user=actor, state=UploadState.OPEN, created_at__gt=now - _expiry()
        ).count()
        if unfinished >= (quota := settings.GGZY_BID_UPLOAD_SESSIONS):
            raise DomainError(SealingError.UPLOAD_QUOTA, detail={"sessions": quota})
        return UploadSession.objects.create(
            user=actor,
            section=section,
            length=length,
            filename=filename[:MAX_FILENAME],
            acknowledgements=acknowledgements,
            created_at=now,
        )


def access_upload(*, viewer: Actor, uid: uuid.UUID) -> UploadSession:
    """Fetch and authorise in one call: an upload the viewer created; "missing" and "not yours" raise the
    same not-found error."""
    found = UploadSession.objects.filter(uid=uid, user=viewer).select_related("section", "bid").first()
    if found is None:
        raise DomainError(SealingError.UPLOAD_NOT_FOUND)
    return found


def _usable(session: UploadSession) -> None:
    """Refuse an upload that can take no more: refused at its end (closed) or expired."""
    if session.state == UploadState.CLOSED:
        raise DomainError(SealingError.UPLOAD_CLOSED, detail={"refusal": session.refusal})
    if session.state == UploadState.OPEN and _expired(session, clock.now()):
        raise DomainError(SealingError.UPLOAD_EXPIRED)


def upload_offset(session: UploadSession) -> int:
    """How many bytes the platform holds: the stored offset, or the file's size if a crash cut it
    shorter; the whole length once complete."""
    if session.state == UploadState.COMPLETE:
        return session.length
    return min(session.offset, _size(part_path(session)))


@dataclass(frozen=True)
class Chunk:
    """One PATCH: where the client says it starts, its length if declared, its SM3 if sent, its bytes."""

    offset: int
    declared: int | None
    checksum: bytes | None
    body: Readable


def upload_append(*, actor: Actor, session: UploadSession, chunk: Chunk) -> UploadSession:
    """Append a chunk at the offset the platform holds, synced before the offset is stored. The chunk
    that completes the upload hands the file to `bid_receive` with the instant its last byte arrived;
    the session is then `complete` with its bid, or, refused, `closed` and its bytes deleted."""
    with _locked(session):
        session = access_upload(viewer=actor, uid=session.uid)  # as it is now, under the lock
        _usable(session)
        if session.state == UploadState.COMPLETE:
            if chunk.offset != session.length:
                raise DomainError(SealingError.UPLOAD_OFFSET, detail={"offset": session.length})
            if chunk.body.read(1):
                raise DomainError(SealingError.UPLOAD_BEYOND_LENGTH, detail={"length": session.length})
            return session  # the last answer lost: the same receipt again
        file = part_path(session)
        fd = os.open(file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            offset = _recover(session, fd)
            if chunk.offset != offset:
                raise DomainError(SealingError.UPLOAD_OFFSET, detail={"offset": offset})
            room = session.length - offset
            if chunk.declared is not None and chunk.declared > room:
                raise DomainError(SealingError.UPLOAD_BEYOND_LENGTH, detail={"length": session.length})
            _before_deadline(actor, session)
            written = _write(fd, offset, room, chunk)
            new = offset + written
            arrived_at = clock.now() if new == session.length else None  # the authority's time, first
            _sync(fd, offset)
        finally:
            os.close(fd)
        if arrived_at is None:
            UploadSession.objects.filter(pk=session.pk, state=UploadState.OPEN).update(offset=new)
            session.offset = new
            return session
        return _complete(actor, session, file, arrived_at)


def _recover(session: UploadSession, fd: int) -> int:
    """The offset to go on from: the smaller of the stored one and the file's size (a crash after the
    sync and before the database, or after the database lost its last write), the file cut back to it."""
    size = os.fstat(fd).st_size
    offset = min(session.offset, size)
    if size > offset:
        os.ftruncate(fd, offset)
    if session.offset > offset:
        UploadSession.objects.filter(pk=session.pk).update(offset=offset)
        session.offset = offset
    return offset


def _write(fd: int, offset: int, room: int, chunk: Chunk) -> int:
    """Stream the chunk's bytes onto the file; whatever refuses it (beyond the length, not matching its
    checksum, short with a checksum, a failed read or write) cuts the file back to `offset`: a chunk is
    kept whole or not at all."""
    try:
        return _stream(fd, room, chunk)
    except OSError as exc:
        os.ftruncate(fd, offset)
        raise _no_space(exc) from exc
    except BaseException:
        os.ftruncate(fd, offset)
        raise


def _sync(fd: int, offset: int) -> None:
    """Sync the appended chunk to disk; if that fails, the chunk is not kept."""
    try:
        os.fsync(fd)
    except OSError as exc:
        os.ftruncate(fd, offset)
        raise _no_space(exc) from exc


def _no_space(exc: OSError) -> Exception:
    """A full disk (or quota) is the platform's trouble, said so (507); any other failure stays itself."""
    if exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        return DomainError(SealingError.UPLOAD_NO_SPACE)
    return exc


def _stream(fd: int, room: int, chunk: Chunk) -> int:
    """Append the chunk a piece at a time (never more than `room` bytes), hashing it when it came with a
    checksum (the browser sends none: the validator's pass over the whole ciphertext is the check)."""
    digest = Sm3() if chunk.checksum is not None else None
    written = 0
    while piece := chunk.body.read(PIECE):
        if written + len(piece) > room:
            raise DomainError(SealingError.UPLOAD_BEYOND_LENGTH)
        view = memoryview(piece)
        while view:
            view = view[os.write(fd, view) :]  # O_APPEND: always at the end
        if digest is not None:
            digest.update(piece)
        written += len(piece)
    if digest is not None:
        if chunk.declared is not None and written < chunk.declared:
            raise DomainError(SealingError.UPLOAD_INCOMPLETE)
        if digest.digest() != chunk.checksum:
            raise DomainError(SealingError.UPLOAD_CHECKSUM)
    return written


def _before_deadline(actor: Actor, session: UploadSession) -> None:
    """Refuse a chunk that arrives at or after the deadline: its upload can only end later, so late
    (a deadline is never moved once passed). Recorded as the refusal of a late bid."""
    window = _window(session.section)
    now = clock.now()
    if window is not None and now < window.deadline:
        return
    _close(session, refusal="deadline_passed", at=now)
    _record_refusal(
        type="sealing.bid.refused", actor=actor, section=session.section, reason="deadline_passed"
    )
    refusal = DomainError(SealingError.BID_REFUSED, detail={"reason": "deadline_passed"})
    raise _explained(refusal, arrived_at=now, deadline=window.deadline if window else None)


def _close(session: UploadSession, *, refusal: str, at: dt.datetime) -> None:
    UploadSession.objects.filter(pk=session.pk).update(
        state=UploadState.CLOSED, refusal=refusal, finished_at=at
    )
    part_path(session).unlink(missing_ok=True)


def _complete(actor: Actor, session: UploadSession, file: Path, arrived_at: dt.datetime) -> UploadSession:
    def completed(bid: SealedBid) -> None:  # in the bid's own transaction
        UploadSession.objects.filter(pk=session.pk).update(
            state=UploadState.COMPLETE, offset=session.length, bid=bid, finished_at=arrived_at
        )

    try:
        bid_receive(
            actor=actor,
            section=session.section,
            path=file,
            acknowledgements=list(session.acknowledgements),
            arrived_at=arrived_at,
            link=True,
            also=completed,
        )
    except DomainError as exc:
        reason = exc.detail.get("reason", "") if isinstance(exc.detail, dict) else ""
        _close(session, refusal=reason or exc.code.value, at=arrived_at)
        window = _window(session.section)
        raise _explained(exc, arrived_at=arrived_at, deadline=window.deadline if window else None) from exc
    # the bid's file is a second name for these bytes (or a copy): the upload's own name goes now, with
    # its lock file (a request waiting on the lock finds the upload complete)
    file.unlink(missing_ok=True)
    _lock_path(session).unlink(missing_ok=True)
    session.refresh_from_db()
    return session


def _shown(instant: dt.datetime) -> str:
    """An instant in Beijing time to the millisecond (to the microsecond when it has more)."""
    local = beijing(instant)
    fraction = f"{local.microsecond:06d}"
    return local.strftime("%Y-%m-%d %H:%M:%S.") + (fraction[:3] if fraction.endswith("000") else fraction)


def _explained(exc: DomainError, *, arrived_at: dt.datetime, deadline: dt.datetime | None) -> DomainError:
    """A late bid's refusal names both instants: when its last byte arrived and the deadline."""
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    if detail.get("reason") != "deadline_passed" or deadline is None:
        return exc
    message = format_lazy(
        "{} {} {}",
        exc.code.message,
        REASONS["deadline_passed"],
        format_lazy(LATE_INSTANTS, arrived=_shown(arrived_at), deadline=_shown(deadline)),
    )
    return DomainError(
        exc.code,
        message,
        detail={**detail, "arrived_at": format_instant(arrived_at), "deadline": format_instant(deadline)},
    )


def upload_terminate(*, actor: Actor, session: UploadSession) -> None:
    """Termination: the upload and its bytes are gone (a bid it completed stands: withdrawing it is
    `bid_withdraw`)."""
    with _locked(session):
        UploadSession.objects.filter(pk=session.pk, user=actor).delete()
        _discard(session)


def uploads_clean(*, now: dt.datetime | None = None) -> int:
    """Remove the uploads older than GGZY_BID_UPLOAD_EXPIRY_HOURS with their bytes, files in the
    uploads folder no upload names any more (a crash between the two) and what a crash while a bid was
    received left under sealing/bids; an upload being written to is left for the next pass. Returns how
    many uploads and stray files were removed."""
    now = now or clock.now()
    removed = 0
    for session in UploadSession.objects.filter(created_at__lte=now - _expiry()):
        try:
            with _locked(session):
                UploadSession.objects.filter(pk=session.pk).delete()
                _discard(session)
        except DomainError:
            continue
        removed += 1
    base = folder()
    if base.is_dir():
        known = {str(uid) for uid in UploadSession.objects.values_list("uid", flat=True)}
        old = (now - _expiry()).timestamp()
        for stray in base.iterdir():
            if stray.name.split(".", 1)[0] in known or not stray.is_file():
                continue
            if stray.stat().st_mtime > old:  # perhaps an upload created since `known` was read
                continue
            stray.unlink(missing_ok=True)
            removed += 1
    return removed + _bids_strays_clean(old=(now - STRAY_AGE).timestamp())


def _bids_strays_clean(*, old: float) -> int:
    """Remove what a crash inside `bid_receive` leaves under sealing/bids: the temporary name a bid's file
    has before its transaction commits, and a file put in place whose transaction never committed (no
    bid names it) — older than STRAY_AGE, far longer than any receiving transaction. The upload still
    holds its bytes (its file was linked, not moved): the client resends its last chunk."""
    bids = Path(settings.MEDIA_ROOT) / "sealing" / "bids"
    if not bids.is_dir():
        return 0
    named = set(SealedBid.objects.values_list("file", flat=True))
    removed = 0
    for stray in bids.glob("*/*"):
        relative = str(stray.relative_to(settings.MEDIA_ROOT))
        is_stray = stray.name.endswith(".tmp") or (stray.suffix == ".bid" and relative not in named)
        if is_stray and stray.is_file() and stray.stat().st_mtime <= old:
            stray.unlink(missing_ok=True)
            removed += 1
    return removed


# --- the protocol ----------------------------------------------------------------------------------------


def _tus(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    return response


def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """The one error shape (JSON, in the client's language), as a tus answer."""
    response = _tus(error_response(request, exc))
    if exc.code is SealingError.TUS_VERSION:
        response["Tus-Version"] = TUS_VERSION
    if exc.code is SealingError.UPLOAD_OFFSET and isinstance(exc.detail, dict):
        response["Upload-Offset"] = str(exc.detail["offset"])
    return response


def _options() -> HttpResponse:
    response = _tus(HttpResponse(status=204))
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = TUS_EXTENSIONS
    response["Tus-Max-Size"] = str(settings.GGZY_BID_UPLOAD_MAX_BYTES)
    response["Tus-Checksum-Algorithm"] = CHECKSUM_ALGORITHM
    return response


def _count(text: str | None, error: SealingError) -> int:
    """A header that must be a whole number of bytes."""
    value = (text or "").strip()
    if not value.isascii() or not value.isdigit():
        raise DomainError(error)
    return int(value)


def _metadata(text: str) -> dict[str, str]:
    """Upload-Metadata: `key base64,key base64,…`; values decoded as UTF-8 text."""
    found: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        key, _space, value = pair.partition(" ")
        if not key or key in found:
            raise DomainError(SealingError.UPLOAD_METADATA, detail={"key": key})
        try:
            text = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise DomainError(SealingError.UPLOAD_METADATA, detail={"key": key}) from exc
        if "\x00" in text:  # no text column (PostgreSQL's least of all) takes NUL
            raise DomainError(SealingError.UPLOAD_METADATA, detail={"key": key})
        found[key] = text
    return found


def _acknowledgements(text: str | None) -> list[JSONDict]:
    try:
        acks = json.loads(text) if text is not None else None
    except ValueError:
        acks = None
    if (
        not isinstance(acks, list)
        or not all(isinstance(ack, dict) for ack in acks)
        or "\\u0000" in json.dumps(acks)  # a NUL inside a string: PostgreSQL's JSON refuses it
    ):
        raise DomainError(SealingError.UPLOAD_METADATA, detail={"key": ACKS_KEY})
    return acks


def _create(request: HttpRequest, actor: Actor) -> HttpResponse:
    if "Upload-Defer-Length" in request.headers:
        raise DomainError(SealingError.UPLOAD_LENGTH)  # creation-defer-length is not offered
    length = _count(request.headers.get("Upload-Length"), SealingError.UPLOAD_LENGTH)
    if length < 1:  # a sealed bid is never empty
        raise DomainError(SealingError.UPLOAD_LENGTH)
    metadata = _metadata(request.headers.get("Upload-Metadata", ""))
    section_code = metadata.get(SECTION_KEY, "").strip()
    if not section_code:
        raise DomainError(SealingError.UPLOAD_METADATA, detail={"key": SECTION_KEY})
    session = upload_create(
        actor=actor,
        section_code=section_code,
        length=length,
        filename=metadata.get(FILENAME_KEY, ""),
        acknowledgements=_acknowledgements(metadata.get(ACKS_KEY)),
    )
    response = _tus(HttpResponse(status=201))
    response["Location"] = reverse("sealing:upload", args=[session.uid])
    return response


def _receipt(response: HttpResponse, session: UploadSession) -> HttpResponse:
    """A complete upload's answer names its bid and when its last byte arrived."""
    bid: SealedBid | None = session.bid
    if session.state == UploadState.COMPLETE and bid is not None:
        response["Ggzy-Bid"] = str(bid.uid)
        response["Ggzy-Received-At"] = format_instant(bid.received_at)
        response["Ggzy-Receipt"] = f"/api/v1/sealing/bids/{bid.uid}/receipt"
    return response


def _head(session: UploadSession) -> HttpResponse:
    _usable(session)
    response = _tus(HttpResponse(status=200))
    response["Upload-Offset"] = str(upload_offset(session))
    response["Upload-Length"] = str(session.length)
    response["Cache-Control"] = "no-store"
    return _receipt(response, session)


def _checksum(text: str | None) -> bytes | None:
    """Upload-Checksum: `sm3 <base64 of the 32-byte digest>` (400 for another algorithm)."""
    if text is None:
        return None
    algorithm, _space, value = text.strip().partition(" ")
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except binascii.Error:
        digest = b""
    if algorithm.lower() != CHECKSUM_ALGORITHM or len(digest) != DIGEST_SIZE:
        raise DomainError(SealingError.UPLOAD_CHECKSUM_ALGORITHM)
    return digest


def _patch(request: HttpRequest, actor: Actor, session: UploadSession) -> HttpResponse:
    _usable(session)
    if request.content_type != OFFSET_CONTENT_TYPE:
        raise DomainError(SealingError.UPLOAD_CONTENT_TYPE, detail={"content_type": request.content_type})
    raw_length = request.META.get("CONTENT_LENGTH")
    chunk = Chunk(
        offset=_count(request.headers.get("Upload-Offset"), SealingError.UPLOAD_OFFSET_INVALID),
        declared=int(raw_length) if raw_length else None,  # checked by RequestBodyLimitMiddleware
        checksum=_checksum(request.headers.get("Upload-Checksum")),
        body=request,
    )
    session = upload_append(actor=actor, session=session, chunk=chunk)
    response = _tus(HttpResponse(status=204))
    response["Upload-Offset"] = str(upload_offset(session))
    return _receipt(response, session)


def _method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    response = _refused(request, DomainError(CoreError.METHOD_NOT_ALLOWED))
    response["Allow"] = allowed
    return response


def _speaks_tus(request: HttpRequest) -> None:
    if request.headers.get("Tus-Resumable", "").strip() != TUS_VERSION:
        raise DomainError(SealingError.TUS_VERSION)


@api_view(
    SCOPE, headers={"Tus-Resumable": TUS_VERSION}
)  # authenticated as API operations are (AccessMiddleware)
@allow(Role.RESPONDER)
def uploads(request: HttpRequest) -> HttpResponse:
    """The uploads: what the server speaks (OPTIONS) and creating one (POST)."""
    if request.method == "OPTIONS":
        return _options()
    if request.method != "POST":
        return _method_not_allowed(request, "OPTIONS, POST")
    try:
        _speaks_tus(request)
        return _create(request, actor_of(request))
    except DomainError as exc:
        return _refused(request, exc)


@api_view(
    SCOPE, headers={"Tus-Resumable": TUS_VERSION}
)  # authenticated as API operations are (AccessMiddleware)
@allow(Role.RESPONDER)
@accepts_files(lambda: int(settings.GGZY_BID_UPLOAD_CHUNK_MAX))  # only PATCH reads a body
def upload(request: HttpRequest, upload_uid: uuid.UUID) -> HttpResponse:
    """One upload: its offset (HEAD), a chunk (PATCH), termination (DELETE)."""
    if request.method == "OPTIONS":
        return _options()
    if request.method not in {"HEAD", "PATCH", "DELETE"}:
        return _method_not_allowed(request, "OPTIONS, HEAD, PATCH, DELETE")
    try:
        _speaks_tus(request)
        actor = actor_of(request)
        session = access_upload(viewer=actor, uid=upload_uid)
        if request.method == "HEAD":
            return _head(session)
        if request.method == "PATCH":
            return _patch(request, actor, session)
        upload_terminate(actor=actor, session=session)
        return _tus(HttpResponse(status=204))
    except DomainError as exc:
        return _refused(request, exc)


urlpatterns = [
    path("api/v1/sealing/uploads/", uploads, name="uploads"),
    path("api/v1/sealing/uploads/<uuid:upload_uid>/", upload, name="upload"),
]
