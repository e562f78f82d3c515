"""Issue 2's matrix: every style x {C, Am, F#m, Eb} x {lowest, middle, highest tempo of the style} x
{4, 8, 16} bars x 3 seeds, for each role the style uses.

Conditioning (tempo, meter, length, one track per role, drums on channel 10 with GM keys, ranges, no
same-pitch overlaps, all read back from the MIDI file too) must hold in every case. Musical sanity is
judged on each style's means per role against the issue's targets. The full matrix is marked ``matrix``
(``pytest -m matrix``; minutes) and prints its rates table at the end; a small slice runs by default.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import pytest

from maestro_mcp.music.styles import match_style
from tests.music.matrix_support import (
    ISSUE_STYLES,
    KEYS,
    StyleResult,
    cases,
    run_style,
    sanity_failures,
    style_roles,
    summary_table,
)

_collected: dict[str, StyleResult] = {}


@cache
def full(style: str) -> StyleResult:
    result = run_style(style, cases([style]))
    _collected[style] = result
    return result


def _need_roles(style: str) -> None:
    words, missing = style_roles(match_style(style).profile)
    if not words:
        pytest.skip(f"no generator yet for any role of {style} ({', '.join(missing)})")


@pytest.fixture(scope="module", autouse=True)
def _print_summary(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the module, the rates table (what goes in the issue's closing note)."""
    yield
    if not _collected:
        return
    text = summary_table(_collected[s] for s in ISSUE_STYLES if s in _collected)
    # Teardown output is captured like a test's; print past the capture so the table always shows.
    capman = request.config.pluginmanager.get_plugin("capturemanager")
    if capman is not None:
        with capman.global_and_fixture_disabled():
            print(f"\n==== issue 2 matrix: mean figures per style and role ====\n{text}", flush=True)
    else:
        print(text)


@pytest.mark.matrix
@pytest.mark.parametrize("style", list(ISSUE_STYLES))
def test_conditioning_full_matrix(style: str) -> None:
    _need_roles(style)
    result = full(style)
    assert result.cases == len(KEYS) * 3 * 3 * 3
    if result.failures:
        pytest.fail(f"{len(result.failures)} failures:\n" + "\n".join(result.failures[:20]), pytrace=False)


@pytest.mark.matrix
@pytest.mark.parametrize("style", list(ISSUE_STYLES))
def test_musical_sanity_full_matrix(style: str) -> None:
    _need_roles(style)
    fails = sanity_failures(full(style))
    if fails:
        pytest.fail("\n".join(fails), pytrace=False)


# -- the default-run slice ---------------------------------------------------------------------------

SLICE_STYLES = ("lo-fi boom bap", "deep house", "jazz", "dark trap", "bossa nova", "funk", "cinematic orchestral",
                "ambient drone")


@pytest.mark.parametrize("style", SLICE_STYLES)
def test_conditioning_slice(style: str) -> None:
    _need_roles(style)
    result = run_style(style, cases([style], keys=("Am", "Eb"), bars=(4, 8), seeds=(1,), tempo_picks=(1,)))
    assert result.cases == 4
    if result.failures:
        pytest.fail("\n".join(result.failures[:20]), pytrace=False)
