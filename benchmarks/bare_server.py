"""The baseline for benchmarks/tool_latency.py: a bare official-SDK MCPServer with one no-op tool.

    python benchmarks/bare_server.py stdio
    python benchmarks/bare_server.py http PORT
"""

from __future__ import annotations

import logging
import sys

from mcp.server.mcpserver import MCPServer

app = MCPServer("bare")


@app.tool()
def noop() -> dict[str, bool]:
    """Does nothing."""
    return {"ok": True}


if __name__ == "__main__":
    logging.disable(logging.INFO)
    if sys.argv[1] == "stdio":
        app.run("stdio")
    else:
        app.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
