"""The fixtures live in cosigner_world (a unique name: the suite has other conftest modules)."""

from cosigner_world import passphrase_env

__all__ = ["passphrase_env"]
