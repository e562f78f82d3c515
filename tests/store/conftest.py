from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    # aiosqlite runs on asyncio only; the memory store is also exercised on trio in its own test.
    return "asyncio"
