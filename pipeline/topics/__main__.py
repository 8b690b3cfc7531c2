"""`python -m pipeline.topics`: run the topics stage (see `--help`)."""

import sys

from pipeline.topics.stage import main

sys.exit(main())
