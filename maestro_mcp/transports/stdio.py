"""stdio: newline-delimited JSON-RPC on stdin/stdout for one local MCP client (principal ``local``).

stdout belongs to the protocol: everything else (logs included) goes to stderr.
"""

from __future__ import annotations

import logging

from maestro_mcp.config import Settings
from maestro_mcp.server import build_server
from maestro_mcp.services import open_services

logger = logging.getLogger(__name__)


async def serve_stdio(settings: Settings) -> None:
    """Serve MCP on stdin/stdout until the client closes stdin."""
    async with open_services(settings) as services:
        server = build_server(services)
        logger.info(
            "stori-maestro %s on stdio (data dir %s, %d tools)",
            services.version,
            settings.data_dir,
            len(server.tool_specs),
        )
        await server.run_stdio_async()
