"""`python -m ggzy_expertpool …` is `ggzy-expertpool …`."""

import sys

from ggzy_expertpool.cli import main

sys.exit(main())
