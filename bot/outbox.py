"""The sender: drains one platform's outbox rows at the pace the platform allows.

It honours a global rate (adapting it when the platform answers 429), a minimum gap
per chat, the platform's retry-after, and quiet hours. Everything it knows is in the
outbox table, so a restart resumes where it stopped. Replies are claimed ahead of
broadcasts, and broadcasts only half a second's worth at a time, so a member's reply
never waits behind a mass send. Asked to stop, it stops within a delivery, giving back
what it had claimed but not sent: the backlog waits in the outbox for the next start.

A hard kill (SIGKILL, a power cut) loses nothing and sends again only what was in flight:
a platform has no idempotency key, so a send whose answer never came back, or came back
but was not yet noted, is sent again at the next start. Each row is marked sent in its
own commit the moment its answer returns, and only as many sends are in flight as the
platform's answer time needs to keep up with the rate (`window`): one while the platform
answers within two thirds of an interval (22 ms at 30 messages/s), so a kill then doubles
at most one message; on a slower link more, up to `Pace.concurrency` (each widening is
logged, with the most a kill can then double). bench/bench_telegram.py --latency shows it.

Pacing, pauses and per-chat gaps follow a monotonic clock, so a wall clock set back or
forward neither stalls nor bursts; quiet hours and due times follow the wall clock.
Time comes from injected clocks and sleep, so tests never wait.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
import statistics
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.adaptive_rate import AdaptiveRate
from bot.reachability import Reachability
from handlers.i18n import SEALED_LOST, translator
from handlers.messages import Message, Recipient
from handlers.quiet_hours import quiet_until
from handlers.settings import QuietHours
from storage import members, outbox
from storage.outbox import Row

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a platform said about one delivery."""

    ref: str | None = None
    retry_after: float | None = None
    unreachable: str | None = None
    error: str | None = None
    permanent: bool = False
    # Not sent yet and not refused: wait until then (e.g. WhatsApp's 24-hour window),
    # as an attempt if `hold_counts`; `error` says why it waits.
    hold_until: datetime | None = None
    hold_counts: bool = False

    @property
    def ok(self) -> bool:
        return (
            self.retry_after is None
            and self.unreachable is None
            and self.error is None
            and self.hold_until is None
        )


Deliver = Callable[[Row, Message], Awaitable[Outcome]]


@dataclass(frozen=True)
class Pace:
    rate_per_second: float = 30.0  # a ceiling: a 429 slows the sender down for a while
    per_chat_seconds: float = 1.0
    max_attempts: int = 10
    batch: int = 100
    concurrency: int = 8  # the most sends ever in flight at once (see `Sender.window`)
    slow_down: float = 0.75
    climb_per_second: float = 1.0


DEFAULT_PACE = Pace()
DEFAULT_QUIET_HOURS = QuietHours()


BROADCAST_SECONDS = 0.5  # broadcasts claimed at a time: this long at the current rate
# Sends in flight: enough for the typical answer time times the rate, with this headroom
# for answers slower than that (else the rate is missed by a little). Typical is the median
# of the last ANSWERS answers, once there are SETTLED of them: a few slow ones (the first,
# while the bot is still starting; one held up by a close) do not widen it.
HEADROOM = 1.5
ANSWERS = 15
SETTLED = 3


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 600))


class Sender:
    def __init__(
        self,
        db: Database,
        platform: str,
        deliver: Deliver,
        clock: Callable[[], datetime],
        pace: Pace = DEFAULT_PACE,
        quiet_hours: QuietHours = DEFAULT_QUIET_HOURS,
        default_timezone: str = "Europe/London",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        redact: Callable[[str], str] = str,
        chats: tuple[str, ...] = (),
        monotonic: Callable[[], float] | None = None,
        forgot: Callable[[], None] = lambda: None,
        reroute: Callable[[list[Row]], int] = lambda rows: 0,
    ) -> None:
        self.db, self.platform, self.deliver, self.clock = db, platform, deliver, clock
        self.pace, self.quiet_hours, self.default_timezone = pace, quiet_hours, default_timezone
        self.sleep, self.redact, self.chats = sleep, redact, chats
        # Seconds that only go forward (time.monotonic in service); a fake clock's own
        # seconds in tests, so that its sleep moves both.
        self.monotonic = monotonic or (lambda: clock().timestamp())
        # Called when a ballot, answer or receipt message was forgotten: the write-ahead
        # log still holds what it said until it is emptied.
        self.forgot = forgot
        # Given rows just given up on a chat now unreachable, queues them by each
        # member's next channel (Postman.reroute).
        self.reroute = reroute
        self.delivered = 0
        self.rate = AdaptiveRate(pace.rate_per_second, pace.slow_down, pace.climb_per_second)
        self._next_slot: float | None = None
        self._chat_next: dict[str, float] = {}
        self._paused_until: float | None = None
        self._beaten_at: float | None = None
        self._stop: asyncio.Event | None = None
        self._unreachable: dict[str, str] = {}
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._room = asyncio.Event()  # set when a send in flight finishes
        self._answers: deque[float] = deque(maxlen=ANSWERS)  # the platform's, in seconds
        self._latency = 0.0  # the typical answer time of late (seconds)
        self.widest = 1  # the most sends in flight at once so far: the most a kill doubles
        self.reachability = Reachability(db, platform)
        # Delivered, but the disk was too full to note it: noted once there is room, so
        # that a restart does not send them again.
        self._unrecorded: list[tuple[Row, Outcome]] = []

    def wake(self) -> None:
        """New rows were written: look now rather than at the next poll."""
        self._wake.set()

    def recover(self) -> None:
        recovered = outbox.recover_in_flight(self.db, self.platform)
        if recovered:
            log.info(
                "%s: %d messages claimed at the last stop go back to the queue (any that "
                "were in flight at a hard kill, at most the window it logged, go out again)",
                self.platform,
                recovered,
            )

    async def drain(self) -> int:
        """Deliver every row due now (pacing as required), replies first; returns how many
        were delivered. Stops early, giving back what it claimed, when asked to stop."""
        before = self.delivered
        while self._unrecorded:  # raises again while the disk is still full
            self._record(*self._unrecorded[0])
            self._unrecorded.pop(0)
        # Chats found unreachable during this drain; a member who unblocks the bot and
        # writes again is reachable by the next one.
        self._unreachable.clear()
        while not self._paused() and not self._stopping():
            broadcasts = max(1, int(self.rate.rate * BROADCAST_SECONDS))
            rows = outbox.claim_due(
                self.db, self.platform, self.clock(), self.pace.batch, self.chats, broadcasts
            )
            if not rows:
                break
            started = 0
            for at, row in enumerate(rows):
                await self._room_for_one()
                if self._stopping():
                    outbox.release(self.db, rows[at:])
                    break
                if await self._dispatch(row):
                    started += 1
            await self._settle()
            if not started:
                break  # everything due was put back for later: nothing more to do now
        await self._settle()
        return self.delivered - before

    async def run(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        """Drain until `stop` is set, waking on new rows, due rows or the poll interval;
        once it is set, only the deliveries already under way finish."""
        self._stop = stop
        self.recover()
        last_report = self.delivered
        while not stop.is_set():
            try:
                self._beat()
                await self.drain()
            except Exception as error:  # keep sending after a database hiccup
                log.error("%s sender: %s", self.platform, self.redact(str(error)))
            if self.delivered - last_report >= 500:
                log.info(
                    "%s: %d delivered, %d waiting",
                    self.platform,
                    self.delivered,
                    outbox.waiting(self.db, self.platform),
                )
                last_report = self.delivered
            self._wake.clear()
            wait = poll_seconds
            due = outbox.next_due(self.db, self.platform, self.chats)
            if due is not None:
                wait = min(wait, max(0.0, (due - self.clock()).total_seconds()))
            if self._paused_until:  # rows due during a pause still wait for its end
                wait = max(wait, self._paused_until - self.monotonic())
            waiters = [
                asyncio.ensure_future(self._wake.wait()),
                asyncio.ensure_future(stop.wait()),
                asyncio.ensure_future(self.sleep(wait)),
            ]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        await self._settle()

    def window(self) -> int:
        """How many sends may be in flight at once: the fewest that keep up with the rate
        at the platform's answer time, at most `Pace.concurrency`. A hard kill sends again
        at most this many (sent, but not yet noted as sent)."""
        if not self._latency:
            return 1
        wanted = math.ceil(self._latency * self.rate.rate * HEADROOM)
        return max(1, min(self.pace.concurrency, wanted))

    async def _room_for_one(self) -> None:
        while len(self._in_flight) >= self.window():
            self._room.clear()
            await self._room.wait()

    def _answered_in(self, seconds: float) -> None:
        """Note how long the platform took to answer; widen the window if it must."""
        self._answers.append(max(0.0, seconds))
        if len(self._answers) >= SETTLED:
            self._latency = statistics.median(self._answers)
        if self.window() > self.widest:
            self.widest = self.window()
            log.info(
                "%s: up to %d sends at once (the platform answers in %.0f ms); a hard kill "
                "may send that many messages twice",
                self.platform,
                self.widest,
                self._latency * 1000,
            )

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def _wall(self, moment: float) -> datetime:
        """The wall-clock time of monotonic `moment` (for a row's due time)."""
        return self.clock() + timedelta(seconds=moment - self.monotonic())

    def _beat(self) -> None:
        """Tell other processes (`survey send --follow`) this sender is alive; every 5 s."""
        now = self.monotonic()
        if self._beaten_at is None or now - self._beaten_at >= 5:
            outbox.beat(self.db, self.platform, self.clock())
            self._beaten_at = now

    def _paused(self) -> bool:
        if self._paused_until and self.monotonic() >= self._paused_until:
            self._paused_until = None
        return self._paused_until is not None

    async def _dispatch(self, row: Row) -> bool:
        """Start delivering `row` (taking a place in the window), or put it back for later."""
        if self._paused():
            assert self._paused_until is not None
            outbox.postpone(self.db, row, self._wall(self._paused_until), count_attempt=False)
            return False
        if row.chat_id in self._unreachable:
            if outbox.mark_failed(self.db, row, "unreachable", self._unreachable[row.chat_id]):
                self._forgetting(row)
                self.reroute([row])
            return False
        if row.quiet:
            until = quiet_until(self.clock(), row.timezone, self.quiet_hours, self.default_timezone)
            if until is not None:
                outbox.postpone(self.db, row, until, count_attempt=False)
                return False
        now = self.monotonic()
        chat_ready = self._chat_next.get(row.chat_id)
        if chat_ready and chat_ready > now:
            outbox.postpone(self.db, row, self._wall(chat_ready), count_attempt=False)
            return False
        if self._next_slot and self._next_slot > now:
            await self.sleep(self._next_slot - now)
            now = self.monotonic()
        # Keep to the schedule, so small oversleeps do not add up; after an idle
        # spell, start afresh from now rather than bursting to catch up.
        interval = self.rate.interval
        on_time = self._next_slot is not None and now - self._next_slot < interval
        self._next_slot = (self._next_slot if on_time else now) + interval
        self._chat_next[row.chat_id] = now + self.pace.per_chat_seconds
        task = asyncio.create_task(self._deliver(row))
        self._in_flight.add(task)
        task.add_done_callback(self._finished)
        return True

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._room.set()

    async def _settle(self) -> None:
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _deliver(self, row: Row) -> None:
        payload = row.payload
        if payload.get("lost"):  # sealed, and its key lost: say it counts, never what it was
            language = payload.get("language", "")
            payload = {"text": translator(language)(SEALED_LOST), "language": language}
        message = Message.from_payload(
            Recipient(member_id=row.member_id, platform=row.platform, chat_id=row.chat_id),
            payload,
        )
        started = self.monotonic()
        try:
            result = await self.deliver(row, message)
        except Exception as error:  # a network fault or a bug: retry later, never crash
            result = Outcome(error=f"{type(error).__name__}: {error}")
        self._answered_in(self.monotonic() - started)
        try:
            # Noted at once, in its own commit, before anything else is awaited: the
            # moment a kill would have this message sent again is as short as it can be.
            self._record(row, result)
        except sqlite3.OperationalError:
            self._unrecorded.append((row, result))
            raise

    def _forgetting(self, row: Row) -> None:
        """A row given its end: if what it said is forgotten, the log holding it should go."""
        if outbox.forgets(row.key):
            self.forgot()

    def _record(self, row: Row, result: Outcome) -> None:
        now = self.clock()
        self.reachability.note(result, now)
        if result.ok:
            if outbox.mark_sent(self.db, row, now):
                self._forgetting(row)
            self.delivered += 1
            self.rate.delivered()
        elif result.retry_after is not None:
            if not self._paused():  # the first 429 of a burst: the others were in flight with it
                self.rate.refused()
                log.info(
                    "%s: rate limited for %g s; sending at %.1f messages/s for a while",
                    self.platform,
                    result.retry_after,
                    self.rate.rate,
                )
            until = self.monotonic() + max(result.retry_after, 0.05)
            self._paused_until = max(until, self._paused_until or until)
            outbox.postpone(self.db, row, self._wall(until), "rate limited", count_attempt=False)
        elif result.hold_until is not None:
            outbox.postpone(self.db, row, result.hold_until, result.error, result.hold_counts)
        elif result.unreachable is not None:
            self._unreachable[row.chat_id] = result.unreachable
            failed = outbox.mark_failed(self.db, row, "unreachable", result.unreachable)
            abandoned = outbox.abandon_chat(
                self.db, self.platform, row.chat_id, "unreachable", result.unreachable
            )
            self.forgot()
            members.mark_unreachable(self.db, self.platform, row.chat_id, result.unreachable, now)
            self.reroute([row] * failed + abandoned)
            log.warning(
                "%s: chat %s is unreachable (%s)", self.platform, row.chat_id, result.unreachable
            )
        else:
            error = self.redact(result.error or "unknown error")
            if result.permanent or row.attempts >= self.pace.max_attempts:
                if outbox.mark_failed(self.db, row, "failed", error):
                    self._forgetting(row)
                log.error("%s: gave up on message %s: %s", self.platform, row.key, error)
            else:
                outbox.postpone(self.db, row, now + backoff(row.attempts), error)
