"""Delivering one outbox row to Telegram, and saying how it went in the outbox's terms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.adapters.telegram.callbacks import CallbackDataTooLong
from bot.adapters.telegram.render import Part, render
from bot.outbox import Outcome
from handlers.messages import Message
from storage.outbox import Row

# Members are often on old phones and small data plans: no link previews.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Delivery:
    """The sender's `deliver` for Telegram.

    A long message is several calls; if one of them is refused for a while (429, network),
    the parts already shown are remembered so the retry sends only the rest.
    """

    def __init__(self, bot: Bot, redact: Callable[[str], str]) -> None:
        self.bot, self.redact = bot, redact
        self._progress: dict[str, tuple[int, str | None]] = {}

    async def __call__(self, row: Row, message: Message) -> Outcome:
        try:
            parts = render(message)
        except CallbackDataTooLong as error:
            return Outcome(error=str(error), permanent=True)
        done, ref = self._progress.pop(row.key, (0, None))
        for index in range(done, len(parts)):
            try:
                ref = await self._send(row.chat_id, parts[index])
            except (TelegramError, OSError) as error:
                outcome = outcome_of(error, self.redact)
                if outcome.retry_after is not None or not outcome.permanent:
                    self._progress[row.key] = (index, ref)
                return outcome
        return Outcome(ref=ref)

    async def _send(self, chat_id: str, part: Part) -> str:
        """Make one call; returns the id of the message it shows."""
        if part.edit is not None:
            try:
                await self.bot.edit_message_text(
                    part.html,
                    chat_id,
                    part.edit,
                    parse_mode=ParseMode.HTML,
                    reply_markup=part.markup,
                    link_preview_options=NO_PREVIEW,
                )
            except BadRequest as error:
                if not not_modified(error):
                    raise
            return str(part.edit)
        if part.photo:
            path = Path(part.photo)
            sent = await self.bot.send_photo(
                chat_id,
                path.read_bytes(),
                caption=part.html or None,
                parse_mode=ParseMode.HTML,
                reply_markup=part.markup,
                filename=path.name,
            )
        else:
            sent = await self.bot.send_message(
                chat_id,
                part.html,
                parse_mode=ParseMode.HTML,
                reply_markup=part.markup,
                link_preview_options=NO_PREVIEW,
            )
        return str(sent.message_id)


def not_modified(error: BadRequest) -> bool:
    """Telegram refuses an edit that changes nothing; for us the message already says it."""
    return "message is not modified" in error.message.lower()


def outcome_of(error: Exception, redact: Callable[[str], str]) -> Outcome:
    text = redact(str(error))
    if isinstance(error, RetryAfter):
        return Outcome(retry_after=retry_seconds(error))
    if isinstance(error, Forbidden):  # blocked by the user, deactivated, removed from a group
        return Outcome(unreachable=text)
    if isinstance(error, BadRequest):
        if "chat not found" in text.lower():
            return Outcome(unreachable=text)
        return Outcome(error=text, permanent=True)
    if isinstance(error, ChatMigrated):
        return Outcome(
            error=f"the group is now chat {error.new_chat_id}: update telegram.council_chat_id",
            permanent=True,
        )
    if isinstance(error, OSError):  # the chart image is missing or unreadable
        return Outcome(error=f"cannot read the image: {text}", permanent=True)
    return Outcome(error=text)  # network trouble, time-outs, Telegram's own 5xx: try again


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after  # a timedelta with PTB_TIMEDELTA set, else an int (PTB 22)
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
