"""The link chart's SVG: shared nodes stand out, and text from captured pages is escaped (it is shown in the UI)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from evidence_kit.metadata.links import SHARED, Graph, kind_of, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def graph(value: str) -> Graph:
    return Graph(
        cases=["A", "B"],
        captures=[("A", "cap-1", "http://one.example/"), ("B", "cap-2", 'http://two.example/"><script>')],
        items=[
            {
                "kind": "phone",
                "value": "+359881234567",
                "captures": [("A", "cap-1"), ("B", "cap-2")],
                "shared": True,
                "cross_case": True,
            },
            {"kind": "account", "value": value, "captures": [("A", "cap-1")], "shared": False, "cross_case": False},
        ],
    )


def test_shared_node_is_red_and_names_its_captures() -> None:
    root = ET.fromstring(render_svg(graph("@rose_jobs")))
    texts = {"".join(t.itertext()): t.get("fill") for t in root.iter(f"{SVG}text")}
    shared = next(t for t in texts if t.startswith("phone: +359881234567"))
    assert "(2 captures, several cases)" in shared and texts[shared] == "#8b0000"
    assert texts["account: @rose_jobs"] == "#111"
    assert [c.get("fill") for c in root.iter(f"{SVG}circle")].count(SHARED) == 1
    assert len(list(root.iter(f"{SVG}line"))) == 2 + 3  # case-capture links, then item-capture links


def test_text_from_captured_pages_is_escaped() -> None:
    svg = render_svg(graph('@x"><script>alert(1)</script>'))
    assert "<script" not in svg
    ET.fromstring(svg)  # still one well-formed document


def test_messenger_numbers_are_phones() -> None:
    assert kind_of("viber", "+359881234567") == "phone"
    assert kind_of("email", "a@b.example") == "e-mail"
