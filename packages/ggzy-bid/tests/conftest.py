"""The fixtures live in bid_world (a unique name: the suite has other conftest modules)."""

from bid_world import bidder, world

__all__ = ["bidder", "world"]
