"""`python -m pipeline.extract`: run the extract stage (see `--help`)."""

import sys

from pipeline.extract.stage import main

sys.exit(main())
