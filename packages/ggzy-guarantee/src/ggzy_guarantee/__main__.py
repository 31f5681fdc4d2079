"""`python -m ggzy_guarantee …` is `ggzy-guarantee …`."""

import sys

from ggzy_guarantee.cli import main

sys.exit(main())
