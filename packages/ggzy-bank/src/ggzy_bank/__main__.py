"""`python -m ggzy_bank …` is `ggzy-bank …`."""

import sys

from ggzy_bank.cli import main

sys.exit(main())
