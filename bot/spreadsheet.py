"""CSV files that officers open in a spreadsheet: every one the product writes goes here.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
Excel and LibreOffice (`=HYPERLINK(...)` in a member's name would run when opened), so
it gets a leading apostrophe, which both show as text and hide. The file is UTF-8 with
a byte-order mark: without one, Excel reads it in the computer's code page and "Siân"
shows as "SiÃ¢n".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[Any]]) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        table = csv.writer(out)
        table.writerow([cell(h) for h in header])
        table.writerows([cell(v) for v in row] for row in rows)


def csv_bytes(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """The same file as `write_csv`, in memory (for a download)."""
    text = io.StringIO(newline="")
    table = csv.writer(text)
    table.writerow([cell(h) for h in header])
    table.writerows([cell(v) for v in row] for row in rows)
    return text.getvalue().encode("utf-8-sig")
