"""`python -m scrm_desktop` runs the command line (and is the bundle's entry point, packaging/)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # In the PyInstaller bundle a big ingest's worker processes (listening/workers.py) start the executable
    # again: freeze_support runs the worker there instead of a second app.
    multiprocessing.freeze_support()

    from scrm_desktop.cli import main

    sys.exit(main())
