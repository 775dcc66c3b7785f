"""The bot, the CLI and the console share one file: a write waits its turn (bounded), never
fails at once with "database is locked"."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from storage.db import BUSY_SECONDS, open_database, open_reader


def test_every_connection_waits_for_another_ones_write(tmp_path):
    path = tmp_path / "mv.db"
    db = open_database(path)
    reader = open_reader(path)
    for conn in (db, reader):
        assert conn.execute("pragma busy_timeout").fetchone()[0] == BUSY_SECONDS * 1000


def test_a_write_waits_until_the_other_writer_commits(tmp_path):
    path = tmp_path / "mv.db"
    open_database(path).close()
    bot = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    bot.execute("begin immediate")  # the bot is in the middle of a long write
    bot.execute("insert into audit (at, actor, action, subject) values ('t', 'bot', 'x', 'y')")
    cli = open_database(path)
    waiting = threading.Event()
    done: list[object] = []

    def write() -> None:
        waiting.set()
        try:
            with cli.conn:
                cli.execute(
                    "insert into audit (at, actor, action, subject) values ('t', 'cli', 'x', 'y')"
                )
            done.append("ok")
        except sqlite3.OperationalError as error:
            done.append(error)

    thread = threading.Thread(target=write)
    thread.start()
    waiting.wait()
    thread.join(0.5)  # the CLI's write cannot finish while the bot holds the lock
    assert thread.is_alive() and not done
    bot.execute("commit")
    thread.join(BUSY_SECONDS)
    assert done == ["ok"]
    actors = [row[0] for row in cli.execute("select actor from audit order by id")]
    assert actors == ["bot", "cli"]


def test_a_transaction_that_reads_then_writes_is_never_refused_by_anothers_commit(tmp_path):
    """With a plain (deferred) BEGIN, a transaction that has read and then finds another
    connection committed meanwhile fails at once with "database is locked": no busy wait
    can help it. Ours take the write lock first, so the other writer waits instead."""
    path = tmp_path / "mv.db"
    cli = open_database(path)
    bot = sqlite3.connect(path, timeout=0, isolation_level=None)
    insert = "insert into audit (at, actor, action, subject) values ('t', ?, 'x', 'y')"
    with cli.atomic():
        before = cli.execute("select count(*) from audit").fetchone()[0]
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            bot.execute(insert, ["bot"])  # the bot waits for the CLI (here: gives up at once)
        cli.execute(insert, ["cli"])  # never refused
    bot.execute(insert, ["bot"])  # and then the bot writes
    assert before == 0
    actors = [row[0] for row in cli.execute("select actor from audit order by id")]
    assert actors == ["cli", "bot"]
