"""The simulated recording: HLS playlists (RFC 8216) and MPEG transport stream segments (ISO/IEC 13818-1)
of a camera, computed from the clock — segment n of a camera covers [n·6 s, (n+1)·6 s) of the Unix epoch,
so every process (and every test) agrees on what a time range holds without storing video.

A segment is a valid transport stream of 188-byte packets: a PAT, a PMT naming one private-data
elementary stream (stream type 0x06), and packets of one PES carrying a JSON caption {"camera",
"sequence", "from", "to"} — what a player cannot show but a test can read — padded with stuffing."""

from __future__ import annotations

import datetime as dt
import json
import math

SEGMENT_SECONDS = 6
LIVE_SEGMENTS = 3
#: The longest range one playback playlist covers.
MAX_RANGE = dt.timedelta(hours=24)
PACKET = 188
SYNC = 0x47
PMT_PID, MEDIA_PID = 0x1000, 0x0100
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def sequence_at(instant: dt.datetime) -> int:
    """The segment holding `instant`."""
    return math.floor((instant - EPOCH).total_seconds() / SEGMENT_SECONDS)


def segment_start(sequence: int) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=sequence * SEGMENT_SECONDS)


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def playlist(sequences: range, *, ended: bool) -> str:
    """A media playlist of `sequences` (segments named `seg/<n>.ts`, relative to the playlist), with the
    wall-clock time of its first segment; `ended`: a recording (VOD, #EXT-X-ENDLIST), else live."""
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
        f"#EXT-X-MEDIA-SEQUENCE:{sequences.start}",
    ]
    if ended:
        lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
    lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_instant(segment_start(sequences.start))}")
    for n in sequences:
        lines += [f"#EXTINF:{SEGMENT_SECONDS}.000,", f"seg/{n}.ts"]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def live(now: dt.datetime, since: dt.datetime) -> str:
    """The live playlist at `now`: the last `LIVE_SEGMENTS` whole segments recorded."""
    last = sequence_at(now) - 1
    first = max(sequence_at(since), last - LIVE_SEGMENTS + 1)
    return playlist(range(first, last + 1), ended=False)


def recorded(start: dt.datetime, end: dt.datetime) -> str:
    """The playback playlist of [start, end): every segment that overlaps it."""
    return playlist(
        range(sequence_at(start), sequence_at(end - dt.timedelta(microseconds=1)) + 1), ended=True
    )


def _crc32(data: bytes) -> int:
    """CRC-32/MPEG-2 of the PSI sections."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _packet(pid: int, payload: bytes, counter: int, *, start: bool) -> bytes:
    header = bytes([SYNC, (0x40 if start else 0) | (pid >> 8), pid & 0xFF, 0x10 | (counter & 0x0F)])
    body = payload[: PACKET - 4]
    return header + body + b"\xff" * (PACKET - 4 - len(body))


def _section(table_id: int, table_extension: int, body: bytes) -> bytes:
    length = 5 + len(body) + 4
    head = bytes([table_id, 0xB0 | (length >> 8), length & 0xFF, table_extension >> 8, table_extension & 0xFF,
                  0xC1, 0x00, 0x00])  # fmt: skip
    section = head + body
    return b"\x00" + section + _crc32(section).to_bytes(4, "big")  # pointer field, section, CRC


def segment(camera: str, sequence: int) -> bytes:
    """Segment `sequence` of `camera`: a PAT, a PMT and the PES of its caption, in 188-byte packets."""
    pat = _section(0x00, 1, bytes([0x00, 0x01, 0xE0 | (PMT_PID >> 8), PMT_PID & 0xFF]))
    pmt = _section(0x02, 1, bytes([0xE0 | (MEDIA_PID >> 8), MEDIA_PID & 0xFF, 0xF0, 0x00,
                                   0x06, 0xE0 | (MEDIA_PID >> 8), MEDIA_PID & 0xFF, 0xF0, 0x00]))  # fmt: skip
    caption = json.dumps(
        {
            "camera": camera,
            "sequence": sequence,
            "from": _instant(segment_start(sequence)),
            "to": _instant(segment_start(sequence + 1)),
        },
        sort_keys=True,
    ).encode("utf-8")
    pes = b"\x00\x00\x01\xbd" + len(caption).to_bytes(2, "big") + caption  # private_stream_1
    packets = [_packet(0, pat, 0, start=True), _packet(PMT_PID, pmt, 0, start=True)]
    chunks = [pes[i : i + PACKET - 4] for i in range(0, len(pes), PACKET - 4)]
    packets += [_packet(MEDIA_PID, chunk, n, start=n == 0) for n, chunk in enumerate(chunks)]
    return b"".join(packets)


def caption(data: bytes) -> dict[str, object]:
    """The caption a segment carries (what a test reads back); ValueError if it is not one."""
    if len(data) % PACKET or any(data[i] != SYNC for i in range(0, len(data), PACKET)):
        raise ValueError("not a transport stream of 188-byte packets")
    payload = b"".join(
        data[i + 4 : i + PACKET]
        for i in range(0, len(data), PACKET)
        if ((data[i + 1] & 0x1F) << 8) | data[i + 2] == MEDIA_PID
    )
    if not payload.startswith(b"\x00\x00\x01\xbd"):
        raise ValueError("no private-data PES")
    length = int.from_bytes(payload[4:6], "big")
    found: dict[str, object] = json.loads(payload[6 : 6 + length])
    return found
