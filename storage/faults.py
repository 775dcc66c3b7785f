"""A debugging hook that proves closes survive a hard kill at any statement.

With `MUTUAL_VOICE_KILL_AT=N` in the environment, the process sends itself SIGKILL just
before the Nth SQL statement run while a close is under way (`phase` is set), after
printing the statement's number, the phase and the statement to standard error; with
`MUTUAL_VOICE_KILL_AT=N@PHASE`, before the Nth statement of the phase named PHASE (a
point that does not move when an earlier phase runs more or fewer statements). With
`MUTUAL_VOICE_KILL_AT=count` it prints, at exit, how many statements each phase ran.
Only the statements of the task that set the phase count (in the running bot, a sender
delivering while a close pauses between parts does not), and with
`MUTUAL_VOICE_KILL_PHASES=glob,glob` only those of phases matching one of the patterns
(e.g. `round*,vote*,pulse*` leaves out the cron jobs' claims, which every tick makes).
Unset (always, in service), `watch` does nothing and `phase` costs an assignment.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import signal
import sys
from collections import Counter
from fnmatch import fnmatchcase

from sqlite_utils import Database

ENV = "MUTUAL_VOICE_KILL_AT"
_setting = ""
_countdown: int | None = None
_in_phase: str | None = None  # count only this phase's statements (N@PHASE)
_counting = _armed = False
_only: list[str] = []
_owner: object = None  # the task that set the phase (None outside an event loop)
_seen: Counter[str] = Counter()
_order: list[str] = []
phase: str | None = None  # what the close is doing now (None: no close under way)


def arm() -> None:
    """Read the settings from the environment: at import, and again in a process forked
    from one that imported this (tests/process/zygote.py)."""
    global _setting, _countdown, _in_phase, _counting, _armed, _only
    _setting = os.environ.get(ENV, "")
    number, _, name = _setting.partition("@")
    _countdown = int(number) if number.isdigit() else None
    _in_phase = name or None
    _counting = _setting == "count"
    _armed = _countdown is not None or _counting
    _only = [p for p in os.environ.get("MUTUAL_VOICE_KILL_PHASES", "").split(",") if p]


arm()


def at(name: str | None) -> None:
    """The close machinery says what it does next."""
    global phase, _owner
    phase = name
    if _armed:
        _owner = _task()


def _task() -> object:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no event loop: the command line
        return None


def watch(db: Database) -> None:
    """Count (or kill at) the statements of closes run on `db`, if the hook is armed."""
    if _armed:
        db.conn.set_trace_callback(_statement)


def _statement(sql: str) -> None:
    global _countdown
    if phase is None or _task() is not _owner:
        return
    if _only and not any(fnmatchcase(phase, pattern) for pattern in _only):
        return
    if _in_phase is not None and phase != _in_phase:
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
        number = _setting.partition("@")[0]
        print(f"KILLED at statement {number} in phase {phase!r}: {text}", file=sys.stderr)
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)


@atexit.register
def _report() -> None:
    if _counting:
        for name in _order:
            print(f"PHASE {_seen[name]} {name}", file=sys.stderr)
