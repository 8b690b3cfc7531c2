"""`python -m pipeline.preprocess`: run the preprocess stage (see `--help`)."""

import sys

from pipeline.preprocess.stage import main

sys.exit(main())
