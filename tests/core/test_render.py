"""The text view of a trace: spans in tree order, whatever order they arrived in."""

from __future__ import annotations

from gravity.render import render_text


def _span(span_id: str, parent: str | None, start: int, name: str) -> dict:
    span = {"traceId": "ab" * 16, "spanId": span_id, "name": name,
            "startTimeUnixNano": start, "endTimeUnixNano": start + 10}
    if parent:
        span["parentSpanId"] = parent
    return span


def _names_in_order(text: str) -> list[str]:
    return [line.split()[1] for line in text.splitlines() if line.startswith("== ")]


def test_parent_before_children_siblings_by_start():
    spans = [
        _span("0000000000000003", "0000000000000001", 300, "second-child"),
        _span("0000000000000004", "0000000000000002", 250, "grandchild"),
        _span("0000000000000002", "0000000000000001", 200, "first-child"),
        _span("0000000000000001", None, 100, "root"),
        _span("0000000000000005", "00000000000000ff", 50, "orphan"),
    ]
    document = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {}, "spans": spans}]}]}

    names = _names_in_order(render_text(document))

    assert names == ["orphan", "root", "first-child", "grandchild", "second-child"]


def test_spans_in_a_parent_cycle_still_shown():
    spans = [
        _span("0000000000000001", "0000000000000002", 100, "a"),
        _span("0000000000000002", "0000000000000001", 200, "b"),
    ]
    document = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {}, "spans": spans}]}]}

    assert _names_in_order(render_text(document)) == ["a", "b"]
