"""``python -m workerbox``: the ``workerbox`` command (see :mod:`workerbox.cli`)."""

import sys

from .cli import main

sys.exit(main())
