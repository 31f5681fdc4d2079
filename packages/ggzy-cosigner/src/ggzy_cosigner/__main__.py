"""`python -m ggzy_cosigner …` is `ggzy-cosigner …`."""

import sys

from ggzy_cosigner.cli import main

sys.exit(main())
