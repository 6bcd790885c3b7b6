"""``python -m belegsync.cli``."""

import sys

from belegsync.cli import main

sys.exit(main())
