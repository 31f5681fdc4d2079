"""The opening hall's tick job (a thin wrapper around its service; `core.tick`)."""

from __future__ import annotations

from ggzy.core import tick
from ggzy.opening.services import halls_due

tick.register("opening.halls", halls_due)
