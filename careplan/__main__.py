import sys

from careplan.cli import main

sys.exit(main())
