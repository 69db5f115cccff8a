"""Write one benchmark's section of docs/benchmarks.md (shared by the scripts that record their own figures)."""

from __future__ import annotations

import textwrap
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(title: str, text: str, doc: Path = DOC) -> None:
    """Replace the section headed `title` (up to the next level-2 heading), or append it. The file is read right
    before it is written, so that another script's section written meanwhile is kept."""
    content = doc.read_text()
    lines = content.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == title), None)
    if start is None:
        doc.write_text(content.rstrip("\n") + "\n\n" + text)
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    rest = "".join(lines[end:])
    doc.write_text("".join(lines[:start]) + text + ("\n" + rest if rest else ""))


def paragraphs(lines: list[str]) -> str:
    """A section's text from its lines: prose wrapped at 120 characters, table rows (starting with "|") kept whole."""
    return "\n".join(line if line.startswith("|") else textwrap.fill(line, 120, break_long_words=False,
                                                                      break_on_hyphens=False)
                     for line in lines) + "\n"


def wrapped(lines: list[str], width: int = 116) -> str:
    """A section's text from its lines, consecutive prose lines joined into paragraphs and wrapped at `width`;
    table rows and headings kept whole (the other sections' way: `paragraphs` wraps each line on its own)."""
    out: list[str] = []
    paragraph: list[str] = []
    for line in [*lines, ""]:
        if line and not line.startswith(("|", "#")):
            paragraph.append(line)
            continue
        if paragraph:
            out.append(textwrap.fill(" ".join(paragraph), width, break_on_hyphens=False, break_long_words=False))
            paragraph = []
        out.append(line)
    return "\n".join(out).rstrip("\n") + "\n"
