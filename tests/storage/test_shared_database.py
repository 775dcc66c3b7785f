"""The bot, the CLI and the console share one file: a write waits its turn (bounded), never
fails at once with "database is locked"."""

from __future__ import annotations

import sqlite3
import threading

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
