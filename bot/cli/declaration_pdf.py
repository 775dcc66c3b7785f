"""The declaration of results as a PDF, with the letters' fonts (bot/invites/letters.py)."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path
from typing import Any

from bot.invites.letters import MARGIN, TEXT_WIDTH, LetterPDF
from handlers.meetings.declaration import lines

SIZES = {"h1": 15.0, "h2": 12.0, "p": 10.0, "row": 8.0}
BOTTOM = 297 - MARGIN
GAP = 2.0  # millimetres between a table's columns


def write_pdf(declared: dict[str, Any], path: Path) -> None:
    """Write the declaration to `path` (the CLI's --pdf)."""
    path.write_bytes(pdf_bytes(declared))


def pdf_bytes(declared: dict[str, Any]) -> bytes:
    """The declaration as a PDF (the console's download): headings, paragraphs and
    tables, page by page."""
    pdf = LetterPDF()
    pdf.set_title(f"Declaration of results: {declared['title']}")
    pdf.add_page()
    y = MARGIN
    for is_table, group in groupby(lines(declared), key=lambda line: line[0] == "row"):
        if is_table:
            y = _table(pdf, y, [text.split(" | ") for _, text in group])
            continue
        for style, text in group:
            size = SIZES[style]
            bold = "B" if style in ("h1", "h2") else ""
            wrapped = pdf.wrap(text, size, bold)
            if y + len(wrapped) * size * 0.5 + 3 > BOTTOM:
                pdf.add_page()
                y = MARGIN
            y += 3 if style != "p" else 1.5
            for part in wrapped:
                y = pdf.write_line(y, part, size, bold)
    return bytes(pdf.output())


def _table(pdf: LetterPDF, y: float, rows: list[list[str]]) -> float:
    """A table, its first row bold: each column as wide as its widest cell, all shrunk
    alike to the page's width, and a cell still too wide printed smaller."""
    size = SIZES["row"]
    columns = max(len(row) for row in rows)
    widths = [
        max(pdf.width_of(row[n], size, "B") for row in rows if n < len(row)) + GAP
        for n in range(columns)
    ]
    scale = min(1.0, TEXT_WIDTH / sum(widths))
    widths = [w * scale for w in widths]
    y += 1.5
    for number, row in enumerate(rows):
        style = "B" if number == 0 else ""
        if y + size * 0.5 > BOTTOM:
            pdf.add_page()
            y = MARGIN
        x = MARGIN
        for cell, width in zip(row, widths, strict=False):
            pdf.write_line(y, cell, pdf.fitted(cell, size, style, width - GAP), style, x, width)
            x += width
        y += size * 0.5
    return y
