"""`python -m bot.tools.content_check`: the same as `python -m bot check-content`."""

import sys

from bot.tools.content_check import main

sys.exit(main())
