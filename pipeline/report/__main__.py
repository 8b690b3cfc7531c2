"""`python -m pipeline.report`: run the report stage (see `--help`)."""

import sys

from pipeline.report.stage import main

sys.exit(main())
