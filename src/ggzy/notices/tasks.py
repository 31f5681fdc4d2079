"""Tick jobs of the notices (run by `ggzy tick`): `notices.record_published` (`apps.py` registers it)."""

from ggzy.notices.services import published_catch_up

__all__ = ["published_catch_up"]
