"""Reading a SQLite file's b-tree pages as a thief of the file would: raw bytes, no SQL.

Enough of the file format (https://www.sqlite.org/fileformat.html, section 1.6) to
list every cell of a table's b-tree with where its bytes sit in its page: the cell
pointer array gives key order, the byte offset gives the order rows were written in
(SQLite fills a page's content area from the end backwards).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

TABLE_LEAF, TABLE_INTERIOR, INDEX_LEAF, INDEX_INTERIOR = 0x0D, 0x05, 0x0A, 0x02


@dataclass(frozen=True)
class Cell:
    page: int
    offset: int  # of the cell's bytes within its page
    rowid: int | None  # None in a WITHOUT ROWID table (an index b-tree)
    values: tuple


def varint(data: bytes, at: int) -> tuple[int, int]:
    """The varint at `at` and the position after it."""
    value = 0
    for n in range(8):
        byte = data[at + n]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + n + 1
    return (value << 8) | data[at + 8], at + 9


def record(data: bytes, at: int) -> tuple:
    """The column values of the record starting at `at`."""
    header_size, cursor = varint(data, at)
    end, body = at + header_size, at + header_size
    values: list[object] = []
    while cursor < end:
        serial, cursor = varint(data, cursor)
        size = _size(serial)
        raw = data[body : body + size]
        body += size
        values.append(_value(serial, raw))
    return tuple(values)


def _size(serial: int) -> int:
    if serial >= 12:
        return (serial - 12) // 2 if serial % 2 == 0 else (serial - 13) // 2
    return (0, 1, 2, 3, 4, 6, 8, 8, 0, 0)[serial]


def _value(serial: int, raw: bytes) -> object:
    if serial == 0:
        return None
    if 1 <= serial <= 6:
        return int.from_bytes(raw, "big", signed=True)
    if serial == 7:
        return struct.unpack(">d", raw)[0]
    if serial in (8, 9):
        return serial - 8
    return raw if serial % 2 == 0 else raw.decode()


def cells(path: Path, root: int) -> list[Cell]:
    """Every cell holding a row of the b-tree rooted at page `root` (1-based)."""
    data = Path(path).read_bytes()
    (size,) = struct.unpack(">H", data[16:18])
    size = 65536 if size == 1 else size
    found: list[Cell] = []
    pending = [root]
    while pending:
        number = pending.pop()
        page = data[(number - 1) * size : number * size]
        head = 100 if number == 1 else 0
        kind = page[head]
        (count,) = struct.unpack(">H", page[head + 3 : head + 5])
        interior = kind in (TABLE_INTERIOR, INDEX_INTERIOR)
        if interior:
            pending.append(struct.unpack(">I", page[head + 8 : head + 12])[0])
        pointers = head + (12 if interior else 8)
        for n in range(count):
            (offset,) = struct.unpack(">H", page[pointers + 2 * n : pointers + 2 * n + 2])
            at = offset
            if interior:
                pending.append(struct.unpack(">I", page[at : at + 4])[0])
                at += 4
                if kind == TABLE_INTERIOR:
                    continue  # only a rowid to steer by
            _, at = varint(page, at)  # payload size (rows here are small: no overflow)
            rowid = None
            if kind == TABLE_LEAF:
                rowid, at = varint(page, at)
            found.append(Cell(number, offset, rowid, record(page, at)))
    return found


def table_cells(db, path: Path, table: str) -> list[Cell]:
    """The cells of `table`; the root page number is what sqlite_master says."""
    (root,) = db.execute("select rootpage from sqlite_master where name = ?", [table]).fetchone()
    return cells(path, root)


def written_order(found: list[Cell]) -> list[Cell]:
    """Cells in the order their bytes suggest they were written (last page, highest offset
    first within a page: SQLite fills a page from its end)."""
    return sorted(found, key=lambda c: (c.page, -c.offset))


def pages_of(db, path: Path, names: list[str]) -> set[int]:
    """The pages holding the rows of these tables and indexes."""
    return {cell.page for name in names for cell in table_cells(db, path, name)}


def unused_bytes(path: Path, pages: set[int] | None = None) -> list[tuple[int, bytes]]:
    """What is not zero in the unused space of the file's b-tree pages (or of `pages`):
    between a page's cell pointers and its cells, and inside its freeblocks, where
    earlier copies of rows (and of where they sat) survive. (page, bytes) per run."""
    data = path.read_bytes()
    size = struct.unpack(">H", data[16:18])[0]
    size = 65536 if size == 1 else size
    found = []
    for number in range(1, len(data) // size + 1):
        if pages is not None and number not in pages:
            continue
        page = data[(number - 1) * size : number * size]
        at = 100 if number == 1 else 0
        kind = page[at]
        if kind not in (TABLE_LEAF, TABLE_INTERIOR, INDEX_LEAF, INDEX_INTERIOR):
            continue
        header = 8 if kind in (TABLE_LEAF, INDEX_LEAF) else 12
        freeblock, count, content = struct.unpack(">HHH", page[at + 1 : at + 7])
        content = content or 65536
        gap = page[at + header + 2 * count : content]
        if gap.strip(b"\0"):
            found.append((number, gap.strip(b"\0")))
        while freeblock:
            following, length = struct.unpack(">HH", page[freeblock : freeblock + 4])
            inside = page[freeblock + 4 : freeblock + length]
            if inside.strip(b"\0"):
                found.append((number, inside.strip(b"\0")))
            freeblock = following
    return found
