"""The tool-call delta accumulator on raw chunk sequences: what real OpenAI-compatible servers send."""

from __future__ import annotations

import json
from typing import Any

from maestro_mcp.agent.llm_accumulate import TurnAccumulator
from maestro_mcp.agent.llm_types import ContentDelta, ReasoningDelta, Usage
from tests.fakes.fake_openai_script import FakeToolCall, Reply, reply_chunks


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choices = (
        []
        if delta is None and finish is None
        else [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    )
    return {"id": "c", "object": "chat.completion.chunk", "choices": choices, **extra}


def tc(
    index: int | None, *, id: str | None = None, name: str | None = None, args: Any = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"function": {}}
    if index is not None:
        entry["index"] = index
    if id is not None:
        entry["id"] = id
        entry["type"] = "function"
    if name is not None:
        entry["function"]["name"] = name
    if args is not None:
        entry["function"]["arguments"] = args
    return chunk({"tool_calls": [entry]})


def run(chunks: list[dict[str, Any]]) -> tuple[TurnAccumulator, list[ReasoningDelta | ContentDelta]]:
    acc = TurnAccumulator("call_t1_")
    deltas = [d for c in chunks for d in acc.feed(c)]
    return acc, deltas


def test_split_arguments_with_id_and_name_repeated_in_every_delta() -> None:
    acc, _ = run([
        tc(0, id="call_a", name="stori_set_tempo", args='{"te'),
        tc(0, id="call_a", name="stori_set_tempo", args='mpo": 9'),
        tc(0, id="call_a", name="stori_set_tempo", args="2}"),
        chunk(finish="tool_calls"),
    ])  # fmt: skip
    (call,) = acc.tool_calls()
    assert (call.id, call.name, call.arguments, call.parse_error) == (
        "call_a",
        "stori_set_tempo",
        {"tempo": 92},
        None,
    )
    assert acc.finish().finish_reason == "tool_calls"


def test_id_and_name_sent_only_in_the_first_delta() -> None:
    acc, _ = run([
        tc(0, id="call_a", name="stori_mute_track", args=""),
        tc(0, args='{"trackName": "Bass", '),
        tc(0, args='"muted": true}'),
        chunk(finish="tool_calls"),
    ])  # fmt: skip
    (call,) = acc.tool_calls()
    assert call.id == "call_a" and call.name == "stori_mute_track"
    assert call.arguments == {"trackName": "Bass", "muted": True}


def test_parallel_calls_with_interleaved_indexes_keep_the_llm_order() -> None:
    acc, _ = run([
        tc(1, id="b", name="stori_set_key", args='{"ke'),
        tc(0, id="a", name="stori_set_tempo", args='{"tempo"'),
        tc(1, id="b", name="stori_set_key", args='y": "Am"}'),
        tc(2, id="c", name="stori_play", args="{}"),
        tc(0, id="a", name="stori_set_tempo", args=": 120}"),
        chunk(finish="tool_calls"),
    ])  # fmt: skip
    calls = acc.tool_calls()
    assert [c.name for c in calls] == ["stori_set_tempo", "stori_set_key", "stori_play"]
    assert [c.arguments for c in calls] == [{"tempo": 120}, {"key": "Am"}, {}]
    assert [c.index for c in calls] == [0, 1, 2]


def test_fake_server_chunks_round_trip_through_the_accumulator() -> None:
    calls = [FakeToolCall("stori_set_tempo", {"tempo": 92}, pieces=5),
             FakeToolCall("stori_add_midi_track", {"name": "Drums", "drumKitId": "TR-808"}, pieces=7)]  # fmt: skip
    acc, _ = run(list(reply_chunks(Reply(tool_calls=calls, interleave=True), "m")))  # type: ignore[arg-type]
    assembled = acc.tool_calls()
    assert [(c.id, c.name) for c in assembled] == [
        ("call_0", "stori_set_tempo"),
        ("call_1", "stori_add_midi_track"),
    ]
    assert assembled[1].arguments == {"name": "Drums", "drumKitId": "TR-808"}
    assert acc.usage == Usage(120, 30)


def test_malformed_json_is_an_error_on_that_call_only() -> None:
    acc, _ = run([
        tc(0, id="a", name="stori_set_tempo", args='{"tempo": 9'),
        tc(1, id="b", name="stori_play", args="{}"),
        tc(2, id="c", name="stori_set_key", args='["Am"]'),
        chunk(finish="tool_calls"),
    ])  # fmt: skip
    bad, good, not_object = acc.tool_calls()
    assert bad.parse_error is not None and "not valid JSON" in bad.parse_error
    assert bad.arguments == {} and bad.raw_arguments == '{"tempo": 9'
    assert good.ok and good.arguments == {}
    assert not_object.parse_error == "the arguments must be a JSON object"


def test_missing_index_missing_id_and_missing_name() -> None:
    acc, _ = run([
        tc(None, id="x", name="stori_play", args="{"),
        tc(None, args="}"),  # no index, no id: continues the call last written to
        tc(None, id="y", args="{}"),  # a new id without an index: a new call, which never got a name
        chunk(finish="tool_calls"),
    ])  # fmt: skip
    first, second = acc.tool_calls()
    assert first.name == "stori_play" and first.arguments == {} and first.ok
    assert second.id == "y" and second.parse_error == "the tool call has no tool name"


def test_calls_without_ids_get_turn_scoped_ids() -> None:
    acc, _ = run([tc(0, name="stori_play", args="{}"), tc(1, name="stori_stop"), chunk(finish="tool_calls")])
    assert [c.id for c in acc.tool_calls()] == ["call_t1_0", "call_t1_1"]


def test_arguments_sent_already_parsed_replace_instead_of_append() -> None:
    acc, _ = run([tc(0, id="a", name="stori_set_tempo", args={"tempo": 100}),
                  tc(0, id="a", name="stori_set_tempo", args={"tempo": 100}), chunk(finish="stop")])  # fmt: skip
    assert acc.tool_calls()[0].arguments == {"tempo": 100}


def test_reasoning_fields_of_each_server_family() -> None:
    detail = {"type": "reasoning.text", "text": "from details ", "index": 0}
    _, deltas = run([
        chunk({"reasoning": "openrouter "}),
        chunk({"reasoning_content": "deepseek "}),
        chunk({"reasoning_details": [detail]}),
        chunk({"reasoning": "both ", "reasoning_details": [{**detail, "text": "both "}]}),
        chunk({"reasoning_details": [{"type": "reasoning.summary", "summary": "summary "}]}),
        chunk({"reasoning_details": [{"type": "reasoning.encrypted", "data": "xyz"}]}),
        chunk({"content": "Done."}, finish="stop"),
    ])  # fmt: skip
    assert deltas == [ReasoningDelta("openrouter "), ReasoningDelta("deepseek "), ReasoningDelta("from details "),
                      ReasoningDelta("both "), ReasoningDelta("summary "), ContentDelta("Done.")]  # fmt: skip


def test_reasoning_details_are_merged_per_index_for_the_history() -> None:
    acc, _ = run([
        chunk({"reasoning": "a", "reasoning_details": [{"type": "reasoning.text", "text": "a", "index": 0}]}),
        chunk({"reasoning": "b", "reasoning_details": [{"type": "reasoning.text", "text": "b", "index": 0}]}),
        chunk({"reasoning_details": [{"type": "reasoning.text", "text": "", "signature": "sig", "index": 0}]}),
        tc(0, id="a", name="stori_play", args="{}"),
        chunk(finish="tool_calls"),
    ])  # fmt: skip
    message = acc.finish().assistant_message
    assert message["reasoning_details"] == [
        {"type": "reasoning.text", "text": "ab", "index": 0, "signature": "sig"}
    ]


def test_usage_last_report_wins_and_the_usage_only_chunk_has_no_choices() -> None:
    acc, _ = run([
        chunk({"content": "x"}, usage={"prompt_tokens": 10, "completion_tokens": 1}),
        chunk(finish="stop"),
        chunk(None, usage={"prompt_tokens": 1500, "completion_tokens": 42, "total_tokens": 1542}),
    ])  # fmt: skip
    assert acc.usage == Usage(1500, 42)


def test_assistant_message_hands_malformed_arguments_back_as_an_empty_object() -> None:
    acc, _ = run([tc(0, id="a", name="stori_set_tempo", args='{"tempo":'),
                  tc(1, id="b", name="stori_play", args='{"x": 1}'), chunk(finish="tool_calls")])  # fmt: skip
    message = acc.finish().assistant_message
    assert message["role"] == "assistant" and message["content"] is None
    assert [json.loads(c["function"]["arguments"]) for c in message["tool_calls"]] == [{}, {"x": 1}]
    assert [c["id"] for c in message["tool_calls"]] == ["a", "b"]


def test_plain_answer_without_tools() -> None:
    acc, deltas = run(
        [chunk({"role": "assistant", "content": "Hel"}), chunk({"content": "lo"}), chunk(finish="stop")]
    )
    end = acc.finish()
    assert [d.text for d in deltas] == ["Hel", "lo"]
    assert end.content == "Hello" and end.tool_calls == ()
    assert end.assistant_message == {"role": "assistant", "content": "Hello"}


def test_other_choices_and_garbage_fields_are_ignored() -> None:
    acc, deltas = run([
        {"choices": [{"index": 1, "delta": {"content": "second choice"}}, {"index": 0, "delta": {"content": "ok"}}]},
        {"choices": [{"index": 0, "delta": {"tool_calls": ["not a dict", {"index": 0, "function": "nope"}]}}]},
        {"choices": "garbage"},
        chunk(finish="stop"),
    ])  # fmt: skip
    assert deltas == [ContentDelta("ok")]
    assert acc.finish_reason == "stop"
    assert [c.parse_error for c in acc.tool_calls()] == ["the tool call has no tool name"]
