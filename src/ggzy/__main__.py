"""The `ggzy` command: Django's management commands with the platform's settings.

ggzy migrate | ggzy demo_load | ggzy serve | ggzy openapi --check | ggzy check …
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ggzy.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ggzy", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
