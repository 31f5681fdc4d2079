"""The fixtures live in custodian_world (a unique name: the suite has other conftest modules)."""

from custodian_world import passphrase_env, world

__all__ = ["passphrase_env", "world"]
