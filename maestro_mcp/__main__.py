"""``python -m maestro_mcp``: the same command line as ``maestro-mcp``."""

import sys

from maestro_mcp.cli import main

sys.exit(main())
