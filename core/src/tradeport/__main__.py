"""``python -m tradeport`` behaves exactly like the ``tradeport`` command."""

import sys

from tradeport.cli import main

sys.exit(main())
