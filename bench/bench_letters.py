"""Time invite letters for a 10,000-member roster, as the officer runs them.

Imports a roster of 10,000 tenants (one in ten with a Welsh, Polish or Arabic name,
every one with a three-line address) into a fresh folder, then runs
`mutual-voice members invite --letters invites.pdf` as a real process and times it.
The target is under 60 seconds. CPU seconds are printed too: on a shared machine
the wall clock also counts time spent waiting for a processor.

Run: python bench/bench_letters.py [MEMBERS]
Prints the figures; asserts nothing (timings belong here, not in tests).
"""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from storage.db import open_database  # noqa: E402

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
TARGET_SECONDS = 60.0
NAMES = ("Siân Llŷr", "Zażółć Gęślą", "سارة الحسيني")
CONFIG = """
[organisation]
name = "Riverside Homes"
contact = "Jo Bloggs at the Riverside office, 01632 960123"

[telegram]
bot_username = "riverside_voice_bot"
"""


def mutual_voice(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MUTUAL_VOICE")}
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )


def write_roster(path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as out:
        roster = csv.writer(out)
        roster.writerow(["member_id", "name", "email", "constituency", "address"])
        for n in range(MEMBERS):
            name = NAMES[n // 10 % 3] if n % 10 == 0 else f"Tenant {n:05d}"
            address = f"Flat {n % 40 + 1}, Oak House|{n % 300 + 1} Oak Road|Leeds LS1 1AA"
            roster.writerow([f"T-{n:05d}", name, "", "tenant", address])


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "mutual-voice.toml").write_text(CONFIG, encoding="utf-8")
        write_roster(folder / "roster.csv")
        open_database(folder / "mutual-voice.db").close()  # as `mutual-voice init` leaves it
        mutual_voice(folder, "members", "import", "roster.csv")

        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = mutual_voice(folder, "members", "invite", "--letters", "invites.pdf")
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)

        size = (folder / "invites.pdf").stat().st_size
        print(result.stdout.strip())
        print(
            f"{MEMBERS:,} letters: {seconds:.1f} s wall, {cpu:.1f} s CPU "
            f"({1000 * seconds / MEMBERS:.1f} ms a letter), {size / 1e6:.1f} MB PDF; "
            f"target < {TARGET_SECONDS:.0f} s: {'met' if seconds < TARGET_SECONDS else 'MISSED'}"
        )
        print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
