"""`python -m pipeline.contrasts`: run the contrasts stage (see `--help`)."""

import sys

from pipeline.contrasts.stage import main

sys.exit(main())
