"""`python -m ggzy_beacon …` is `ggzy-beacon …`."""

import sys

from ggzy_beacon.cli import main

sys.exit(main())
