"""`python -m ggzy_authority …` is `ggzy-authority …`."""

import sys

from ggzy_authority.cli import main

sys.exit(main())
