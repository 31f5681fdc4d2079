"""Media evidence: register a recording by its SM3, room, camera and time span; the audit re-hashes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ggzy.core import clock
from ggzy.core.errors import DomainError, ErrorCodeBase
from ggzy.events.services import event_record
from ggzy.witness.event_types import WitnessEvents
from ggzy.witness.models import MediaRecording
from ggzy_sm.sm3 import sm3_file


class MediaError(ErrorCodeBase):
    OUTSIDE_STORE = "media_outside_store", 422, _("The recording must be a file in the media store.")
    SPAN_INVALID = "media_span_invalid", 422, _("A recording ends after it starts.")


def store_path(location: str) -> Path:
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / location).resolve()
    if root not in path.parents or not path.is_file():
        raise DomainError(MediaError.OUTSIDE_STORE, detail={"location": location})
    return path


@transaction.atomic
def media_register(
    *,
    actor: Any,
    room: str,
    camera: str,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    location: str,
    project: str = "",
    section: str = "",
) -> MediaRecording:
    if ended_at <= started_at:
        raise DomainError(MediaError.SPAN_INVALID)
    path = store_path(location)
    digest, size = sm3_file(path).hex(), path.stat().st_size
    event = event_record(
        type=WitnessEvents.MEDIA_REGISTERED,
        actor=actor,
        project=project,
        section=section,
        data={
            "room": room,
            "camera": camera,
            "from": started_at,
            "until": ended_at,
            "sm3": digest,
            "size": size,
            "location": location,
        },
    )
    return MediaRecording.objects.create(
        room=room,
        camera=camera,
        started_at=started_at,
        ended_at=ended_at,
        location=location,
        sm3=digest,
        size=size,
        event_uid=event.uid,
        registered_at=clock.now(),
    )


def media_audit() -> list[str]:
    problems = []
    for recording in MediaRecording.objects.order_by("pk"):
        try:
            path = store_path(recording.location)
        except DomainError:
            problems.append(f"recording {recording.pk} ({recording.location}): the file is missing")
            continue
        if sm3_file(path).hex() != recording.sm3:
            problems.append(f"recording {recording.pk} ({recording.location}): the file was changed")
    return problems
