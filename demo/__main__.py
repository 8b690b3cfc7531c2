"""`python -m demo`: run the whole pipeline on the bundled offline demo site (see `--help`)."""

import sys

from demo.run import main

sys.exit(main())
