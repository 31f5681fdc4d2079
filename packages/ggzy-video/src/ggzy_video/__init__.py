"""A trading centre's video platform (ggzy-video), as the trading platform sees it: the cameras of its
rooms, each with a live view and playback of any recorded time range over HLS (RFC 8216) — standing in
for the centre's own platform (a GB/T 28181 platform or the recorders' RTSP/HLS gateway), a party of its
own with its own SM2 key, state, port and clock, every answer signed. The trading platform keeps only
the camera's code and the platform's address: the real platform is a configuration change."""

__version__ = "0.1.0"
