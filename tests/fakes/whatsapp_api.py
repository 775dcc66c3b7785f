"""A fake WhatsApp Business Cloud API (Graph API) for end-to-end tests.

``FakeWhatsApp`` listens on 127.0.0.1 (random port) and answers the calls the bot makes:

- ``POST /v21.0/{phone_number_id}/messages`` with text, interactive (reply buttons, list)
  and template messages, checked against the Cloud API's limits;
- ``GET /v21.0/{waba_id}/message_templates``, the account's templates.

It refuses what Meta refuses, with Graph-style errors (``{"error": {"message", "type",
"code", "error_data": {"details"}, "fbtrace_id"}}``) and the documented codes: 131009 for
interactive limits, 131047 for a free-form message outside the 24-hour customer service
window, 130429 (throughput) and 131056 (pair rate) for rate limits, 132000/132001 for
templates, 190 for a bad token. (Meta reports some of these, 131047 among them, in a
``failed`` status webhook rather than the HTTP answer; answering at once keeps tests
short and the bot handles both.)

It plays the member's phone too: ``push_text``, ``push_button_reply``, ``push_list_reply``
and ``push_quick_reply`` post inbound webhooks to the bot, signed with the app secret
(``X-Hub-Signature-256``); every sent message gets ``sent`` and ``delivered`` status
webhooks when ``auto_status`` is on; ``redeliver`` posts an event again, as Meta does for
days when it is not answered 200. Rate limits and the window follow an injectable clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

__all__ = ["FakeWhatsApp", "ManualClock", "Sent", "Template", "sign"]

VERSION = "v21.0"
TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_ROWS_MAX = 10
LIST_SECTIONS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
LIST_BUTTON_MAX = 20
HEADER_TEXT_MAX = 60
FOOTER_MAX = 60
WINDOW_SECONDS = 24 * 3600

DEFAULT_TOKEN = "EAAGfake-whatsapp-token-for-tests"
DEFAULT_SECRET = "fake-app-secret-0123456789"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
DISPLAY_NUMBER = "15550783881"


class ManualClock:
    """A clock that moves only when told to (seconds since the epoch)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class Template:
    """An approved template: its name, language code, category and body parameter count."""

    name: str
    language: str
    body: str
    category: str = "UTILITY"
    buttons: tuple[str, ...] = ()
    status: str = "APPROVED"

    @property
    def parameters(self) -> int:
        return len(set(re.findall(r"\{\{(\d+)\}\}", self.body)))


@dataclass
class Sent:
    """One accepted message, as the bot posted it."""

    id: str
    to: str
    type: str
    body: dict[str, Any]
    time: float
    in_window: bool

    @property
    def text(self) -> str:
        """What the member reads, for assertions (body, header, options)."""
        if self.type == "text":
            return self.body["text"]["body"]
        if self.type == "template":
            return json.dumps(self.body["template"])
        interactive = self.body["interactive"]
        return interactive["body"]["text"]

    @property
    def options(self) -> list[tuple[str, str]]:
        """(id, title) of the buttons or list rows offered."""
        if self.type != "interactive":
            return []
        action = self.body["interactive"]["action"]
        if "buttons" in action:
            return [(b["reply"]["id"], b["reply"]["title"]) for b in action["buttons"]]
        return [(r["id"], r["title"]) for s in action["sections"] for r in s["rows"]]


class GraphError(Exception):
    def __init__(self, code: int, title: str, details: str = "", status: int = 400) -> None:
        super().__init__(title)
        self.code, self.title, self.details, self.status = code, title, details, status

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": f"(#{self.code}) {self.title}",
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": "AbCdEfGhIjKlMnOp",
        }
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        return {"error": error}


def _invalid(details: str) -> GraphError:
    return GraphError(131009, "Parameter value is not valid", details)


def sign(body: bytes, secret: str) -> str:
    """The X-Hub-Signature-256 header Meta sends with `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class FakeWhatsApp:
    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        app_secret: str = DEFAULT_SECRET,
        phone_number_id: str = PHONE_NUMBER_ID,
        waba_id: str = WABA_ID,
        webhook_url: str = "",
        clock: Callable[[], float] = time.time,
        throughput: int = 80,
        pair_seconds: float = 6.0,
        pair_burst: int = 5,
        templates: list[Template] | None = None,
        auto_status: bool = True,
    ) -> None:
        self.token, self.app_secret = token, app_secret
        self.phone_number_id, self.waba_id = phone_number_id, waba_id
        self.webhook_url, self.clock = webhook_url, clock
        self.throughput, self.pair_seconds, self.pair_burst = throughput, pair_seconds, pair_burst
        self.templates = list(templates or [])
        self.auto_status = auto_status
        self.sent: list[Sent] = []
        self.refused: list[tuple[dict[str, Any], GraphError]] = []
        self.webhook_answers: list[int] = []
        self.last_inbound: dict[str, float] = {}
        self.names: dict[str, str] = {}
        self.window_violations = 0
        self.interactive_violations = 0
        self._recent: deque[float] = deque()
        self._pair: dict[str, deque[float]] = {}
        self._fail_next: list[tuple[str | None, GraphError]] = []
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._changed: asyncio.Condition | None = None
        self._status_tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{VERSION}/"

    async def start(self) -> FakeWhatsApp:
        app = web.Application()
        app.router.add_post(f"/{VERSION}/{{number}}/messages", self._messages)
        app.router.add_get(f"/{VERSION}/{{waba}}/message_templates", self._templates)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession()
        self._changed = asyncio.Condition()
        return self

    async def stop(self) -> None:
        for task in list(self._status_tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeWhatsApp:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test controls

    def fail_next(self, code: int, title: str, to: str | None = None, status: int = 400) -> None:
        """Refuse the next send (to `to`, if given) with this Graph error."""
        self._fail_next.append((to, GraphError(code, title, status=status)))

    def sent_to(self, wa_id: str) -> list[Sent]:
        return [s for s in self.sent if s.to == wa_id]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until `predicate()` is truthy, re-checked after every call the fake answers."""
        assert self._changed is not None
        async with self._changed:
            return await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ the member's phone

    def _envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": DISPLAY_NUMBER,
                "phone_number_id": self.phone_number_id,
            },
            **value,
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": self.waba_id, "changes": [{"value": value, "field": "messages"}]}],
        }

    def inbound(self, wa_id: str, kind: str, content: dict[str, Any], context: str = "") -> dict:
        """The webhook event of a message from `wa_id`; opens (renews) their window."""
        now = self.clock()
        self.last_inbound[wa_id] = now
        message: dict[str, Any] = {
            "from": wa_id,
            "id": f"wamid.IN{next(self._ids):012d}",
            "timestamp": str(int(now)),
            "type": kind,
            kind: content,
        }
        if context:
            message["context"] = {"from": DISPLAY_NUMBER, "id": context}
        contact = {"profile": {"name": self.names.get(wa_id, "Member")}, "wa_id": wa_id}
        return self._envelope({"contacts": [contact], "messages": [message]})

    async def push_text(self, wa_id: str, text: str) -> dict[str, Any]:
        event = self.inbound(wa_id, "text", {"body": text})
        await self.deliver(event)
        return event

    async def push_button_reply(self, wa_id: str, option_id: str, title: str = "") -> dict:
        """The member taps a reply button of the last interactive message sent to them."""
        context = self._last_id(wa_id)
        reply = {"type": "button_reply", "button_reply": {"id": option_id, "title": title}}
        event = self.inbound(wa_id, "interactive", reply, context)
        await self.deliver(event)
        return event

    async def push_list_reply(self, wa_id: str, row_id: str, title: str = "") -> dict:
        context = self._last_id(wa_id)
        reply = {"type": "list_reply", "list_reply": {"id": row_id, "title": title}}
        event = self.inbound(wa_id, "interactive", reply, context)
        await self.deliver(event)
        return event

    async def push_quick_reply(self, wa_id: str, payload: str, text: str) -> dict:
        """The member taps a template's quick-reply button."""
        event = self.inbound(
            wa_id, "button", {"payload": payload, "text": text}, self._last_id(wa_id)
        )
        await self.deliver(event)
        return event

    def status_event(
        self, sent: Sent, status: str, errors: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": sent.id,
            "status": status,
            "timestamp": str(int(self.clock())),
            "recipient_id": sent.to,
        }
        opaque = sent.body.get("biz_opaque_callback_data")
        if opaque:
            entry["biz_opaque_callback_data"] = opaque
        if errors:
            entry["errors"] = errors
        return self._envelope({"statuses": [entry]})

    async def push_status(self, sent: Sent, status: str, code: int = 0, title: str = "") -> dict:
        errors = [{"code": code, "title": title, "message": title}] if code else None
        event = self.status_event(sent, status, errors)
        await self.deliver(event)
        return event

    async def deliver(self, event: dict[str, Any], signature: str | None = None) -> int:
        """POST `event` to the bot's webhook, signed unless `signature` is given; the status."""
        assert self._session is not None and self.webhook_url, "no webhook_url to deliver to"
        body = json.dumps(event, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        headers["X-Hub-Signature-256"] = (
            sign(body, self.app_secret) if signature is None else signature
        )
        if signature == "":
            del headers["X-Hub-Signature-256"]
        async with self._session.post(self.webhook_url, data=body, headers=headers) as answer:
            self.webhook_answers.append(answer.status)
            return answer.status

    async def redeliver(self, event: dict[str, Any]) -> int:
        """Meta's retry of an event (the same body, signed again)."""
        return await self.deliver(event)

    def _last_id(self, wa_id: str) -> str:
        sent = self.sent_to(wa_id)
        return sent[-1].id if sent else ""

    # ------------------------------------------------------------------ the API

    async def _messages(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = {}
        try:
            self._authorise(request)
            if request.match_info["number"] != self.phone_number_id:
                raise GraphError(100, "Invalid parameter", "Unknown phone number id", 400)
            try:
                body = await request.json()
            except json.JSONDecodeError:
                raise GraphError(100, "Invalid parameter", "The body is not JSON") from None
            sent = self._accept(body)
        except GraphError as error:
            self.refused.append((body, error))
            await self._notify()
            return web.json_response(error.body(), status=error.status)
        self.sent.append(sent)
        await self._notify()
        if self.auto_status and self.webhook_url:
            task = asyncio.create_task(self._statuses(sent))
            self._status_tasks.add(task)
            task.add_done_callback(self._status_tasks.discard)
        answer: dict[str, Any] = {"id": sent.id}
        if sent.type == "template":
            answer["message_status"] = "accepted"
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": sent.to, "wa_id": sent.to}],
                "messages": [answer],
            }
        )

    async def _statuses(self, sent: Sent) -> None:
        with contextlib.suppress(aiohttp.ClientError):
            for status in ("sent", "delivered"):
                await self.deliver(self.status_event(sent, status))

    def _authorise(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            raise GraphError(
                190, "Invalid OAuth access token - Cannot parse access token", status=401
            )

    def _accept(self, body: dict[str, Any]) -> Sent:
        if body.get("messaging_product") != "whatsapp":
            raise GraphError(100, "Invalid parameter", "messaging_product must be whatsapp")
        to = str(body.get("to") or "")
        if not re.fullmatch(r"\d{7,15}", to):
            raise GraphError(100, "Invalid parameter", "to must be a phone number")
        kind = body.get("type", "text")
        if kind == "text":
            text = (body.get("text") or {}).get("body", "")
            if not text:
                raise GraphError(131008, "Required parameter is missing", "text.body is required")
            if len(text) > TEXT_MAX:
                raise GraphError(100, "Invalid parameter", f"text.body is longer than {TEXT_MAX}")
        elif kind == "interactive":
            try:
                _check_interactive(body.get("interactive") or {})
            except GraphError:
                self.interactive_violations += 1
                raise
        elif kind == "template":
            self._check_template(body.get("template") or {})
        else:
            raise GraphError(100, "Invalid parameter", f"unsupported type {kind!r}")
        for index, (target, error) in enumerate(self._fail_next):
            if target in (None, to):
                del self._fail_next[index]
                raise error
        now = self.clock()
        while self._recent and self._recent[0] <= now - 1:
            self._recent.popleft()
        if len(self._recent) >= self.throughput:
            raise GraphError(
                130429, "Rate limit hit", "Cloud API message throughput has been reached"
            )
        pair = self._pair.setdefault(to, deque())
        while pair and pair[0] <= now - self.pair_seconds:
            pair.popleft()
        if len(pair) >= self.pair_burst:
            raise GraphError(
                131056,
                "(Business Account, Consumer Account) pair rate limit hit",
                "Too many messages sent from the sender phone number to the same recipient "
                "phone number in a short period of time",
            )
        in_window = now - self.last_inbound.get(to, float("-inf")) < WINDOW_SECONDS
        if kind != "template" and not in_window:
            self.window_violations += 1
            raise GraphError(
                131047,
                "Re-engagement message",
                "Message failed to send because more than 24 hours have passed since the "
                "customer last replied to this number.",
            )
        self._recent.append(now)
        pair.append(now)
        return Sent(f"wamid.OUT{next(self._ids):012d}", to, kind, body, now, in_window)

    def _check_template(self, template: dict[str, Any]) -> None:
        name = template.get("name", "")
        language = (template.get("language") or {}).get("code", "")
        found = next((t for t in self.templates if t.name == name and t.language == language), None)
        if found is None or found.status != "APPROVED":
            raise GraphError(
                132001,
                "Template name does not exist in the translation",
                f"template name ({name}) does not exist in {language}",
            )
        given = 0
        for component in template.get("components", []):
            if component.get("type") == "body":
                given = len(component.get("parameters", []))
                for parameter in component.get("parameters", []):
                    text = parameter.get("text", "")
                    if "\n" in text or "\t" in text or "    " in text:
                        raise GraphError(
                            132018,
                            "There's an issue with the parameters in your template",
                            "Param text cannot have new-line/tab characters or more than 4 "
                            "consecutive spaces",
                        )
        if given != found.parameters:
            raise GraphError(
                132000,
                "Number of parameters does not match the expected number of params",
                f"body: number of localizable_params ({given}) does not match the expected "
                f"number of params ({found.parameters})",
            )

    async def _templates(self, request: web.Request) -> web.Response:
        try:
            self._authorise(request)
        except GraphError as error:
            return web.json_response(error.body(), status=error.status)
        if request.match_info["waba"] != self.waba_id:
            error = GraphError(100, "Invalid parameter", "Unknown WhatsApp Business Account id")
            return web.json_response(error.body(), status=400)
        data = []
        for t in self.templates:
            components: list[dict[str, Any]] = [{"type": "BODY", "text": t.body}]
            if t.buttons:
                buttons = [{"type": "QUICK_REPLY", "text": b} for b in t.buttons]
                components.append({"type": "BUTTONS", "buttons": buttons})
            data.append(
                {
                    "name": t.name,
                    "language": t.language,
                    "status": t.status,
                    "category": t.category,
                    "components": components,
                    "id": str(abs(hash((t.name, t.language))) % 10**15),
                }
            )
        return web.json_response({"data": data, "paging": {"cursors": {"before": "", "after": ""}}})


def _check_interactive(interactive: dict[str, Any]) -> None:
    kind = interactive.get("type")
    body = (interactive.get("body") or {}).get("text", "")
    if not body:
        raise GraphError(131008, "Required parameter is missing", "interactive.body.text")
    if len(body) > INTERACTIVE_BODY_MAX:
        raise _invalid(f"Body text length invalid. Max length should be {INTERACTIVE_BODY_MAX}")
    header = interactive.get("header")
    if header and len(header.get("text", "")) > HEADER_TEXT_MAX:
        raise _invalid(f"Header text length invalid. Max length should be {HEADER_TEXT_MAX}")
    footer = interactive.get("footer")
    if footer and len(footer.get("text", "")) > FOOTER_MAX:
        raise _invalid(f"Footer text length invalid. Max length should be {FOOTER_MAX}")
    action = interactive.get("action") or {}
    if kind == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= BUTTONS_MAX:
            raise _invalid(
                f"Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: {BUTTONS_MAX}"
            )
        ids, titles = set(), set()
        for button in buttons:
            reply = button.get("reply") or {}
            title, button_id = reply.get("title", ""), reply.get("id", "")
            if not title or len(title) > BUTTON_TITLE_MAX:
                raise _invalid(
                    f"Button title length invalid. Max length should be {BUTTON_TITLE_MAX}"
                )
            if not button_id or len(button_id) > BUTTON_ID_MAX:
                raise _invalid(f"Button id length invalid. Max length should be {BUTTON_ID_MAX}")
            if title in titles or button_id in ids:
                raise _invalid("Button title or id is not unique")
            ids.add(button_id)
            titles.add(title)
    elif kind == "list":
        button = action.get("button", "")
        if not button or len(button) > LIST_BUTTON_MAX:
            raise _invalid(f"Button label length invalid. Max length should be {LIST_BUTTON_MAX}")
        sections = action.get("sections") or []
        if not 1 <= len(sections) <= LIST_SECTIONS_MAX:
            raise _invalid(f"Invalid sections count. Max allowed sections: {LIST_SECTIONS_MAX}")
        rows = [row for section in sections for row in section.get("rows") or []]
        if not 1 <= len(rows) <= LIST_ROWS_MAX:
            raise _invalid(f"Total row count exceed max allowed count: {LIST_ROWS_MAX}")
        ids = set()
        for row in rows:
            if not row.get("title") or len(row["title"]) > ROW_TITLE_MAX:
                raise _invalid(f"Row title length invalid. Max length should be {ROW_TITLE_MAX}")
            if len(row.get("description", "")) > ROW_DESCRIPTION_MAX:
                raise _invalid(
                    f"Row description length invalid. Max length should be {ROW_DESCRIPTION_MAX}"
                )
            if not row.get("id") or len(row["id"]) > ROW_ID_MAX or row["id"] in ids:
                raise _invalid("Row id is not unique or its length is invalid")
            ids.add(row["id"])
    else:
        raise GraphError(100, "Invalid parameter", f"unsupported interactive type {kind!r}")
