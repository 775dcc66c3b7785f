"""Ctrl-C in the console demo ends the session at once: no waiting for Enter, no traceback."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time

from storage.db import open_database
from tests.helpers import ROOT


def read_until(fd: int, wanted: bytes, seconds: float = 60) -> bytes:
    """What the terminal shows, up to `wanted` (or all there is when it is not shown in time)."""
    seen, deadline = b"", time.monotonic() + seconds
    while wanted not in seen and (left := deadline - time.monotonic()) > 0:
        if select.select([fd], [], [], left)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the process has gone and closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def on_the_terminal() -> None:
    """In the child: the terminal on stdin becomes its controlling terminal, as in a shell,
    so that a typed Ctrl-C sends it SIGINT."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_ctrl_c_ends_a_console_session_at_once_with_status_130(tmp_path):
    open_database(tmp_path / "mutual-voice.db").close()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MUTUAL_VOICE")}
    environment["PYTHONPATH"] = str(ROOT)
    terminal, its_end = pty.openpty()  # a real terminal: Ctrl-C is a typed \x03
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=environment,
        stdin=its_end,
        stdout=its_end,
        stderr=its_end,
        preexec_fn=on_the_terminal,
    )
    os.close(its_end)
    try:
        assert b"Ctrl-D to leave" in read_until(terminal, b"Ctrl-D to leave")
        os.write(terminal, b"\x03")
        try:
            status = process.wait(timeout=20)  # before the fix: it waited for Enter
        except subprocess.TimeoutExpired:
            status = None
        shown = read_until(terminal, b"\x00", seconds=1).decode(errors="replace")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(terminal)
    assert status == 130, shown
    assert "Traceback" not in shown and "KeyboardInterrupt" not in shown and "Aborted" not in shown
