"""Delivering one outbox row to Slack, and saying what Slack made of it.

Long messages become several Slack messages; if one of them fails, the ones already
posted are remembered, so the outbox's retry neither loses nor repeats any part.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.outbox import Outcome
from handlers import i18n
from handlers.i18n import N_
from handlers.messages import Message
from storage.outbox import Row

log = logging.getLogger(__name__)

UNREACHABLE = frozenset(
    {"channel_not_found", "is_archived", "account_inactive", "user_disabled", "cannot_dm_bot"}
)
PERMANENT = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
        "invalid_attachments",
        "too_many_attachments",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
    }
)
TRIGGER_ERRORS = frozenset({"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"})
# Slack lets a trigger open a modal for 3 seconds; leave room for the call itself.
TRIGGER_FRESH = timedelta(seconds=2.5)
CAPTION_LIMIT = 3000
REPLY_HINT = N_("Type your answer here in this chat.")


class Triggers:
    """The latest interaction trigger per chat, usable to open a modal for a short while."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._latest: dict[str, tuple[str, datetime]] = {}

    def remember(self, chat_id: str, trigger_id: str, at: datetime) -> None:
        stale = [c for c, (_, seen) in self._latest.items() if self.clock() - seen > TRIGGER_FRESH]
        for chat in stale:
            del self._latest[chat]
        self._latest[chat_id] = (trigger_id, at)

    def take(self, chat_id: str) -> str | None:
        trigger_id, at = self._latest.pop(chat_id, (None, None))
        if at is None or self.clock() - at > TRIGGER_FRESH:
            return None
        return trigger_id


class Delivery:
    """`deliver(row, message)` for the outbox sender."""

    def __init__(
        self,
        client: AsyncWebClient,
        clock: Callable[[], datetime],
        commands: Collection[str] = (),
    ) -> None:
        self.client, self.commands = client, commands
        self.triggers = Triggers(clock)
        self._done: dict[str, dict[str, str]] = {}  # row key -> step -> Slack ref

    async def deliver(self, row: Row, message: Message) -> Outcome:
        message = render.shown(message, self.commands)
        try:
            outcome = await self._deliver(row, message)
        except SlackApiError as error:
            outcome = outcome_of(error)
        except render.RenderError as error:
            outcome = Outcome(error=f"cannot render for Slack: {error}", permanent=True)
        except (aiohttp.ClientError, TimeoutError, ConnectionError) as error:
            outcome = Outcome(error=f"network: {type(error).__name__}: {error}")
        except FileNotFoundError as error:
            outcome = Outcome(error=f"image not found: {error.filename}", permanent=True)
        will_retry = outcome.retry_after is not None or (outcome.error and not outcome.permanent)
        if not will_retry:
            self._done.pop(row.key, None)
        return outcome

    async def _deliver(self, row: Row, message: Message) -> Outcome:
        if message.image:
            return await self._upload(row, message)
        if message.prompt and not message.choices and not message.edit_ref:
            trigger = self.triggers.take(row.chat_id)
            if trigger and await self._open_modal(trigger, row.chat_id, message):
                return Outcome()
        blocks = render.message_blocks(message)
        if message.prompt:
            hint = i18n.translator(message.language)(REPLY_HINT)
            blocks.append({"type": "context", "elements": [render.plain(hint)]})
        parts = render.chunks(blocks)
        if message.edit_ref:  # an edit may be repeated harmlessly
            await self.client.chat_update(
                channel=row.chat_id,
                ts=message.edit_ref,
                text=render.notification(parts[0]),
                blocks=parts[0],
            )
            parts = parts[1:]
        ref = message.edit_ref
        for number, part in enumerate(parts):
            ref = await self._post_once(row, f"part{number}", part)
        return Outcome(ref=ref)

    async def _post_once(self, row: Row, step: str, blocks: list[render.Block]) -> str:
        done = self._done.get(row.key, {})
        if step in done:
            return done[step]
        response = await self.client.chat_postMessage(
            channel=row.chat_id,
            text=render.notification(blocks),
            blocks=blocks,
            mrkdwn=False,
            unfurl_links=False,
            unfurl_media=False,
        )
        return self._step(row, step, response["ts"])

    def _step(self, row: Row, step: str, ref: str) -> str:
        self._done.setdefault(row.key, {})[step] = ref
        return ref

    async def _open_modal(self, trigger_id: str, chat_id: str, message: Message) -> bool:
        try:
            await self.client.views_open(
                trigger_id=trigger_id, view=render.prompt_modal(message, chat_id)
            )
        except SlackApiError as error:
            if error.response.get("error") not in TRIGGER_ERRORS:
                raise
            log.info("slack: the modal's moment passed (%s); asking in the chat", error)
            return False
        return True

    async def _upload(self, row: Row, message: Message) -> Outcome:
        """The image, captioned with the text if short; anything more follows as a message."""
        path = Path(message.image or "")
        caption = message.text.strip() if len(message.text) <= CAPTION_LIMIT else ""
        if "image" not in self._done.get(row.key, {}):
            response = await self.client.files_upload_v2(
                channel=row.chat_id,
                file=path.read_bytes(),
                filename=path.name,
                title=render.shorten(message.title.strip() or path.stem, 250),
                alt_txt=render.shorten(message.title.strip() or caption or path.stem, 1000),
                initial_comment=render.escape(caption) if caption else None,
            )
            self._step(row, "image", response["files"][0]["id"])
        rest = replace(message, image=None, title="", text="" if caption else message.text)
        if not rest.text and not rest.choices:
            return Outcome(ref=self._done[row.key]["image"])
        return await self._deliver(row, rest)


def outcome_of(error: SlackApiError) -> Outcome:
    """What a Web API refusal means for the outbox."""
    response = error.response
    # A 5xx from Slack or a proxy may carry an HTML page, not JSON: the status says it all.
    data = response.data if isinstance(response.data, dict) else {}
    code = data.get("error") or f"HTTP {response.status_code}"
    if response.status_code == 429:
        return Outcome(retry_after=float(response.headers.get("Retry-After", 1)))
    if code in UNREACHABLE:
        return Outcome(unreachable=code)
    if code in PERMANENT:
        details = "; ".join(data.get("response_metadata", {}).get("messages", [])[:3])
        return Outcome(
            error=f"slack: {code}" + (f" ({details})" if details else ""), permanent=True
        )
    return Outcome(error=f"slack: {code}")
