"""Run CarePlan from a checkout: `python main.py` is the same as the `careplan` command."""

import sys

from careplan.cli import main

if __name__ == "__main__":
    sys.exit(main())
