"""Now, for legal purposes: the one function every deadline and embargo asks.

Today it is the host clock (aware, UTC). The time issue turns it into the time authority (the
database clock, shared by all processes, with the sandbox's accelerated clock); callers do not change.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()
