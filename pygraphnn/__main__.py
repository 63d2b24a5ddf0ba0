"""``python -m pygraphnn ...``: the same as the ``pygraphnn`` command."""

import sys

from .cli import main

sys.exit(main())
