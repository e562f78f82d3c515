"""The catalog against tools.md §1, §2.1, §2.6, §2.8, §13 and mcp.md §3, §7."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from maestro_mcp.errors import ErrorCode, ErrorItem
from maestro_mcp.tools.catalog import (
    ALIAS_NAMES,
    CATALOG,
    COMPACT_TOOL_NAMES,
    TOOL_NAMES,
    canonical_spec,
    get_spec,
    list_specs,
)
from maestro_mcp.tools.results import error_payload, success_payload

EXPECTED_ORDER = [
    "stori_read_project", "stori_create_project", "stori_set_tempo", "stori_set_key", "stori_set_key_signature",
    "stori_add_midi_track", "stori_add_track", "stori_set_track_volume", "stori_set_track_pan",
    "stori_set_track_name", "stori_set_midi_program", "stori_mute_track", "stori_solo_track",
    "stori_set_track_color", "stori_set_track_icon",
    "stori_add_midi_region", "stori_add_region", "stori_delete_region", "stori_move_region",
    "stori_duplicate_region",
    "stori_add_notes", "stori_clear_notes", "stori_quantize_notes", "stori_apply_swing",
    "stori_add_insert_effect", "stori_add_send", "stori_ensure_bus",
    "stori_add_automation", "stori_add_midi_cc", "stori_add_pitch_bend", "stori_add_aftertouch",
    "stori_generate_midi", "stori_generate_drums", "stori_generate_bass", "stori_generate_melody",
    "stori_generate_chords",
    "stori_play", "stori_stop", "stori_set_playhead",
    "stori_show_panel", "stori_set_zoom",
]
ALIASES = {
    "stori_set_key_signature": "stori_set_key",
    "stori_add_track": "stori_add_midi_track",
    "stori_add_region": "stori_add_midi_region",
}
# (RO, D, I) per tools.md; every tool not listed is RO ✗ D ✗ I ✓.
MARKS: dict[str, tuple[bool, bool, bool]] = {
    "stori_read_project": (True, False, True),
    "stori_create_project": (False, True, False),
    "stori_add_midi_track": (False, False, False),
    "stori_add_track": (False, False, False),
    "stori_add_midi_region": (False, False, False),
    "stori_add_region": (False, False, False),
    "stori_delete_region": (False, True, True),
    "stori_duplicate_region": (False, False, False),
    "stori_add_notes": (False, False, False),
    "stori_clear_notes": (False, True, True),
    "stori_quantize_notes": (False, True, False),
    "stori_apply_swing": (False, True, False),
    "stori_add_insert_effect": (False, False, False),
    **{name: (False, False, False) for name in EXPECTED_ORDER if name.startswith("stori_generate_")},
}
CATEGORY_COUNTS = {"project": 5, "track": 10, "region": 5, "notes": 4, "effects": 3, "automation": 4,
                   "generation": 5, "playback": 3, "ui": 2}


def test_41_tools_in_spec_order() -> None:
    assert list(TOOL_NAMES) == EXPECTED_ORDER
    assert [s.name for s in list_specs("full")] == EXPECTED_ORDER


def test_category_counts_and_runs() -> None:
    counts: dict[str, int] = {}
    for spec in CATALOG:
        counts[spec.category] = counts.get(spec.category, 0) + 1
        assert spec.runs == ("server" if spec.category == "generation" else "daw")
    assert counts == CATEGORY_COUNTS


def test_compact_profile_is_38_tools_without_aliases() -> None:
    assert len(COMPACT_TOOL_NAMES) == 38
    assert list(COMPACT_TOOL_NAMES) == [n for n in EXPECTED_ORDER if n not in ALIASES]
    assert [s.name for s in list_specs("compact")] == list(COMPACT_TOOL_NAMES)


def test_aliases() -> None:
    assert set(ALIAS_NAMES) == set(ALIASES)
    for alias, canonical in ALIASES.items():
        spec = get_spec(alias)
        assert spec is not None and spec.alias_of == canonical and spec.canonical == canonical
        assert canonical_spec(alias) is get_spec(canonical)
    assert get_spec("stori_add_effect") is None
    assert get_spec("STORI_PLAY") is None  # tool names match exactly


@pytest.mark.parametrize("name", EXPECTED_ORDER)
def test_annotations(name: str) -> None:
    spec = get_spec(name)
    assert spec is not None
    ro, d, i = MARKS.get(name, (False, False, True))
    assert spec.annotations() == {
        "title": spec.title,
        "readOnlyHint": ro,
        "destructiveHint": d,
        "idempotentHint": i,
        "openWorldHint": False,
    }


@pytest.mark.parametrize("name", EXPECTED_ORDER)
def test_input_schema_is_valid_json_schema(name: str) -> None:
    spec = get_spec(name)
    assert spec is not None
    schema = spec.input_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"
    for prop in schema["properties"]:
        assert "_" not in prop or prop in ("include_notes", "include_automation")  # camelCase on the wire
    assert spec.description and spec.title


def _nullable(prop: dict[str, Any]) -> bool:
    t = prop.get("type")
    return (isinstance(t, list) and "null" in t) or any(s.get("type") == "null" for s in prop.get("anyOf", []))


@pytest.mark.parametrize("name", EXPECTED_ORDER)
def test_output_schema_shape(name: str) -> None:
    spec = get_spec(name)
    assert spec is not None
    schema = spec.output_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object" and "anyOf" not in schema and "oneOf" not in schema
    assert schema["required"] == ["ok", "tool"]
    props = schema["properties"]
    for field in ("errors", "executedBy", "dawResult", "warnings", *spec.result_names):
        assert field in props and _nullable(props[field]), field
    assert not _nullable(props["ok"]) and not _nullable(props["tool"])


@pytest.mark.parametrize("name", EXPECTED_ORDER)
def test_success_and_error_payloads_validate(name: str) -> None:
    spec = get_spec(name)
    assert spec is not None
    validator = jsonschema.Draft202012Validator(spec.output_schema())
    validator.validate(success_payload(spec, {}, "headless" if spec.runs == "daw" else "server"))
    validator.validate(error_payload(spec.canonical, [ErrorItem(ErrorCode.MISSING_REQUIRED, "x", "is required")]))


def test_result_fields_of_aliases_extend_canonical() -> None:
    assert get_spec("stori_add_track").result_names[-3:] == ("volumeDb", "pan", "stateVersion")  # type: ignore[union-attr]
    assert "color" in get_spec("stori_add_region").result_names  # type: ignore[union-attr]
    assert get_spec("stori_set_key_signature").result_names == get_spec("stori_set_key").result_names  # type: ignore[union-attr]


def test_state_version_only_on_mutating_tools() -> None:
    without = {s.name for s in CATALOG if not s.mutating}
    assert without == {"stori_play", "stori_stop", "stori_set_playhead", "stori_show_panel", "stori_set_zoom"}


def test_tool_def_shape() -> None:
    spec = get_spec("stori_generate_drums")
    assert spec is not None
    d = spec.tool_def()
    assert set(d) == {"name", "title", "description", "inputSchema", "outputSchema", "annotations", "runsOn"}
    assert d["runsOn"] == "server"
    assert d["inputSchema"]["required"] == ["style", "tempo"]
    assert d["inputSchema"]["properties"]["bars"]["default"] == 4


def test_converting_aliases_are_hidden_from_input_schema() -> None:
    send = get_spec("stori_add_send")
    quantize = get_spec("stori_quantize_notes")
    assert send is not None and quantize is not None
    assert "sendLevel" not in send.input_schema()["properties"]
    assert "gridSize" not in quantize.input_schema()["properties"]
    assert send.input_schema()["required"] == ["trackId", "busId"]
