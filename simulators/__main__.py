"""``python -m simulators``: see :mod:`simulators.cli`."""

import sys

from simulators.cli import main

if __name__ == "__main__":
    sys.exit(main())
