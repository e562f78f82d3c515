"""The request time limit may land anywhere in a composition, even inside the emit of a step's terminal
update; wherever it lands, every step still ends terminal on the wire and ``complete`` closes the stream
(sse.md §6.4, §5.6). The limits below spread the cancellation over the whole Agent Teams run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.agent.stream_support import Harness, types

pytestmark = pytest.mark.anyio

TEAMS = "STORI PROMPT\nMode: compose\nStyle: techno\nRole: [drums, bass, lead, pads]\nConstraints: {bars: 32}\n"


@pytest.mark.parametrize("seconds", [0.01, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9, 1.2])
async def test_every_step_ends_terminal_wherever_the_time_limit_lands(tmp_path: Path, seconds: float) -> None:
    events = await Harness(tmp_path, request_seconds=seconds).run(TEAMS)  # run() checks the step statuses
    assert types(events)[-2:] == ["budgetUpdate", "complete"]
    if not events[-1]["success"]:
        assert events[-1]["error"] == "TIMEOUT"
        assert [e["fatal"] for e in events if e["type"] == "error"] == [True]


class _BrokenLedger:
    """A budget whose ledger cannot be written (a database gone mid-stream)."""

    async def remaining(self, principal: str) -> float:
        return 4.5

    async def charge(self, principal: str, cost: float) -> float:
        raise OSError("disk I/O error")


async def test_a_ledger_that_cannot_be_charged_still_ends_the_stream(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    harness.deps.budget = _BrokenLedger()
    events = await harness.run("set the tempo to 92")
    budget, complete = events[-2], events[-1]
    assert (budget["type"], budget["budgetRemaining"]) == ("budgetUpdate", 4.5)
    assert complete["type"] == "complete" and complete["success"] is True
    assert "the usage of this request could not be recorded" in complete["warnings"]
