"""The README renders as its author meant: every table one table (a blank line inside one
turns the rest into raw `| … |` text), and every link to a section names a heading that exists."""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

README = Path(__file__).resolve().parent.parent / "README.md"


def _tokens() -> list[Token]:
    # CommonMark with GitHub's tables, as GitHub and most renderers read a README.
    return MarkdownIt("commonmark").enable("table").parse(README.read_text())


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`|\*\*|\*", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_every_table_renders_as_a_table_not_as_raw_text() -> None:
    tokens = _tokens()
    raw = [
        f"line {inline.map[0] + 1 if inline.map else '?'}: {inline.content[:60]!r}"
        for opening, inline in zip(tokens, tokens[1:], strict=False)
        if opening.type == "paragraph_open" and inline.type == "inline" and inline.content.lstrip().startswith("|")
    ]
    assert not raw, "table rows rendered as text (a blank line inside a table?):\n" + "\n".join(raw)
    assert sum(t.type == "table_open" for t in tokens) >= 3


def test_each_table_row_has_as_many_cells_as_its_header() -> None:
    """A renderer drops the cells past the header's count (and pads short rows) without a
    word, so the source is counted: a `|` inside a cell must be escaped (`\\|`)."""
    lines = README.read_text().splitlines()
    wrong = []
    for table in (t for t in _tokens() if t.type == "table_open" and t.map):
        start, end = table.map
        cells = [len(re.split(r"(?<!\\)\|", lines[i].strip().strip("|"))) for i in range(start, end)]
        wrong += [f"line {start + i + 1}: {n} cells, header {cells[0]}" for i, n in enumerate(cells) if n != cells[0]]
    assert not wrong, "\n".join(wrong)


def test_every_link_to_a_section_names_a_heading_that_exists() -> None:
    tokens = _tokens()
    headings = {
        _slug(inline.content)
        for opening, inline in zip(tokens, tokens[1:], strict=False)
        if opening.type == "heading_open"
    }
    links = set(re.findall(r"\]\(#([^)]+)\)", README.read_text()))
    assert links, "the README links to its sections"
    assert not links - headings, f"links to no heading: {sorted(links - headings)}"
