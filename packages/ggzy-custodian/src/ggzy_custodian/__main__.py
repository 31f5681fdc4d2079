"""`python -m ggzy_custodian …` is `ggzy-custodian …`."""

import sys

from ggzy_custodian.cli import main

sys.exit(main())
