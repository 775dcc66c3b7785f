"""The log: one line per event, a repeated line held back, worldly errors without
tracebacks, JSON on request, the journal's level prefixes under systemd."""

from __future__ import annotations

import io
import json
import logging
import shutil
import sqlite3
from collections import namedtuple

import pytest

import bot.cli
from bot import logs
from bot.cli.state import State
from bot.redaction import Redactor


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def capture():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    handler = logs.configure(logging.INFO, "text", stream)
    yield stream, handler
    root.removeHandler(handler)
    for old in saved[0]:
        root.addHandler(old)
    root.setLevel(saved[1])


def disk_full_error(tmp_path) -> sqlite3.OperationalError:
    conn = sqlite3.connect(tmp_path / "small.db")
    conn.execute("create table t (x)")
    conn.execute("pragma max_page_count = 3")
    try:
        with conn:
            conn.executemany("insert into t values (?)", [("x" * 1000,)] * 100)
    except sqlite3.OperationalError as error:
        return error
    raise AssertionError("the database did not fill up")


def test_a_full_disk_gives_one_line_a_minute_not_a_flood(tmp_path, capture):
    stream, handler = capture
    ticks = Ticks()
    for one in handler.filters:
        if isinstance(one, logs.RateLimit):
            one.clock = ticks
    error = disk_full_error(tmp_path)
    log = logging.getLogger("bot.engine")
    for n in range(3000):  # 41 s of failing writes from every corner of the bot
        ticks.now = n * 41 / 3000
        try:
            raise error
        except sqlite3.OperationalError:
            logging.getLogger(["bot.engine", "bot.outbox", "bot.scheduler"][n % 3]).exception(
                "handling event %d failed", n
            )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "disk full: the bot cannot write to its database" in lines[0]
    ticks.now = 61
    try:
        raise error
    except sqlite3.OperationalError:
        log.exception("handling event failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "(2999 more like this held back)" in lines[1]


def test_other_lines_are_not_held_back(capture):
    stream, _ = capture
    log = logging.getLogger("bot.test")
    for n in range(5):
        log.warning("member %d did something", n)  # the same wording: held back
        log.info("delivered %d", n)  # info is never held back
    log.warning("something else")
    lines = stream.getvalue().splitlines()
    assert sum("did something" in line for line in lines) == 1
    assert sum("delivered" in line for line in lines) == 5
    assert "something else" in lines[-1]


def test_network_errors_are_one_line_and_bugs_keep_their_traceback(capture):
    stream, _ = capture
    log = logging.getLogger("bot.test")
    try:
        raise ConnectionRefusedError(111, "Connection refused")
    except OSError:
        log.exception("telegram: polling failed")
    try:
        {}["missing"]
    except KeyError:
        log.exception("handling failed")
    text = stream.getvalue()
    first, *rest = text.splitlines()
    assert first.endswith(
        "telegram: polling failed: ConnectionRefusedError: [Errno 111] Connection refused"
    )
    assert "Traceback" in text and "KeyError: 'missing'" in text and "handling failed" in rest[0]


def test_json_lines(tmp_path):
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    handler = logs.configure(logging.INFO, "json", stream)
    try:
        logging.getLogger("bot.outbox").warning("telegram: unreachable since %s", "10:00")
    finally:
        root.removeHandler(handler)
        for old in saved[0]:
            root.addHandler(old)
        root.setLevel(saved[1])
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "WARNING" and entry["logger"] == "bot.outbox"
    assert entry["message"] == "telegram: unreachable since 10:00"


def test_under_systemd_lines_carry_the_journal_level(monkeypatch):
    monkeypatch.setenv("JOURNAL_STREAM", "8:1234")
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    handler = logs.configure(logging.INFO, "text", stream)
    try:
        logging.getLogger("bot").error("it failed")
        logging.getLogger("bot").info("it worked")
    finally:
        root.removeHandler(handler)
        for old in saved[0]:
            root.addHandler(old)
        root.setLevel(saved[1])
    assert stream.getvalue().splitlines() == ["<3>ERROR bot: it failed", "<6>INFO bot: it worked"]


def test_json_keeps_a_bugs_traceback_redacted():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    handler = logs.configure(logging.INFO, "json", stream)
    handler.addFilter(Redactor(["secret-token-123"]))  # as the app adds it
    try:
        try:
            raise KeyError("secret-token-123")
        except KeyError:
            logging.getLogger("bot.engine").exception("handling failed")
    finally:
        root.removeHandler(handler)
        for old in saved[0]:
            root.addHandler(old)
        root.setLevel(saved[1])
    entry = json.loads(stream.getvalue())
    assert "KeyError: '***'" in entry["traceback"] and "secret-token-123" not in stream.getvalue()


def test_an_io_error_on_a_full_disk_is_called_disk_full(tmp_path, monkeypatch, capsys):
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = 10  # SQLITE_IOERR, as some writes on a full disk report it
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(State, "last_database", tmp_path / "mv.db")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9, 4096))

    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr(bot.cli.cli, "main", fails)
    with pytest.raises(SystemExit):
        bot.cli.main()
    assert "disk full" in capsys.readouterr().err
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 0, 10**9))
    with pytest.raises(SystemExit):
        bot.cli.main()
    assert capsys.readouterr().err == "mutual-voice: database error: disk I/O error\n"
