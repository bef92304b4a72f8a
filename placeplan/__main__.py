"""``python -m placeplan``: the same command as ``placeplan`` (same arguments, same exit codes)."""

import sys

from placeplan.cli import main

if __name__ == "__main__":
    sys.exit(main())
