"""`python -m ggzy_national …` is `ggzy-national …`."""

import sys

from ggzy_national.cli import main

sys.exit(main())
