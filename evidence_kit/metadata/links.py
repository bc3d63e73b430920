"""The link chart: selectors and photos joined to the captures and cases they appear in, drawn as SVG.

People would rather look than read: the phone number three captures in two cases share should stand out
at a glance. The graph is built only from what :func:`evidence_kit.metadata.search.list_selectors` and the
checked index give (so a case whose index does not check is left out, and named), and drawn server-side
in three columns (cases, captures, what they hold) with no script: the web UI shows it, and the export
report can embed the same SVG.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from ..config import Settings

# Which selector kinds become nodes (accounts of any platform count as accounts).
PEOPLE_KINDS = {"phone": "phone", "email": "e-mail", "wallet": "wallet", "iban": "IBAN"}
MAX_ITEMS = 80  # beyond this the chart would not be read; the rest are counted in ``left_out_items``
COLOURS = {
    "case": "#1d3557",
    "capture": "#2a6f97",
    "phone": "#7b2cbf",
    "e-mail": "#9d4edd",
    "account": "#386641",
    "wallet": "#bc6c25",
    "IBAN": "#bc6c25",
    "photo": "#6c584c",
}
SHARED = "#c1121f"


@dataclass
class Graph:
    cases: list[str] = field(default_factory=list)
    captures: list[tuple[str, str, str]] = field(default_factory=list)  # (case id, capture id, label)
    items: list[dict[str, Any]] = field(default_factory=list)  # {kind, value, captures: [(case, capture)], shared}
    left_out: dict[str, str] = field(default_factory=dict)
    left_out_items: int = 0


def build_graph(settings: Settings, case_ids: list[str] | None = None, only_captures: set[str] | None = None) -> Graph:
    """Every selector and photo of the chosen cases (default: all) with the captures holding them.

    ``only_captures``: keep only these captures (a bundle's report charts the captures it holds, nothing else).
    """
    from ..case import Case
    from . import index
    from .search import IndexDisagrees, _ledger, list_selectors

    graph = Graph()
    found: dict[tuple[str, str], set[tuple[str, str]]] = {}
    labels: dict[tuple[str, str], str] = {}  # capture -> the address it was captured from
    for case_id in case_ids if case_ids is not None else Case.list_ids(settings):
        try:
            summaries = list_selectors(settings, case_id, cross_case=False)
        except IndexDisagrees as exc:
            graph.left_out[case_id] = str(exc)
            continue
        graph.cases.append(case_id)
        for summary in summaries:
            kind = kind_of(summary.kind, summary.value)
            if kind is None:
                continue
            for place in summary.places:
                if place.capture_id and (only_captures is None or place.capture_id in only_captures):
                    found.setdefault((kind, summary.value), set()).add((case_id, place.capture_id))
                    labels.setdefault((case_id, place.capture_id), place.url or place.capture_id)
        with index.read_only(_ledger(settings, case_id)) as connection:
            if connection is not None:
                for row in index.query(
                    # md_media has a row per capture a photo came in (md_images one per photo); the
                    # screenshots are in md_images only, so they are not charted.
                    connection,
                    "SELECT DISTINCT m.blake3, m.capture_id, m.url FROM md_media m"
                    " JOIN md_images i ON i.blake3 = m.blake3 WHERE m.capture_id IS NOT NULL",
                ):
                    if only_captures is not None and row["capture_id"] not in only_captures:
                        continue
                    found.setdefault(("photo", row["blake3"]), set()).add((case_id, row["capture_id"]))
                    labels.setdefault((case_id, row["capture_id"]), row["url"] or row["capture_id"])
    captures: dict[tuple[str, str], str] = {}
    ranked = sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    graph.left_out_items = max(0, len(ranked) - MAX_ITEMS)
    for (kind, value), places in ranked[:MAX_ITEMS]:
        cases = {c for c, _ in places}
        graph.items.append(
            {
                "kind": kind,
                "value": value,
                "captures": sorted(places),
                "shared": len(places) > 1,
                "cross_case": len(cases) > 1,
            }
        )
        for where in places:
            captures[where] = where[1]
    graph.captures = sorted((c, cap, labels.get((c, cap), cap)) for (c, cap) in captures)
    return graph


def kind_of(selector_kind: str, value: str) -> str | None:
    """The node kind of a selector: a messenger's number is the phone it is (one node for one number).

    >>> kind_of("whatsapp", "+359881234567"), kind_of("telegram", "@rose_jobs"), kind_of("url", "http://x")
    ('phone', 'account', None)
    """
    if selector_kind in PEOPLE_KINDS:
        return PEOPLE_KINDS[selector_kind]
    if value.startswith("+"):
        return "phone"
    return "account" if value.startswith("@") else None


def _label(kind: str, value: str) -> str:
    if kind == "photo":
        return value.split(":", 1)[-1][:12] + "…"
    return value if len(value) <= 34 else value[:33] + "…"


def render_svg(graph: Graph, width: int = 1100) -> str:
    """The chart as one self-contained SVG document (text escaped; no script, no external reference)."""
    row = 26
    rows = max(len(graph.cases), len(graph.captures), len(graph.items), 1)
    top = 74  # the first row, below the column headings and the legend
    height = top + 10 + rows * row
    x_case, x_capture, x_item = 20, width * 0.30, width * 0.62
    y_capture = {(c, cap): top + i * row for i, (c, cap, _) in enumerate(graph.captures)}
    y_case = {}
    for i, case_id in enumerate(graph.cases):  # each case beside the middle of its captures
        ys = [y for (c, _), y in y_capture.items() if c == case_id]
        y_case[case_id] = sum(ys) // len(ys) if ys else top + i * row
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        ' role="img" aria-labelledby="link-chart-title" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">',
        '<title id="link-chart-title">Link chart: selectors and photos joined to the captures and cases that hold'
        " them; shared ones in red</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<text x="{x_case}" y="30" font-weight="bold" fill="#111">Cases</text>',
        f'<text x="{x_capture}" y="30" font-weight="bold" fill="#111">Captures</text>',
        f'<text x="{x_item}" y="30" font-weight="bold" fill="#111">Accounts, phones, e-mails, wallets, photos</text>',
        f'<text x="{x_item}" y="50" fill="{SHARED}">red: in more than one capture</text>',
    ]
    if not graph.items:
        parts.append(f'<text x="{x_case}" y="{top}" fill="#333">No selectors or photos found yet.</text>')
    lines, nodes = [], []
    labels = {(c, cap): label for c, cap, label in graph.captures}
    for (case_id, capture_id), y in y_capture.items():
        if case_id in y_case:
            lines.append(
                f'<line x1="{x_case + 170}" y1="{y_case[case_id] - 4}" x2="{x_capture - 6}" y2="{y - 4}"'
                ' stroke="#8d99ae" stroke-width="1"/>'
            )
        nodes.append(
            f'<circle cx="{x_capture - 6}" cy="{y - 4}" r="4" fill="{COLOURS["capture"]}"/>'
            f'<text x="{x_capture + 4}" y="{y}" fill="#111"><title>{escape(capture_id)}</title>'
            f"{escape(_label('capture', labels[(case_id, capture_id)]))}</text>"
        )
    for i, item in enumerate(graph.items):
        y = top + i * row
        colour = SHARED if item["shared"] else COLOURS.get(item["kind"], "#333")
        weight = "bold" if item["shared"] else "normal"
        for place in item["captures"]:
            if tuple(place) in y_capture:
                lines.append(
                    f'<line x1="{x_capture + 230}" y1="{y_capture[tuple(place)] - 4}" x2="{x_item - 6}" y2="{y - 4}"'
                    f' stroke="{colour}" stroke-width="{2.5 if item["shared"] else 1}"'
                    f' stroke-opacity="{0.9 if item["shared"] else 0.5}"/>'
                )
        note = f" ({len(item['captures'])} captures{', several cases' if item['cross_case'] else ''})"
        nodes.append(
            f'<circle cx="{x_item - 6}" cy="{y - 4}" r="{6 if item["shared"] else 4}" fill="{colour}"/>'
            f'<text x="{x_item + 4}" y="{y}" fill="{"#8b0000" if item["shared"] else "#111"}" font-weight="{weight}">'
            f"{escape(item['kind'])}: {escape(_label(item['kind'], item['value']))}"
            f"{escape(note) if item['shared'] else ''}</text>"
        )
    for case_id, y in y_case.items():
        nodes.append(
            f'<rect x="{x_case}" y="{y - 16}" width="170" height="22" rx="4" fill="{COLOURS["case"]}"/>'
            f'<text x="{x_case + 8}" y="{y}" fill="#ffffff">{escape(_label("case", case_id))}</text>'
        )
    if graph.left_out_items:
        parts.append(
            f'<text x="{x_item}" y="{height - 10}" fill="#333">… and {graph.left_out_items} more not drawn</text>'
        )
    return "".join([*parts, *lines, *nodes, "</svg>"])


def chart_of_bundle(settings: Settings, case_id: str, capture_ids: set[str]) -> str | None:
    """The chart for an export report: this case's captures in the bundle only (no other case is named).

    None when there is nothing to draw or the case's index does not check (the report then has no chart).
    """
    graph = build_graph(settings, [case_id], only_captures=capture_ids)
    if graph.left_out or not graph.items:
        return None
    return render_svg(graph)
