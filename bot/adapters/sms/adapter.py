"""The SMS adapter: Twilio's webhook in, the outbox sender out, on the shared loop.

A member's text becomes a neutral event: a number answering the last question sent as
"Reply 1 for ..." is that choice (once), "/name args" or a bare command word ("RESULTS")
a command, anything else text. Each MessageSid is handled once however often Twilio
posts it (the engine's dedupe, keyed hashes, and a memory of recent ids).

STOP (and Twilio's synonyms) marks the member's SMS identity unreachable with the reason
`keywords.STOPPED`, so nothing more is queued for it and what waited is given up; the
officer sees it where unreachable members are shown. Twilio itself refuses to text them
until START (or UNSTOP), which makes them reachable again. Texts from a number that
stopped are otherwise not acted on: answering them would be refused anyway.

Texts are paced by their segments (Twilio's rate is counted in segments: one a second
from a long code), the sender's pace by texts being the floor. Status callbacks mark a
text that failed after it was sent; the permanent errors mark the
identity unreachable. Delivered receipts are counted, not kept (what reached a member's
phone, and when, is theirs).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import aiohttp

from bot.adapters.sending import Sending
from bot.adapters.sms import keywords, segments
from bot.adapters.sms.render import render
from bot.adapters.sms.twilio_api import Texts, TwilioRestException
from bot.adapters.sms.webhook import Webhook
from bot.adapters.typed_numbers import decode
from bot.app import App
from bot.config import ConfigError
from bot.outbox import Outcome
from handlers import i18n
from handlers.meetings import attendance as meeting_attendance
from handlers.members import page_links
from handlers.messages import Choice, Command, Event, Message, Recipient, Text
from handlers.messages import Sender as Who
from storage import conversations, members, outbox, sms
from storage.outbox import Row

log = logging.getLogger(__name__)

PLATFORM = sms.PLATFORM
RECENT = 10_000
PAUSE_FOR_ACCOUNT = 3600.0
# Sends that say the number will never take a text from us (21610: it texted STOP; 21211,
# 21614, 21612: not a valid, mobile or SMS-reachable number).
UNREACHABLE_CODES = {21610, 21211, 21614, 21612}
# Status callbacks' error codes that say the same after the text left.
UNDELIVERABLE_CODES = {30003, 30005, 30006, 30007}
ACCOUNT_CODES = {20003, 20005, 20008, 21606, 21603, 21659}
RATE_LIMITED = 20429


async def start(app: App, stop: asyncio.Event) -> SmsAdapter:
    """Listen for Twilio's webhooks and start sending; the runner calls `stop()` at the end."""
    adapter = SmsAdapter(app)
    await adapter.start()
    return adapter


class SmsAdapter:
    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = settings = app.settings.sms
        self.texts = Texts(settings)
        self.webhook = Webhook(
            settings.inbound_url,
            settings.path,
            settings.listen,
            settings.port,
            settings.auth_token,
            self.receive,
            self.on_status,
        )
        self.statuses: Counter[str] = Counter()
        self.segments_sent = 0
        self._recent: dict[str, None] = {}
        self._progress: dict[str, tuple[int, str | None]] = {}
        self.sending = Sending(app, PLATFORM)
        self._pacing = asyncio.Lock()
        self._free_at = 0.0  # when Twilio's rate allows the next segment (clock seconds)

    async def start(self) -> None:
        s = self.settings
        self.sending.start(self.deliver, self.sending.pace(s.rate_per_second, s.per_chat_seconds))
        try:
            await self.webhook.start()
        except OSError as error:
            await self.stop()
            raise ConfigError(
                f"sms: cannot listen on {self.settings.listen}:{self.settings.port}: {error}"
            ) from None
        log.info("sms: listening for Twilio's webhooks on port %d", self.settings.port)

    async def stop(self) -> None:
        await self.webhook.stop()
        await self.sending.stop()
        await self.texts.close()

    # ---------------------------------------------------------------- outgoing

    def link(self, member_id: str | None, flow: str) -> str | None:
        if not member_id:
            return None
        try:
            return page_links.page_link(self.app.ctx, member_id, flow)
        except NotImplementedError:  # no member's page in this build: the text goes whole
            return None

    async def deliver(self, row: Row, message: Message) -> Outcome:
        rendered = render(message, lambda flow: self.link(row.member_id, flow))
        callback = f"{self.webhook.status_url}?row={row.id}"
        done, ref = self._progress.pop(row.key, (0, None))
        for index in range(done, len(rendered.texts)):
            await self._segments_allow(rendered.texts[index])
            try:
                sent = await self.texts.send(row.chat_id, rendered.texts[index], callback)
            except (TwilioRestException, aiohttp.ClientError, TimeoutError) as error:
                outcome = self.outcome_of(error)
                if outcome.permanent is False and outcome.unreachable is None:
                    self._progress[row.key] = (index, ref)
                return outcome
            ref = sent.sid
            self.segments_sent += sent.segments
        if message.choices:  # a new question: only its numbers answer now
            sms.set_menu(self.app.db, row.chat_id, rendered.menu)
        return Outcome(ref=ref)

    async def _segments_allow(self, text: str) -> None:
        """Wait until Twilio's rate, counted in segments, allows this text: the sender
        spaces texts at `rate_per_second`, and a text of three segments takes three."""
        async with self._pacing:
            now = self.app.clock().timestamp()
            if self._free_at > now:
                await self.app.sleep(self._free_at - now)
                now = self.app.clock().timestamp()
            parts = segments.segments(text)
            self._free_at = max(now, self._free_at) + parts / self.settings.rate_per_second

    def outcome_of(self, error: Exception) -> Outcome:
        if not isinstance(error, TwilioRestException):
            return Outcome(error=self.app.redact(str(error)))  # the network: try again
        text = self.app.redact(f"Twilio error {error.code} (HTTP {error.status}): {error.msg}")
        if error.code == 21610:
            return Outcome(unreachable=keywords.STOPPED)
        if error.code in UNREACHABLE_CODES:
            return Outcome(unreachable=text)
        if error.code == RATE_LIMITED or error.status == 429:
            return Outcome(retry_after=1.0)
        if error.code in ACCOUNT_CODES:
            log.error(
                "sms: Twilio refuses the account's texts (%s); sending stops for an hour: "
                "check sms.account_sid, the auth token and the sender in Twilio's console",
                text,
            )
            return Outcome(retry_after=PAUSE_FOR_ACCOUNT)
        if error.status >= 500:
            return Outcome(error=text)  # Twilio's own trouble: back off and try again
        return Outcome(error=text, permanent=True)

    # ---------------------------------------------------------------- incoming

    async def receive(self, form: dict[str, str]) -> None:
        try:
            self.on_text(form)
        except Exception:  # Twilio does not post it again: say so in the log, answer 200
            log.exception("sms: a text could not be handled")

    def on_text(self, form: dict[str, str]) -> None:
        number, event_id = form.get("From", ""), form.get("MessageSid", "")
        body = form.get("Body", "")
        if not number or not event_id or self._seen(event_id):
            return
        db, now = self.app.db, self.app.clock()
        known = members.identity(db, PLATFORM, number)
        if keywords.is_stop(body):
            self.app.engine.note(PLATFORM, event_id)
            if known is not None:
                with db.atomic():
                    members.mark_unreachable(db, PLATFORM, number, keywords.STOPPED, now)
                    outbox.abandon_chat(db, PLATFORM, number, "unreachable", keywords.STOPPED)
                log.info("sms: a member texted STOP; they are sent no more texts")
            return
        stopped = known is not None and known.get("unreachable_reason") == keywords.STOPPED
        who = Who(PLATFORM, number, number)
        member = self.app.engine.member(PLATFORM, number)
        if keywords.is_start(body, stopped):
            if stopped:
                members.mark_reachable(db, PLATFORM, number)
                log.info("sms: a member texted START; they are sent texts again")
            self._answer(event_id, member, number, keywords.STARTED)
            return
        if stopped:  # Twilio would refuse any answer until they text START
            self.app.engine.note(PLATFORM, event_id)
            return
        if keywords.is_help(body):
            meeting = member is not None and meeting_attendance.on_roll_now(
                self.app.ctx, member.member_id
            )
            extra = (keywords.HELP_MEETING,) if meeting else ()
            self._answer(event_id, member, number, keywords.HELP, *extra)
            return
        self.app.engine.handle(self._event(body, (who, member, event_id)))

    def _event(self, body: str, origin: tuple) -> Event:
        number = origin[0].chat_id
        chosen = sms.take_from_menu(self.app.db, number, body.strip())
        if chosen is not None:
            action, value = decode(chosen)
            return Choice(*origin, action=action, value=value)
        router = self.app.router
        waiting = router.awaits_answer(self.app.ctx, PLATFORM, number)
        command = None if waiting else keywords.command(body, set(router.commands))
        if command is not None:
            return Command(*origin, name=command[0], args=command[1])
        return Text(*origin, text=body)

    def _answer(self, event_id: str, member: object, number: str, *texts: str) -> None:
        """A short answer of the adapter's own (HELP, START), once per text."""
        ctx = self.app.ctx
        with ctx.db.atomic():
            if not conversations.first_time(ctx.db, PLATFORM, event_id, ctx.now()):
                return
            _ = i18n.for_member(ctx, member)  # type: ignore[arg-type]
            organisation = _.pick(ctx.policy.organisation.name)
            message = Message(
                Recipient(
                    member_id=getattr(member, "member_id", None),
                    platform=PLATFORM,
                    chat_id=number,
                ),
                " ".join(_(text).format(organisation=organisation) for text in texts),
                language=_.language,
            )
            tag = conversations.event_tag(ctx.db, PLATFORM, event_id)
            self.app.postman.post([message], key_prefix=f"{PLATFORM}:{tag}")

    def _seen(self, event_id: str) -> bool:
        if event_id in self._recent or self.app.engine.seen(PLATFORM, event_id):
            log.debug("sms: text %s was posted again; ignored", event_id)
            return True
        self._recent[event_id] = None
        if len(self._recent) > RECENT:
            del self._recent[next(iter(self._recent))]
        return False

    async def on_status(self, form: dict[str, str], query: dict[str, str]) -> None:
        state = form.get("MessageStatus", "")
        self.statuses[state] += 1
        if state not in ("failed", "undelivered"):
            return
        code = int(form.get("ErrorCode", "0") or 0)
        reason = f"Twilio error {code}: the text was {state}"
        unreachable = code in UNDELIVERABLE_CODES or code in UNREACHABLE_CODES
        db, row = self.app.db, query.get("row", "")
        if row.isdigit():
            sms.delivery_failed(db, int(row), "unreachable" if unreachable else "failed", reason)
        number = form.get("To", "")
        if unreachable and number:
            members.mark_unreachable(db, PLATFORM, number, reason, self.app.clock())
            outbox.abandon_chat(db, PLATFORM, number, "unreachable", reason)
        log.warning("sms: a text failed after it was sent (%s)", reason)
