"""Running the bot: the console session, or the platform adapters on one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TextIO

import click

from bot import demo
from bot.adapters.console import COUNCIL_CHAT, Console
from bot.app import App
from bot.clock_watch import ClockWatch, boot_id, since_boot, since_last_run, span
from bot.outbox import Pace
from bot.scheduler import Scheduler
from handlers.context import system_clock
from handlers.messages import Message, Recipient
from storage import health, members, outbox
from storage import jobs as job_runs
from storage.db import file_of
from storage.timestamps import iso
from storage.wal_keeper import WalKeeper
from surveys.pulses import sentiment

log = logging.getLogger(__name__)

NOTE_SECONDS = 5.0  # how often the running bot notes the clock for the next start


async def run_console(app: App, member_id: str | None, stdin: TextIO, out: TextIO) -> None:
    """Talk to the bot as one member until the input ends."""
    member_id = member_id or demo.default_member(app.ctx)
    if not member_id:
        raise click.ClickException(
            "say who you are: mutual-voice run --as MEMBER_ID (see: mutual-voice members list)"
        )
    row = members.get(app.db, member_id)
    if row is None:
        raise click.ClickException(
            f"no member with id {member_id!r} (see: mutual-voice members list)"
        )
    if row["erased_at"]:
        raise click.ClickException(
            f"{member_id!r} was erased on {row['erased_at'][:10]}: speak as someone else with "
            "mutual-voice run --as MEMBER_ID (see: mutual-voice members list)"
        )
    demo.link_console(app.ctx, member_id)
    console = Console(app.engine, member_id, out)
    sender = app.add_sender(
        demo.CONSOLE,
        console.deliver,
        Pace(rate_per_second=1000, per_chat_seconds=0),
        chats=(member_id, COUNCIL_CHAT),
    )
    sender.recover()
    # Scheduled work (closing votes, reminders, nudges) happens between lines, as it
    # would in the running bot.
    scheduler = Scheduler(app.ctx, app.postman, app.settings.scheduler.tick_seconds)
    interactive = stdin.isatty()
    if interactive:
        out.write(f"You are {row['name']} ({member_id}). Type /help to begin; Ctrl-D to leave.\n\n")
    with ctrl_c_ends_the_session() as pressed:
        await console.converse(
            stdin, sender, echo=not interactive, between=scheduler.run_due, interrupted=pressed
        )


@contextlib.contextmanager
def ctrl_c_ends_the_session() -> Iterator[Callable[[], bool]]:
    """Ctrl-C ends the console session at once (as KeyboardInterrupt), whatever it is
    doing. The handler cancels the session and notes the press, and the session looks at
    the note between lines too: under load, a cancel that landed while the first messages
    were being delivered was lost, and the session went on."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    pressed = False

    def press() -> None:
        nonlocal pressed
        pressed = True
        if task is not None:
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, press)
    except (ValueError, RuntimeError):  # not the main thread: Ctrl-C is not ours to take
        yield lambda: False
        return
    try:
        yield lambda: pressed
    except asyncio.CancelledError:
        if pressed:
            raise KeyboardInterrupt from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def clock_watch(app: App) -> ClockWatch | None:
    """Start watching the wall clock (bot/clock_watch.py), telling of a step made while the
    bot was stopped; before the first tick, so that no vote closes early on it. None with
    a test's clock, which moves only when the test says so."""
    if app.clock is not system_clock:
        return None

    def tell(text: str, title: str, key: str) -> None:
        app.postman.post([Message(Recipient.staff_council(), text, title=title, key=key)])

    def set_back(jump: timedelta, while_: str = "running") -> None:
        now = app.clock()
        outbox.clock_set_back(app.db, jump, now)
        job_runs.clock_set_back(app.db, now)
        health.clock_moved(app.db, now, -jump, while_)
        if app.scheduler is not None:
            app.scheduler.nudge()
        for sender in app.senders.values():
            sender.wake()
        tell(
            f"The bot's clock was set back by {span(jump)}"
            + (" while the bot was stopped" if while_ == "stopped" else "")
            + f"; it now says {now:%Y-%m-%d %H:%M} UTC. Scheduled work carries on from the "
            "new time and nothing due is skipped. Please check the machine's time "
            "(timedatectl).",
            "The bot's clock was set back",
            f"clock:back:{iso(now)}",
        )

    def forward(jump: timedelta, while_: str = "running") -> None:
        now = app.clock()
        health.clock_moved(app.db, now, jump, while_)
        tell(
            f"The bot's clock jumped forward by {span(jump)}"
            + (" while the bot was stopped" if while_ == "stopped" else "")
            + f"; it now says {now:%Y-%m-%d %H:%M} UTC. No vote closes before its closing "
            "time has passed on a clock that did not jump; scheduled messages follow the "
            "new time. Please check the machine's time (timedatectl).",
            "The bot's clock jumped",
            f"clock:forward:{iso(now)}",
        )

    jump, ahead = since_last_run(health.clock_seen(app.db), app.clock(), boot_id(), since_boot())
    if jump > timedelta(0):
        log.warning(
            "the clock jumped forward by %s while the bot was stopped: nothing closes before "
            "its time has passed on a clock that did not jump (check the machine's time)",
            span(jump),
        )
        forward(jump, "stopped")
    elif jump < timedelta(0):
        log.warning(
            "the clock was set back by %s while the bot was stopped: scheduled work and "
            "waiting messages carry on from the new time (check the machine's time)",
            span(jump),
        )
        set_back(-jump, "stopped")
    watch = ClockWatch(app.clock, on_back=set_back, on_forward=forward, ahead=ahead)
    app.ctx.trusted = watch.trusted
    note_clock(app, watch)
    return watch


def note_clock(app: App, watch: ClockWatch) -> None:
    """Keep what the next start compares the clock with (`clock_watch.since_last_run`)."""
    health.note_clock(app.db, app.clock(), boot_id(), since_boot(), watch.wall() - watch.trusted())


async def watch_the_clock(
    app: App, watch: ClockWatch | None, stop: asyncio.Event, every: float = 1.0
) -> None:
    """Notice the wall clock being set while the bot runs; note it every `NOTE_SECONDS`."""
    if watch is None:
        return
    noted = time.monotonic()
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        try:
            watch.check()
            if stop.is_set() or time.monotonic() - noted >= NOTE_SECONDS:
                note_clock(app, watch)
                noted = time.monotonic()
        except Exception:  # never let the watch stop the bot
            log.exception("watching the clock failed")


async def run_platforms(app: App, stop: asyncio.Event | None = None) -> None:
    """Start every configured platform adapter, run until SIGINT/SIGTERM (or `stop`), stop
    cleanly."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    # Loading TextBlob's lexicon takes seconds; done now in a thread, the first comment or
    # suggestion does not hold up everyone's messages while it loads.
    warming = loop.run_in_executor(None, sentiment.polarity, "warming up")
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    adapters = []
    scheduler = app.scheduler = Scheduler(app.ctx, app.postman, app.settings.scheduler.tick_seconds)
    path = file_of(app.db)
    keeper = scheduler.wal_keeper = WalKeeper(app.db, path) if path else None
    if keeper:
        keeper.start()
    try:
        for platform in app.settings.platforms:
            module = importlib.import_module(f"bot.adapters.{platform}.adapter")
            adapters.append(await module.start(app, stop))
            log.info("%s connected", platform)
        if app.settings.web.enabled:
            from bot.web.server import Console

            adapters.append(Console(app))
            await adapters[-1].start()
        watch = clock_watch(app)  # before the first tick: a step while stopped holds closes
        scheduler.start()
        watching = asyncio.create_task(watch_the_clock(app, watch, stop))
        await stop.wait()
        await watching
    finally:
        await warming
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await scheduler.stop()
        for adapter in reversed(adapters):
            await adapter.stop()
        if keeper:
            keeper.stop()
