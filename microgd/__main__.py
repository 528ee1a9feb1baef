"""``python -m microgd``: the ``microgd`` command."""

import sys

from .cli import main

sys.exit(main())
