"""The Slack adapter: staff take part in DMs, App Home and `/voice`; the council in a channel.

Built on slack-bolt's AsyncApp, over HTTP (Events API, interactivity and the slash
command on one path) or Socket Mode. Every request is acknowledged at once, within
Slack's 3 seconds; the work (who is this, handle it, queue the replies) follows in
tasks this adapter tracks, so `stop()` can let them finish. Replies leave through the
outbox (`delivery`); each incoming event carries an id stable across Slack's
re-deliveries, so the engine handles it once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.delivery import Delivery
from bot.adapters.slack.people import PLATFORM, DirectoryUnavailable, People
from bot.app import App
from bot.engine import sorry
from bot.outbox import Pace
from handlers import home, i18n
from handlers.messages import Choice, Command, Event, Member, Text
from handlers.messages import Sender as Who

log = logging.getLogger(__name__)

ON_ITS_WAY = i18n.N_("On its way to our direct messages.")
MakeEvent = Callable[[Who, Member | None], Event]


async def start(app: App, stop: asyncio.Event) -> SlackAdapter:
    """Connect to Slack and start delivering; `stop()` on the result reverses it all.

    The runner's `stop` event is not watched: the runner calls `stop()` when it is set.
    """
    adapter = SlackAdapter(app)
    await adapter.start()
    return adapter


class AppClock(Clock):
    """Request timestamps are checked against the app's clock (tests inject one)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock

    def now(self) -> float:
        return self.clock().timestamp()


class SlackAdapter:
    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = settings = app.settings.slack
        self.client = AsyncWebClient(token=settings.bot_token, base_url=settings.api_url)
        self.people = People(self.client, app.ctx, app.clock)
        self.delivery = Delivery(self.client, app.clock, app.router.commands)
        # Signatures are checked at the HTTP edge (against the injectable clock) before
        # Bolt sees a request; Socket Mode needs none. Listeners return at once after
        # spawning the work, so Bolt may wait for them before answering.
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=settings.signing_secret,
            request_verification_enabled=False,
            process_before_response=True,
        )
        self.bolt.event("message")(self.on_message)
        self.bolt.event("app_home_opened")(self.on_home_opened)
        self.bolt.command("/voice")(self.on_command)
        self.bolt.action(render.OUR_ACTION)(self.on_action)
        self.bolt.view(render.PROMPT_CALLBACK)(self.on_submission)
        self.socket: AsyncSocketModeHandler | None = None
        self.verifier: SignatureVerifier | None = None
        if settings.mode == "socket":
            self.socket = AsyncSocketModeHandler(self.bolt, settings.app_token)
        else:
            self.verifier = SignatureVerifier(settings.signing_secret, clock=AppClock(app.clock))
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._halt = asyncio.Event()
        self._sending: asyncio.Task[None] | None = None
        self._linking: asyncio.Task[None] | None = None
        self._work: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        outbox = self.app.settings.outbox
        sender = self.app.add_sender(
            PLATFORM,
            self.delivery.deliver,
            Pace(
                rate_per_second=self.settings.rate_per_second,
                per_chat_seconds=self.settings.per_chat_seconds,
                max_attempts=outbox.max_attempts,
                concurrency=outbox.max_in_flight,
            ),
        )
        self._sending = asyncio.create_task(sender.run(self._halt, outbox.poll_seconds))
        self._linking = asyncio.create_task(self._link_roster())
        if self.socket is not None:
            await self.socket.connect_async()
        else:
            await self._serve()

    async def _serve(self) -> None:
        web_app = web.Application()
        web_app.router.add_post(self.settings.path, self.endpoint)
        self._runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=5)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.listen, self.settings.port).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}{self.settings.path}"
        log.info("slack: listening for Slack on %s", self.url)

    async def _link_roster(self) -> None:
        try:
            linked = await self.people.link_roster(self.settings.constituencies, self.app.sleep)
        except Exception:  # linking is a convenience: first contact links anyone missed
            log.exception("slack: linking the roster failed")
            return
        if linked:
            log.info("slack: linked %d members from the roster", linked)

    async def stop(self) -> None:
        """Stop taking requests, finish the work in hand, then stop sending."""
        if self._linking is not None:
            self._linking.cancel()
        if self.socket is not None:
            await self.socket.close_async()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.settle()
        self._halt.set()
        if self._sending is not None:
            await self._sending
        self.app.senders.pop(PLATFORM, None)

    async def settle(self) -> None:
        """Wait until every request received so far has been handled."""
        while self._work:
            await asyncio.gather(*self._work, return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._guarded(work))
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    async def _guarded(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception as error:  # one bad request must not stop the others
            log.error("slack: handling a request failed: %s", self.app.redact(repr(error)))

    # ------------------------------------------------------------------ HTTP edge

    async def endpoint(self, request: web.Request) -> web.Response:
        """Slack's requests: refused unless signed with our secret within 5 minutes."""
        body = await request.text()
        assert self.verifier is not None  # served in HTTP mode only
        if not self.verifier.is_valid_request(body, dict(request.headers)):
            return web.json_response({"error": "invalid request"}, status=401)
        response = await self.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    # ------------------------------------------------------------------ listeners

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A direct message from a person, or the council's answer to a question the bot
        asked in its channel (edits, joins and bots' messages are neither)."""
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return
        if event.get("channel_type") != "im" and not self._council_answer(event["channel"]):
            return
        text = render.from_slack(event.get("text", ""))
        event_id = body["event_id"]
        self._spawn(
            self._handle(
                event["user"],
                event["channel"],
                lambda who, member: Text(who, member, event_id, text=text),
            )
        )

    def _council_answer(self, channel: str) -> bool:
        council = self.settings.council_channel
        return channel == council and self.app.router.awaits_answer(self.app.ctx, PLATFORM, channel)

    async def on_command(self, ack: Any, command: dict[str, Any]) -> None:
        """`/voice <command> [args]`, answered in the DM; bare `/voice` is help."""
        _ = i18n.for_account(self.app.ctx, PLATFORM, command.get("user_id", ""))
        await ack(text=_(ON_ITS_WAY))
        self._spawn(self._command(command, self.app.clock()))

    async def _command(self, command: dict[str, Any], arrived: datetime) -> None:
        user = command["user_id"]
        name, _, args = render.from_slack(command.get("text", "")).strip().partition(" ")
        # Slack's own id of the interaction, nothing of who or what (storage/conversations.py).
        event_id = f"command:{command['trigger_id']}"
        chat = await self.people.dm_channel(user)
        self.delivery.triggers.remember(chat, command["trigger_id"], arrived)
        await self._handle(
            user,
            chat,
            lambda who, member: Command(
                who, member, event_id, name=name.lstrip("/").lower() or "help", args=args.strip()
            ),
        )

    async def on_action(self, ack: Any, body: dict[str, Any]) -> None:
        """A press of one of our buttons or menus (see render.choice_blocks)."""
        await ack()
        self._spawn(self._choice(body, self.app.clock()))

    async def _choice(self, body: dict[str, Any], arrived: datetime) -> None:
        """A button press or menu choice; presses in a channel come from that channel."""
        action = body["actions"][0]
        name, value, label = render.decode_action(action)
        user = body["user"]["id"]
        container = body.get("container", {})
        ref = container.get("message_ts")
        chat = container.get("channel_id") or await self.people.dm_channel(user)
        self.delivery.triggers.remember(chat, body["trigger_id"], arrived)
        if ref:
            await self._tick(chat, ref, body.get("message", {}), label)
        # The interaction's own id: never the user, the action or the value pressed.
        event_id = f"action:{body['trigger_id']}"
        await self._handle(
            user,
            chat,
            lambda who, member: Choice(
                who, member, event_id, action=name, value=value, message_ref=ref
            ),
        )

    async def _tick(self, chat: str, ts: str, message: dict[str, Any], label: str) -> None:
        """Show what was chosen in place of the choices, so they cannot be pressed twice."""
        blocks = render.ticked(message, label)
        try:
            await self.client.chat_update(
                channel=chat, ts=ts, text=render.notification(blocks), blocks=blocks
            )
        except Exception as error:  # cosmetic: the press itself must still be handled
            log.warning("slack: could not tick the chosen answer: %s", self.app.redact(repr(error)))

    async def on_submission(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A prompt modal's answer: text for the prompt pending in the chat it was asked in."""
        await ack()
        chat, answer = render.submitted(view)
        user = body["user"]["id"]
        event_id = f"view:{view['id']}:{view.get('hash', '')}"
        self._spawn(
            self._handle(user, chat, lambda who, member: Text(who, member, event_id, text=answer))
        )

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab") == "home":
            self._spawn(self._publish_home(event["user"]))

    async def _publish_home(self, user: str) -> None:
        member = await self.people.member(user)
        view = render.home_view(home.summary(self.app.ctx, member, self.app.router))
        await self.client.views_publish(user_id=user, view=view)

    # ------------------------------------------------------------------ into the engine

    async def _handle(self, user: str, chat: str, make: MakeEvent) -> None:
        who = Who(PLATFORM, user, chat)
        try:
            member = await self.people.member(user)
        except DirectoryUnavailable as error:
            # Not knowing who they are is not the same as knowing they are a stranger.
            log.warning("slack: could not look up %s (%s); asked them to retry", user, error)
            self.app.postman.post([sorry(self.app.ctx, make(who, None))])
            return
        self.app.engine.handle(make(who, member))
