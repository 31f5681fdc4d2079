"""Tick jobs of the notices (run by `ggzy tick`): `notices.record_published` (`apps.py` registers it) and
`notices.push_national` (registered here: pushing published notices to the national platforms)."""

from ggzy.core import tick
from ggzy.notices.push import pushes_due
from ggzy.notices.services import published_catch_up

tick.register("notices.push_national", pushes_due)

__all__ = ["published_catch_up", "pushes_due"]
