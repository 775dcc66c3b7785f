"""Time what the operator's database work costs on a large database: the start-up checks
(quick_check, and trying a leftover -wal on a copy), `mutual-voice backup` (VACUUM INTO)
and a CLI command's added check.

Builds a database with MEMBERS members, as many identities, and five outbox rows each
(a busy month), then times each step in-process.

Run: python bench/bench_database_checks.py [MEMBERS]
Prints the figures; asserts nothing (timings belong here, not in tests).
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage.backup import backup  # noqa: E402
from storage.db import open_database  # noqa: E402
from storage.files import check_database  # noqa: E402

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 67_000


def build(path: Path) -> None:
    db = open_database(path)
    now = datetime.now(UTC).isoformat()
    with db.conn:
        db.conn.executemany(
            "insert into members (member_id, name, email, constituency, created_at) "
            "values (?, ?, ?, 'tenant', ?)",
            [(f"m{n}", f"Member {n}", f"m{n}@example.org", now) for n in range(MEMBERS)],
        )
        db.conn.executemany(
            "insert into identities (platform, platform_user_id, chat_id, member_id, linked_at) "
            "values ('telegram', ?, ?, ?, ?)",
            [(str(n), str(n), f"m{n}", now) for n in range(MEMBERS)],
        )
        db.conn.executemany(
            "insert into outbox (key, platform, chat_id, member_id, payload, status, "
            "not_before, created_at) values (?, 'telegram', ?, ?, ?, 'sent', ?, ?)",
            [
                (f"k{n}:{i}", str(n), f"m{n}", '{"text": "A message of some length"}', now, now)
                for n in range(MEMBERS)
                for i in range(5)
            ],
        )
    db.close()


def timed(what: str, step) -> None:  # noqa: ANN001
    start = time.perf_counter()
    step()
    print(f"{what}: {time.perf_counter() - start:.2f} s")


def leftover_wal(source: Path, target: Path) -> None:
    conn = sqlite3.connect(source)
    conn.execute("pragma wal_autocheckpoint = 0")
    with conn:
        conn.execute("update members set name = name || '.' where rowid % 10 = 0")
    shutil.copyfile(source, target)
    shutil.copyfile(f"{source}-wal", f"{target}-wal")
    conn.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mv.db"
        build(path)
        size = path.stat().st_size
        print(f"{MEMBERS:,} members, database {size / 2**20:.1f} MB")
        timed("quick_check (every CLI command)", lambda: check_database(path, wal=False))
        crashed = Path(folder) / "crashed.db"
        leftover_wal(path, crashed)
        wal = Path(f"{crashed}-wal").stat().st_size
        print(f"leftover -wal after a crash: {wal / 2**20:.1f} MB")
        timed("run's start-up check with that -wal", lambda: check_database(crashed, wal=True))
        timed("backup (VACUUM INTO)", lambda: backup(path, Path(folder) / "saved.db"))


if __name__ == "__main__":
    main()
