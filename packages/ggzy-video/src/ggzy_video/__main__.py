"""`python -m ggzy_video …` is `ggzy-video …`."""

import sys

from ggzy_video.cli import main

sys.exit(main())
