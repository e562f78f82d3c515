"""The tool layer: the catalog of the 41 tools, the server's own validation, ``$N.field`` references, the
result envelope, and ``dispatch`` - the one path of every tool call (spec/tools.md)."""

from maestro_mcp.tools.catalog import CATALOG, COMPACT_TOOL_NAMES, TOOL_NAMES, get_spec, list_specs
from maestro_mcp.tools.spec_types import ToolSpec

__all__ = ["CATALOG", "COMPACT_TOOL_NAMES", "TOOL_NAMES", "ToolSpec", "get_spec", "list_specs"]
