"""The edges: ways to reach the one MCP server object (stdio, streamable HTTP, REST) and, later, SSE and
the DAW WebSocket. Transports hold no logic: they call ``tools.dispatch`` and the services."""
