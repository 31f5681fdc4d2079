"""Media evidence: register a recording by its SM3, room, camera and time span; the audit re-hashes.

A centre's staff register files of their own centre's recordings area only, MEDIA_ROOT/recordings/
<centre code>/: the endpoint reads and hashes a file the caller names, so anywhere else — the rest of
the media store, another centre's area, a path that climbs out, a link that points out — is refused
with the same error as a missing file, and a centre the caller is not staff of answers like a missing
centre. Neither tells what exists where."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import Centre, RoleGrant
from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError, ErrorCodeBase
from ggzy.core.roles import Role
from ggzy.core.types import Actor
from ggzy.events.services import event_record
from ggzy.witness.event_types import WitnessEvents
from ggzy.witness.models import MediaRecording
from ggzy_sm.sm3 import sm3_file


class MediaError(ErrorCodeBase):
    OUTSIDE_STORE = "media_outside_store", 422, _("The recording must be a file in the media store.")
    SPAN_INVALID = "media_span_invalid", 422, _("A recording ends after it starts.")


RECORDINGS = "recordings"  # MEDIA_ROOT/recordings/<centre code>/…


def recordings_area(centre: str) -> Path:
    return Path(settings.MEDIA_ROOT).resolve() / RECORDINGS / centre


def store_path(location: str, centre: str) -> Path:
    """The file `location` (a path under the media store) names, if it is a file in `centre`'s
    recordings area once every link and `..` is resolved; anything else raises one error."""
    root = Path(settings.MEDIA_ROOT).resolve()
    area = recordings_area(centre) if centre else None
    path = (root / location).resolve()
    if area is None or area not in path.parents or not path.is_file():
        raise DomainError(MediaError.OUTSIDE_STORE, detail={"location": location})
    return path


def recording_centre(*, actor: Actor | None, code: str) -> str:
    """The centre whose recordings `actor` registers: `code`, if they are staff of it (a centre they are
    not staff of is not found, like a missing one); without a code, their one centre."""
    mine = set(
        RoleGrant.objects.filter(
            user=actor, role=Role.CENTRE_STAFF, revoked_at__isnull=True, centre__isnull=False
        ).values_list("centre__code", flat=True)
    )
    if code:
        if code not in mine:
            raise DomainError(CoreError.NOT_FOUND)
        return code
    if len(mine) != 1:
        raise DomainError(CoreError.VALIDATION_FAILED, detail={"centre": "name the centre (its code)"})
    return mine.pop()


def _region_of(centre: str) -> str:
    """The region of the centre of code `centre` (the recording's event records both: its scope)."""
    return Centre.objects.get(code=centre).region


@transaction.atomic
def media_register(
    *,
    actor: Actor | None,
    room: str,
    camera: str,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    location: str,
    centre: str = "",
    project: str = "",
    section: str = "",
) -> MediaRecording:
    """Register the recording at `location` (under the media store, in the centre's recordings area);
    `centre`: the centre's code, or empty for the actor's one centre."""
    centre = recording_centre(actor=actor, code=centre)
    if ended_at <= started_at:
        raise DomainError(MediaError.SPAN_INVALID)
    path = store_path(location, centre)
    digest, size = sm3_file(path).hex(), path.stat().st_size
    event = event_record(
        type=WitnessEvents.MEDIA_REGISTERED,
        actor=actor,
        project=project,
        section=section,
        centre=centre,
        region=_region_of(centre),
        data={
            "room": room,
            "camera": camera,
            "from": started_at,
            "until": ended_at,
            "sm3": digest,
            "size": size,
            "location": location,
            "centre": centre,
        },
    )
    return MediaRecording.objects.create(
        room=room,
        camera=camera,
        started_at=started_at,
        ended_at=ended_at,
        location=location,
        centre=centre,
        sm3=digest,
        size=size,
        event_uid=event.uid,
        registered_at=clock.now(),
    )


def _audited_path(recording: MediaRecording) -> Path:
    if recording.centre:
        return store_path(recording.location, recording.centre)
    root = Path(settings.MEDIA_ROOT).resolve()  # registered before recordings areas: the whole store
    path = (root / recording.location).resolve()
    if root not in path.parents or not path.is_file():
        raise DomainError(MediaError.OUTSIDE_STORE, detail={"location": recording.location})
    return path


def media_audit() -> list[str]:
    problems = []
    for recording in MediaRecording.objects.order_by("pk"):
        try:
            path = _audited_path(recording)
        except DomainError:
            problems.append(f"recording {recording.uid} ({recording.location}): the file is missing")
            continue
        if sm3_file(path).hex() != recording.sm3:
            problems.append(f"recording {recording.uid} ({recording.location}): the file was changed")
    return problems
