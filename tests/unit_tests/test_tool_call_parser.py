"""The prompted tool call parser, on a corpus of realistic replies."""

from __future__ import annotations

import json

import pytest

from langchain_replicate._tool_use.call_parser import (
    ToolCallStreamParser,
    merge_deltas,
    parse_tool_calls,
)
from tests.unit_tests.tool_reply_corpus import CORPUS, TOOLS, Reply


def _whole(reply: Reply) -> object:
    return parse_tool_calls(reply.raw, TOOLS, forced=reply.forced, id_prefix="t")


@pytest.mark.parametrize("reply", CORPUS, ids=lambda r: r.id)
def test_corpus_reply_parses_to_its_calls(reply: Reply) -> None:
    parsed = parse_tool_calls(reply.raw, TOOLS, forced=reply.forced, id_prefix="t")
    assert parsed.content == reply.content
    assert [(c["name"], c["args"]) for c in parsed.tool_calls] == reply.calls
    assert len(parsed.invalid_tool_calls) == reply.invalid
    ids = [c["id"] for c in [*parsed.tool_calls, *parsed.invalid_tool_calls]]
    assert ids == [f"t{i}" for i in range(len(ids))]


@pytest.mark.parametrize("reply", CORPUS, ids=lambda r: r.id)
def test_streaming_in_every_split_gives_the_whole_result(reply: Reply) -> None:
    whole = _whole(reply)
    raw = reply.raw
    for cut in range(len(raw) + 1):
        parser = ToolCallStreamParser(TOOLS, forced=reply.forced, id_prefix="t")
        deltas = [parser.feed(raw[:cut]), parser.feed(raw[cut:]), parser.finish()]
        assert merge_deltas(deltas) == whole, f"split at {cut}: {raw[:cut]!r}"
    parser = ToolCallStreamParser(TOOLS, forced=reply.forced, id_prefix="t")
    deltas = [parser.feed(char) for char in raw] + [parser.finish()]
    assert merge_deltas(deltas) == whole


def test_tool_call_chunk_comes_as_soon_as_the_name_is_known() -> None:
    parser = ToolCallStreamParser(TOOLS, id_prefix="t")
    first = parser.feed('Sure.\n<tool_call>\n{"name": "get_weather", "arguments": ')
    assert first.text == "Sure."
    assert first.tool_call_chunks == []
    head = parser.feed('{"city": "Pa')
    assert [
        (c["name"], c["id"], c["index"], c["args"]) for c in head.tool_call_chunks
    ] == [("get_weather", "t0", 0, '{"city": "Pa')]
    rest = parser.feed('ris"}}\n</tool_call>')
    assert "".join(c["args"] or "" for c in rest.tool_call_chunks) == 'ris"}'
    assert parser.finish().text == ""


def test_text_is_released_as_soon_as_it_cannot_start_a_call() -> None:
    parser = ToolCallStreamParser(TOOLS, id_prefix="t")
    assert parser.feed("a <").text == "a"
    assert parser.feed("b> and").text == " <b> and"
    assert parser.feed(" more ").text == " more"
    assert parser.feed("{").text == " {"  # not at the start of a line
    assert parser.feed("\n").text == ""
    assert parser.feed("{x").text == ""  # held: may be a bare JSON call
    assert parser.feed("} done").text == "\n{x} done"
    assert parser.finish().text == ""


def test_unknown_tool_in_a_tag_is_still_a_call_and_unknown_bare_json_is_text() -> None:
    tagged = parse_tool_calls(
        '<tool_call>{"name": "nope", "arguments": {"a": 1}}</tool_call>', TOOLS
    )
    assert [(c["name"], c["args"]) for c in tagged.tool_calls] == [("nope", {"a": 1})]
    bare = parse_tool_calls('{"name": "nope", "arguments": {"a": 1}}', TOOLS)
    assert bare.tool_calls == []
    assert bare.content == '{"name": "nope", "arguments": {"a": 1}}'


def test_unreadable_call_keeps_its_text_for_the_invalid_tool_call() -> None:
    parsed = parse_tool_calls(
        '<tool_call>{"name": "search", "arguments": [1, 2]}</tool_call>', TOOLS
    )
    assert parsed.tool_calls == []
    (invalid,) = parsed.invalid_tool_calls
    assert invalid["name"] == "search"
    assert '"arguments": [1, 2]' in json.loads(invalid["args"] or "")


def test_default_ids_are_unique_per_reply() -> None:
    raw = '<tool_call>{"name": "search", "arguments": {}}</tool_call>'
    first = parse_tool_calls(raw, TOOLS).tool_calls[0]["id"]
    second = parse_tool_calls(raw, TOOLS).tool_calls[0]["id"]
    assert first
    assert second
    assert first != second
