from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    # ``Database`` runs each transaction in a worker thread, so real SQLite works under both backends.
    return str(request.param)
