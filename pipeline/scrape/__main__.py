"""`python -m pipeline.scrape`: run the scrape stage (see `--help`)."""

import sys

from pipeline.scrape.stage import main

sys.exit(main())
