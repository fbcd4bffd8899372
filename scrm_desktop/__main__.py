"""`python -m scrm_desktop` runs the command line."""

import sys

from scrm_desktop.cli import main

sys.exit(main())
