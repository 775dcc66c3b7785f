"""The declaration of results as a PDF, with the letters' fonts (bot/invites/letters.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.invites.letters import MARGIN, TEXT_WIDTH, LetterPDF
from handlers.meetings.declaration import lines

SIZES = {"h1": 15.0, "h2": 12.0, "p": 10.0, "row": 8.0}
BOTTOM = 297 - MARGIN


def write_pdf(declared: dict[str, Any], path: Path) -> None:
    """Write the declaration to `path`: headings, paragraphs and tables, page by page."""
    pdf = LetterPDF()
    pdf.set_title(f"Declaration of results: {declared['title']}")
    pdf.add_page()
    y = MARGIN
    for style, text in lines(declared):
        size = SIZES[style]
        bold = "B" if style in ("h1", "h2") else ""
        if style == "row":
            cells = text.split(" | ")
            width = TEXT_WIDTH / len(cells)
            height = size * 0.5
            if y + height > BOTTOM:
                pdf.add_page()
                y = MARGIN
            for n, cell in enumerate(cells):
                pdf.use(bold, size)
                shown = pdf.printable(cell)
                while shown and pdf.get_string_width(shown) > width - 1:
                    shown = shown[:-1]
                pdf.text(MARGIN + n * width, y + height * 0.8, shown)
            y += height
            continue
        wrapped = pdf.wrap(text, size, bold)
        if y + len(wrapped) * size * 0.5 + 2 > BOTTOM:
            pdf.add_page()
            y = MARGIN
        y += 3 if style != "p" else 1.5
        for part in wrapped:
            y = pdf.write_line(y, part, size, bold)
    pdf.output(str(path))
