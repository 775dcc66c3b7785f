"""A debugging hook that proves closes survive a hard kill at any statement.

With `MUTUAL_VOICE_KILL_AT=N` in the environment, the process sends itself SIGKILL just
before the Nth SQL statement run while a close is under way (`phase` is set), after
printing the statement's number, the phase and the statement to standard error. With
`MUTUAL_VOICE_KILL_AT=count` it prints, at exit, how many statements each phase ran.
Unset (always, in service), `watch` does nothing and `phase` costs an assignment.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
from collections import Counter

from sqlite_utils import Database

ENV = "MUTUAL_VOICE_KILL_AT"
_setting = os.environ.get(ENV, "")
_countdown = int(_setting) if _setting.isdigit() else None
_counting = _setting == "count"
_seen: Counter[str] = Counter()
_order: list[str] = []
phase: str | None = None  # what the close is doing now (None: no close under way)


def at(name: str | None) -> None:
    """The close machinery says what it does next."""
    global phase
    phase = name


def watch(db: Database) -> None:
    """Count (or kill at) the statements of closes run on `db`, if the hook is armed."""
    if _countdown is not None or _counting:
        db.conn.set_trace_callback(_statement)


def _statement(sql: str) -> None:
    global _countdown
    if phase is None:
        return
    if _counting:
        if phase not in _seen:
            _order.append(phase)
        _seen[phase] += 1
        return
    assert _countdown is not None
    _countdown -= 1
    if _countdown == 0:
        text = " ".join(sql.split())[:80]
        print(f"KILLED at statement {_setting} in phase {phase!r}: {text}", file=sys.stderr)
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)


@atexit.register
def _report() -> None:
    if _counting:
        for name in _order:
            print(f"PHASE {_seen[name]} {name}", file=sys.stderr)
