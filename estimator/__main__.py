"""``python -m estimator``: the command line (see estimator.cli)."""

import sys

from estimator.cli import main

sys.exit(main())
