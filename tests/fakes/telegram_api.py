"""A fake Telegram Bot API server for end-to-end tests.

``FakeTelegram`` listens on 127.0.0.1 (random port) and speaks the Bot API's HTTP shape closely
enough for the real python-telegram-bot client to talk to it through ``base_url``. Limits and
error texts follow the official server (tdlib/telegram-bot-api) and TDLib, because bot code
branches on those texts. Rate limits run on an injectable clock so that no test sleeps.

Typical use::

    async with FakeTelegram() as tg:
        app = ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()
        tg.add_user(42, first_name="Ada")
        tg.push_message(42, "/start abc")
        ...
        await tg.wait_for(lambda: tg.sent(chat_id=42))
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.telegram_entities import find_entities

__all__ = [
    "DEFAULT_TOKEN",
    "Call",
    "FakeTelegram",
    "HtmlParseError",
    "ManualClock",
    "Upload",
    "parse_html",
]

DEFAULT_TOKEN = "123456789:AAFake-token_for_mutual_voice_tests01"

MESSAGE_TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX_BYTES = 64
COMMAND_MAX = 32
COMMAND_DESCRIPTION_MAX = 256
COMMANDS_MAX = 100
UPDATES_LIMIT_MAX = 100

# The methods that post or change a visible message: they are the ones Telegram flood-limits.
RATE_LIMITED_METHODS = frozenset({"sendMessage", "sendPhoto", "editMessageText"})

CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)

# api.telegram.org answers 404 for a token that cannot be a token and 401 for a well-formed one
# it does not know; python-telegram-bot maps both to InvalidToken.
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_PATH_RE = re.compile(r"^/bot([^/]*)/([^/]*)$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]+$")
_BOT_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?(?=\s|$)")

# Form-encoded and multipart requests carry only strings; the real server knows each
# parameter's type, so the fake needs to as well.
_INT_PARAMS = frozenset(
    [
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "max_connections",
        "cache_time",
        "reply_to_message_id",
        "message_thread_id",
        "from_chat_id",
        "user_id",
    ]
)
_FLOAT_PARAMS = frozenset({"timeout"})
_BOOL_PARAMS = frozenset(
    [
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "show_alert",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
    ]
)
_JSON_PARAMS = frozenset(
    [
        "reply_markup",
        "commands",
        "scope",
        "allowed_updates",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
    ]
)
_STR_PARAMS = frozenset(
    [
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "action",
        "language_code",
        "inline_message_id",
    ]
)


class ManualClock:
    """A clock for ``FakeTelegram(clock=...)`` that only moves when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Upload:
    """A file uploaded in a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class Call:
    """One request the fake received, in arrival order."""

    method: str
    params: dict[str, Any]
    time: float
    status: int = 200
    response: dict[str, Any] | None = None
    files: dict[str, Upload] = field(default_factory=dict)
    http_method: str = "POST"
    content_type: str = ""


class ApiError(Exception):
    """An error answer, rendered exactly as the Bot API renders it."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _flood(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class _Described:
    """A result that the real API sends with a human-readable ``description``."""

    def __init__(self, result: Any, description: str) -> None:
        self.result = result
        self.description = description


# --------------------------------------------------------------------------------------------
# HTML parse mode, following TDLib's parse_html so that offsets and error texts match.


class HtmlParseError(ValueError):
    """Raised by :func:`parse_html` with TDLib's message text."""


_HTML_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    ]
)
_SIMPLE_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_NAMED_HTML_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}


def _is_space(c: int) -> bool:
    # TDLib counts NUL as a space, which is also how it notices the end of the string.
    return c in (0x20, 0x09, 0x0D, 0x0A, 0x00, 0x0B)


def _is_alnum(c: int) -> bool:
    return 0x30 <= c <= 0x39 or 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


def _decode_html_entity(b: bytes, pos: int) -> tuple[int, int]:
    """Decode the character reference at ``b[pos] == '&'``; return (code point or 0, end)."""

    def at(i: int) -> int:
        return b[i] if i < len(b) else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == ord("#"):
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while at(end) and chr(at(end)) in "0123456789abcdefABCDEF":
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while 0x30 <= at(end) <= 0x39:
                code = code * 10 + at(end) - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while 0x41 <= at(end) <= 0x5A or 0x61 <= at(end) <= 0x7A:
            end += 1
        char = _NAMED_HTML_ENTITIES.get(b[pos + 1 : end])
        if char is None:
            return 0, pos  # unknown named entities stay in the text as typed
        code = ord(char)
    return code, end + 1 if at(end) == ord(";") else end


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Bot API HTML into (plain text, MessageEntity dicts); raise HtmlParseError."""
    b = text.encode("utf-8")
    n = len(b)

    def at(i: int) -> int:
        return b[i] if i < n else 0

    out = bytearray()
    entities: list[dict[str, Any]] = []
    # (tag name, argument, utf-16 offset, byte offset in ``out``)
    nested: list[tuple[str, str, int, int]] = []
    utf16 = 0
    has_surrogate = False
    i = 0
    while i < n:
        c = b[i]
        if c == ord("&"):
            code, end = _decode_html_entity(b, i)
            if code:
                if 0xD800 <= code <= 0xDFFF:
                    has_surrogate = True
                else:
                    out += chr(code).encode("utf-8")
                utf16 += 2 if code > 0xFFFF else 1
                i = end
                continue
        if c != ord("<"):
            if c & 0xC0 != 0x80:
                utf16 += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != ord("/"):
            while not _is_space(at(i)) and at(i) != ord(">"):
                i += 1
            if at(i) == 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            tag = b[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in _HTML_TAGS:
                raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != ord(">"):
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == ord(">"):
                    break
                name_begin = i
                while not _is_space(at(i)) and at(i) != ord("="):
                    i += 1
                attribute = b[name_begin:i].decode("utf-8", "replace")
                if not attribute:
                    raise HtmlParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) != ord("="):
                    raise HtmlParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == 0:
                    raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in (ord("'"), ord('"')):
                    token_begin = i
                    while _is_alnum(at(i)) or at(i) in (ord("."), ord("-")):
                        i += 1
                    value = b[token_begin:i].decode("utf-8", "replace").lower()
                    if not _is_space(at(i)) and at(i) != ord(">"):
                        raise HtmlParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    raw = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == ord("&"):
                            code, end = _decode_html_entity(b, i)
                            if code:
                                if not 0xD800 <= code <= 0xDFFF:
                                    raw += chr(code).encode("utf-8")
                                i = end
                                continue
                        raw.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = raw.decode("utf-8", "replace")
                if at(i) == 0:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and attribute == "href":
                    argument = value
                elif tag == "code" and attribute == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attribute == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attribute == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise HtmlParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            nested.append((tag, argument, utf16, len(out)))
            i += 1  # past '>'
            continue

        # An end tag.
        if not nested:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        while not _is_space(at(i)) and at(i) != ord(">"):
            i += 1
        end_tag = b[begin + 2 : i].decode("utf-8", "replace").lower()
        while _is_space(at(i)) and at(i) != 0:
            i += 1
        if at(i) != ord(">"):
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        tag, argument, offset, out_begin = nested[-1]
        if end_tag and end_tag != tag:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", '
                f'found "</{end_tag}>"'
            )
        if utf16 > offset:
            _add_entity(entities, tag, argument, offset, utf16 - offset, bytes(out[out_begin:]))
        nested.pop()
        i += 1
    if nested:
        raise HtmlParseError(f"Can't find end tag corresponding to start tag {nested[-1][0]}")
    if has_surrogate:
        raise HtmlParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.decode("utf-8"), entities


def _add_entity(
    entities: list[dict[str, Any]],
    tag: str,
    argument: str,
    offset: int,
    length: int,
    inner: bytes,
) -> None:
    entity: dict[str, Any] = {"offset": offset, "length": length}
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    if tag in _SIMPLE_ENTITY_TYPES:
        entity["type"] = _SIMPLE_ENTITY_TYPES[tag]
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        entity.update(type="custom_emoji", custom_emoji_id=argument)
    elif tag == "a":
        url = argument or inner.decode("utf-8", "replace")
        if not url:
            return
        entity.update(type="text_link", url=url)
    elif tag == "pre":
        # <pre><code class="language-x"> is one pre entity with a language.
        if same_span and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
            return
        entity["type"] = "pre"
    elif tag == "code":
        if same_span and last["type"] == "pre" and argument:
            last["language"] = argument
            return
        entity["type"] = "code"
        if argument:
            entity["language"] = argument
    entities.append(entity)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# Flood control.


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait(self) -> float:
        # The epsilon absorbs float error from many small refills.
        return 0.0 if self.tokens >= 1 - 1e-9 else (1 - self.tokens) / self.rate


@dataclass
class _QueuedUpdate:
    update: dict[str, Any]
    delivered: bool = False
    # A raw update pushed with an update_id below the confirmed offset is still handed out
    # once, so tests can simulate Telegram re-delivering an update.
    forced: bool = False

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


_DEFAULT = object()


class FakeTelegram:
    """An in-process fake of the Telegram Bot API for the real python-telegram-bot client."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "mutual_voice_test_bot",
        bot_first_name: str = "Mutual Voice (test)",
        clock: Callable[[], float] = time.monotonic,
        rate_limits: bool = True,
        per_chat_rate: float = 1.0,
        per_chat_burst: int = 3,
        global_rate: float = 30.0,
        global_burst: int = 30,
        max_long_poll: float = 1.0,
        host: str = "127.0.0.1",
        latency: float = 0.0,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.clock = clock
        self.rate_limits = rate_limits
        self.per_chat_rate = per_chat_rate
        self.per_chat_burst = per_chat_burst
        self.global_rate = global_rate
        self.global_burst = global_burst
        self.max_long_poll = max_long_poll
        self.host = host
        self.port: int | None = None
        # A network's round trip in real seconds (benches only): half before a request is
        # handled, half before its answer leaves.
        self.latency = latency
        # Called with each message the bot sends, once stored and before the answer goes
        # back: a test can kill the bot there (sent, but the bot never heard so).
        self.on_sent: Callable[[dict[str, Any]], None] | None = None

        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 123456789
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }

        # Records.
        self.calls: list[Call] = []
        self.abandoned_calls: list[Call] = []
        self.users: dict[int, dict[str, Any]] = {}
        self.groups: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.messages: dict[int, dict[int, dict[str, Any]]] = {}
        self.answered_callbacks: list[dict[str, Any]] = []
        self.scoped_commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.photos: list[dict[str, Any]] = []
        self.chat_actions: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.webhook_deliveries: list[dict[str, Any]] = []

        self._sent_order: list[tuple[int, int]] = []
        self._queue: list[_QueuedUpdate] = []
        self._next_update_id = 1
        self._next_message_id: dict[int, int] = {}
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._open_callbacks: dict[str, dict[str, Any]] = {}
        self._forced_failures: list[tuple[int, frozenset[str]]] = []
        self._chat_buckets: dict[int, _Bucket] = {}
        self._global_bucket: _Bucket | None = None
        self._updates_event = asyncio.Event()
        self._poll_generation = 0
        self._waiting_polls = 0
        self._closing = False
        self._cond: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None

        self._methods: dict[str, tuple[str, Callable[..., Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "answerCallbackQuery": self._answer_callback_query,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "sendPhoto": self._send_photo,
                "sendChatAction": self._send_chat_action,
                "close": self._close,
                "logOut": self._close,
            }.items()
        }

    # ---------------------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """Root URL of the server, e.g. ``http://127.0.0.1:PORT``."""
        if self.port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url()`` / ``Bot(base_url=...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url()`` / ``Bot(base_file_url=...)``."""
        return f"{self.url}/file/bot"

    async def start(self) -> FakeTelegram:
        """Bind a free port on 127.0.0.1 and start serving."""
        self._closing = False
        self._cond = asyncio.Condition()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # A short shutdown timeout: pending long polls are woken on stop(), nothing else lingers.
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=2.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Wake pending long polls and shut the server down."""
        self._closing = True
        self._wake_pollers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---------------------------------------------------------------------------- test controls

    def add_user(
        self,
        user_id: int,
        first_name: str = "Test",
        username: str | None = None,
        *,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """Register a user who has started the bot (their private chat id equals their id)."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        self.messages.setdefault(user_id, {})
        return user

    def add_group(
        self, chat_id: int, title: str = "Staff council", chat_type: str = "supergroup"
    ) -> dict[str, Any]:
        """Register a group the bot is a member of (group ids are negative)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        self.groups[chat_id] = {"id": chat_id, "type": chat_type, "title": title}
        self.messages.setdefault(chat_id, {})
        return self.groups[chat_id]

    def block(self, user_id: int) -> None:
        """Make the user block the bot: sends to them answer 403 from now on."""
        self.blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self.blocked.discard(user_id)

    def fail_next(
        self, n: int = 1, retry_after: int = 1, *, methods: set[str] | None = None
    ) -> None:
        """Answer the next ``n`` calls of ``methods`` (default: the sending ones) with 429."""
        targets = frozenset(methods) if methods else RATE_LIMITED_METHODS
        self._forced_failures.extend([(max(1, int(retry_after)), targets)] * n)

    def make_message_update(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: int | None = None,
        update_id: int | None = None,
    ) -> dict[str, Any]:
        """Build (without queueing) a text message update from ``user_id``.

        It is sent in their private chat unless ``chat_id`` names a group added with
        ``add_group``; ``reply_to`` is the id of a message in that chat being replied to.
        """
        if user_id not in self.users:
            self.add_user(user_id)
        chat = user_id if chat_id is None else chat_id
        user = self.users[user_id]
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat),
            "from": user,
            "chat": self._chat(chat),
            "date": int(time.time()),
            "text": text,
        }
        if reply_to is not None:
            original = self.messages.get(chat, {}).get(reply_to)
            if original is None:
                raise KeyError(f"no message {reply_to} in chat {chat}")
            message["reply_to_message"] = json.loads(json.dumps(original))
        command = _BOT_COMMAND_RE.match(text)
        if command:
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command.group(0))}
            ]
        self.messages[chat][message["message_id"]] = message
        return {"update_id": self._take_update_id(update_id), "message": message}

    def make_callback_update(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        update_id: int | None = None,
    ) -> tuple[dict[str, Any], str]:
        """Build (without queueing) a callback query update; return (update, query id).

        The pressed message is in ``user_id``'s private chat unless ``chat_id`` says otherwise.
        """
        chat = user_id if chat_id is None else chat_id
        message = self.messages.get(chat, {}).get(message_id)
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat}")
        if user_id not in self.users:
            self.add_user(user_id)
        query_id = str(next(self._callback_ids))
        query = {
            "id": query_id,
            "from": self.users[user_id],
            "message": json.loads(json.dumps(message)),
            "chat_instance": str(-abs(hash((self.bot_id, chat)))),
            "data": data,
        }
        self._open_callbacks[query_id] = query
        return {"update_id": self._take_update_id(update_id), "callback_query": query}, query_id

    def push_message(
        self, user_id: int, text: str, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> int:
        """Queue a text message from ``user_id`` (auto-registered); return its update_id."""
        update = self.make_message_update(user_id, text, chat_id=chat_id, reply_to=reply_to)
        self._enqueue(update)
        return update["update_id"]

    def push_callback(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> tuple[int, str]:
        """Queue a button press on a message in ``user_id``'s chat (or ``chat_id``).

        Returns (update_id, query id).
        """
        update, query_id = self.make_callback_update(user_id, message_id, data, chat_id=chat_id)
        self._enqueue(update)
        return update["update_id"], query_id

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update. Reusing an update_id re-delivers it, as Telegram sometimes does."""
        update = dict(update)
        forced = "update_id" in update
        update["update_id"] = self._take_update_id(update.get("update_id"))
        self._enqueue(update, forced=forced)
        return update["update_id"]

    async def deliver_webhook(
        self,
        update: dict[str, Any],
        *,
        secret_token: Any = _DEFAULT,
        url: str | None = None,
    ) -> int:
        """POST ``update`` to the registered webhook and return the HTTP status.

        The registered secret is sent in ``X-Telegram-Bot-Api-Secret-Token`` unless
        ``secret_token`` overrides it (``None`` sends no header).
        """
        target = url or (self.webhook or {}).get("url")
        if not target:
            raise RuntimeError("no webhook is set")
        secret = (
            (self.webhook or {}).get("secret_token") if secret_token is _DEFAULT else secret_token
        )
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        timeout = aiohttp.ClientTimeout(total=5)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(target, data=json.dumps(update), headers=headers) as response,
        ):
            await response.read()
            status = response.status
        self.webhook_deliveries.append(
            {"url": target, "update": update, "secret_token": secret, "status": status}
        )
        return status

    # ---------------------------------------------------------------------------- records

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (in order, as they look now after edits), optionally per chat."""
        return [
            self.messages[chat][message_id]
            for chat, message_id in self._sent_order
            if chat_id is None or chat == chat_id
        ]

    @property
    def commands(self) -> list[dict[str, str]]:
        """Commands for the default scope and no language."""
        return self.scoped_commands.get(('{"type": "default"}', ""), [])

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        return [queued.update for queued in self._queue]

    @property
    def long_polls_waiting(self) -> int:
        """How many getUpdates requests are currently parked waiting for updates."""
        return self._waiting_polls

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy, re-checking after every API call.

        The timeout is only a safety net: a passing test returns as soon as the bot makes the
        call that satisfies the predicate.
        """
        if self._cond is None:
            raise RuntimeError("FakeTelegram is not started")
        try:
            async with asyncio.timeout(timeout), self._cond:
                return await self._cond.wait_for(predicate)
        except TimeoutError:
            recent = ", ".join(f"{c.method}->{c.status}" for c in self.calls[-10:])
            raise TimeoutError(
                f"condition not met within {timeout}s; last calls: {recent or 'none'}"
            ) from None

    # ---------------------------------------------------------------------------- HTTP layer

    async def _handle(self, request: web.Request) -> web.Response:
        match = _PATH_RE.match(request.path)
        if not match or request.method not in ("GET", "POST"):
            return self._respond(ApiError(404, "Not Found").body(), 404)
        token, method = match.groups()
        content_type = request.content_type if request.body_exists else ""
        if self.latency:
            await asyncio.sleep(self.latency / 2)
        params: dict[str, Any] = {}
        files: dict[str, Upload] = {}
        name = method
        try:
            if not _TOKEN_RE.match(token):
                raise ApiError(404, "Not Found")
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            params, files = await self._read_params(request)
            entry = self._methods.get(method.lower())
            if entry is None:
                raise ApiError(404, "Not Found: method not found")
            name, handler = entry
            self._check_forced_failure(name)
            result = await handler(params, files)
            if isinstance(result, _Described):
                body = {"ok": True, "result": result.result, "description": result.description}
            else:
                body = {"ok": True, "result": result}
            status = 200
        except ApiError as error:
            body, status = error.body(), error.code
        # A client that hung up (PTB cancels its long poll on shutdown) never sees the answer;
        # keeping it out of ``calls`` keeps assertions about what the bot saw honest.
        transport = request.transport
        gone = transport is None or transport.is_closing()
        (self.abandoned_calls if gone else self.calls).append(
            Call(
                method=name,
                params=params,
                time=self.clock(),
                status=status,
                response=body,
                files=files,
                http_method=request.method,
                content_type=content_type,
            )
        )
        await self._notify()
        if self.latency:
            await asyncio.sleep(self.latency / 2)
        return self._respond(body, status)

    @staticmethod
    def _respond(body: dict[str, Any], status: int) -> web.Response:
        return web.json_response(body, status=status)

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = json.loads(await request.read() or b"{}")
                except ValueError:
                    raise _bad("can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise _bad("JSON object expected")
                raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = Upload(
                            field=key,
                            filename=value.filename,
                            content_type=value.content_type,
                            data=value.file.read(),
                        )
                    else:
                        raw[key] = value
        return {key: _coerce(key, value) for key, value in raw.items()}, files

    async def _notify(self) -> None:
        if self._cond is not None:
            async with self._cond:
                self._cond.notify_all()

    # ---------------------------------------------------------------------------- internals

    def _take_update_id(self, update_id: int | None) -> int:
        if update_id is None:
            update_id = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update_id) + 1)
        return int(update_id)

    def _new_message_id(self, chat_id: int) -> int:
        # A private chat has one message id sequence shared by both sides.
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id in self.groups:
            return dict(self.groups[chat_id])
        if chat_id not in self.users:
            raise KeyError(f"unknown chat {chat_id}: add_user or add_group first")
        return self._private_chat(chat_id)

    def _known_chat(self, chat_id: Any) -> bool:
        return isinstance(chat_id, int) and (chat_id in self.users or chat_id in self.groups)

    def _private_chat(self, user_id: int) -> dict[str, Any]:
        user = self.users[user_id]
        chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        return chat

    def _enqueue(self, update: dict[str, Any], *, forced: bool = False) -> None:
        self._queue.append(_QueuedUpdate(update, forced=forced))
        self._wake_pollers()

    def _wake_pollers(self) -> None:
        # A fresh Event per wake-up, so no waiter can miss a set() that raced with a clear().
        event, self._updates_event = self._updates_event, asyncio.Event()
        event.set()

    def _check_forced_failure(self, method: str) -> None:
        for index, (retry_after, methods) in enumerate(self._forced_failures):
            if method in methods:
                del self._forced_failures[index]
                raise _flood(retry_after)

    def _check_flood(self, chat_id: int) -> None:
        """Take one message from the chat's and the global budget, or answer 429."""
        if not self.rate_limits:
            return
        now = self.clock()
        chat = self._chat_buckets.get(chat_id)
        if chat is None:
            chat = _Bucket(self.per_chat_rate, self.per_chat_burst, self.per_chat_burst, now)
            self._chat_buckets[chat_id] = chat
        if self._global_bucket is None:
            self._global_bucket = _Bucket(
                self.global_rate, self.global_burst, self.global_burst, now
            )
        glob = self._global_bucket
        chat.refill(now)
        glob.refill(now)
        wait = max(chat.wait(), glob.wait())
        if wait > 0:
            raise _flood(max(1, math.ceil(wait - 1e-9)))
        chat.tokens -= 1
        glob.tokens -= 1

    def _chat_for_send(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise _bad("chat_id is empty")
        if not self._known_chat(chat_id):
            raise _bad("chat not found")
        return chat_id

    def _check_not_blocked(self, chat_id: int) -> None:
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _formatted(
        self, params: dict[str, Any], key: str, entities_key: str
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        """Apply parse_mode to ``params[key]``; return (plain text, entities)."""
        text = params.get(key)
        if text is None:
            return None, None
        text = str(text)
        parse_mode = params.get("parse_mode")
        given = params.get(entities_key)
        entities = given if isinstance(given, list) else []
        if parse_mode:
            mode = str(parse_mode).lower()
            if mode == "html":
                try:
                    text, entities = parse_html(text)
                except HtmlParseError as error:
                    message = str(error)
                    raise _bad(f"can't parse entities: {message}") from None
            elif mode not in ("markdown", "markdownv2"):
                raise _bad("unsupported parse_mode")
            # Markdown is not interpreted: the fake measures and stores the source text.
        # Like Telegram, find mentions, links, commands and tags in the text as well.
        entities = sorted(
            entities + find_entities(text, entities), key=lambda e: (e["offset"], -e["length"])
        )
        return text, entities or None

    def _check_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """Structural checks done by the Bot API server before it looks at the chat."""
        markup = params.get("reply_markup")
        if markup in (None, ""):
            return None
        if not isinstance(markup, dict):
            raise _bad("object expected as reply markup")
        keyboard = markup.get("inline_keyboard")
        if keyboard is None:
            return markup
        if not isinstance(keyboard, list):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
        for row in keyboard:
            if not isinstance(row, list):
                raise _bad(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            for button in row:
                if not isinstance(button, dict):
                    raise _bad(
                        "can't parse InlineKeyboardButton: InlineKeyboardButton must be an Object"
                    )
                if not isinstance(button.get("text"), str):
                    raise _bad(
                        'can\'t parse InlineKeyboardButton: Field "text" must be of type String'
                    )
                # An empty callback_data counts as absent, which leaves a plain text button.
                actions = [key for key, value in button.items() if key != "text" and value != ""]
                if not actions:
                    raise _bad(
                        "can't parse InlineKeyboardButton: "
                        "Text buttons are not allowed in the inline keyboard"
                    )
        return markup

    @staticmethod
    def _check_buttons(markup: dict[str, Any] | None) -> None:
        """Limits that Telegram's servers enforce after the Bot API server accepted the markup."""
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if not button["text"].strip():
                    raise _bad("BUTTON_TEXT_INVALID")
                data = button.get("callback_data")
                if isinstance(data, str) and len(data.encode("utf-8")) > CALLBACK_DATA_MAX_BYTES:
                    raise _bad("BUTTON_DATA_INVALID")

    @staticmethod
    def _check_text_length(text: str, limit: int, too_long: str) -> None:
        if not text.strip():
            raise _bad("message must be non-empty")
        # Telegram counts characters (code points) here, not UTF-16 units as in entities.
        if len(text) > limit:
            raise _bad(too_long)

    def _store_sent(self, chat_id: int, message: dict[str, Any]) -> dict[str, Any]:
        self.messages.setdefault(chat_id, {})[message["message_id"]] = message
        self._sent_order.append((chat_id, message["message_id"]))
        if self.on_sent is not None:
            self.on_sent(message)
        return message

    def _reply_target(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        """The message being replied to, checked before anything is sent."""
        reply = params.get("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        message_id = reply.get("message_id") or params.get("reply_to_message_id")
        if not message_id:
            return None
        original = self.messages.get(chat_id, {}).get(message_id)
        allow = params.get("allow_sending_without_reply") or reply.get(
            "allow_sending_without_reply"
        )
        if original is None and not allow:
            raise _bad("message to be replied not found")
        return original

    def _new_bot_message(self, chat_id: int, reply_to: dict[str, Any] | None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = json.loads(json.dumps(reply_to))
        return message

    def _find_bot_message(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise _bad("message to edit not found")
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise _bad("chat_id is empty")
        if not self._known_chat(chat_id):
            raise _bad("chat not found")
        message_id = params.get("message_id")
        if not message_id:
            raise _bad("message identifier is not specified")
        message = self.messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise _bad("message to edit not found")
        if message["from"].get("id") != self.bot_id:
            raise _bad("message can't be edited")
        return chat_id, message

    # ---------------------------------------------------------------------------- methods

    async def _get_me(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        if self.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        limit = params.get("limit") or UPDATES_LIMIT_MAX
        limit = min(max(int(limit), 1), UPDATES_LIMIT_MAX) if isinstance(limit, int) else 100
        timeout = params.get("timeout") or 0
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0

        # Like the real server, a new long poll ends the previous one with 409.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()
        self._confirm(offset)

        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, min(timeout, self.max_long_poll))
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = sorted(self._queue, key=lambda queued: queued.update_id)[:limit]
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                break
            event = self._updates_event
            self._waiting_polls += 1
            try:
                # Lets a test wait_for(lambda: fake.long_polls_waiting) before pushing.
                await self._notify()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
            finally:
                self._waiting_polls -= 1
        for queued in batch:
            queued.delivered = True
            queued.forced = False
        return [queued.update for queued in batch]

    def _confirm(self, offset: Any) -> None:
        if not isinstance(offset, int):
            return
        if offset < 0:
            ordered = sorted(self._queue, key=lambda queued: queued.update_id)
            self._queue = ordered[offset:]
            return
        self._queue = [
            queued
            for queued in self._queue
            if queued.update_id >= offset or (queued.forced and not queued.delivered)
        ]

    async def _set_webhook(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return await self._delete_webhook(params, files)
        if not url.startswith(("http://", "https://")):
            raise _bad("bad webhook: Wrong HTTP URL specified")
        if params.get("drop_pending_updates"):
            self._queue.clear()
        self.webhook = {
            "url": url,
            "secret_token": params.get("secret_token") or None,
            "max_connections": params.get("max_connections") or 40,
            "allowed_updates": params.get("allowed_updates"),
        }
        return _Described(True, "Webhook was set")

    async def _delete_webhook(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        if params.get("drop_pending_updates"):
            self._queue.clear()
        was_set = self.webhook is not None
        self.webhook = None
        return _Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    async def _get_webhook_info(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        info: dict[str, Any] = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["allowed_updates"]:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _send_message(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        if params.get("text") in (None, ""):
            raise _bad("message text is empty")
        text, entities = self._formatted(params, "text", "entities")
        assert text is not None
        markup = self._check_reply_markup(params)
        chat_id = self._chat_for_send(params)
        self._check_text_length(text, MESSAGE_TEXT_MAX, "message is too long")
        self._check_buttons(markup)
        self._check_not_blocked(chat_id)
        reply_to = self._reply_target(chat_id, params)
        self._check_flood(chat_id)
        message = self._new_bot_message(chat_id, reply_to)
        message["text"] = text
        if entities:
            message["entities"] = entities
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return self._store_sent(chat_id, message)

    async def _send_photo(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        photo = params.get("photo")
        upload = files.get("photo")
        if isinstance(photo, str) and photo.startswith("attach://"):
            upload = files.get(photo[len("attach://") :])
            photo = None
        if upload is None and not photo:
            raise _bad("there is no photo in the request")
        caption, entities = self._formatted(params, "caption", "caption_entities")
        markup = self._check_reply_markup(params)
        chat_id = self._chat_for_send(params)
        if caption is not None and len(caption) > CAPTION_MAX:
            raise _bad("message caption is too long")
        self._check_buttons(markup)
        self._check_not_blocked(chat_id)
        reply_to = self._reply_target(chat_id, params)
        self._check_flood(chat_id)
        message = self._new_bot_message(chat_id, reply_to)
        number = next(self._file_ids)
        file_id = str(photo) if photo and upload is None else f"AgACAgFakePhoto{number:06d}"
        size = len(upload.data) if upload else 0
        message["photo"] = [
            {
                "file_id": f"{file_id}-s",
                "file_unique_id": f"fakeS{number}",
                "width": 90,
                "height": 90,
                "file_size": min(size, 1500),
            },
            {
                "file_id": file_id,
                "file_unique_id": f"fake{number}",
                "width": 800,
                "height": 600,
                "file_size": size,
            },
        ]
        if caption:
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.photos.append(
            {
                "chat_id": chat_id,
                "message_id": message["message_id"],
                "file_id": file_id,
                "filename": upload.filename if upload else None,
                "content_type": upload.content_type if upload else None,
                "data": upload.data if upload else None,
                "source": None if upload else photo,
                "caption": caption,
            }
        )
        return self._store_sent(chat_id, message)

    async def _edit_message_text(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        if params.get("text") in (None, ""):
            raise _bad("message text is empty")
        text, entities = self._formatted(params, "text", "entities")
        assert text is not None
        markup = self._check_reply_markup(params)
        chat_id, message = self._find_bot_message(params)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        self._check_text_length(text, MESSAGE_TEXT_MAX, "message is too long")
        self._check_buttons(markup)
        # Editing the text without reply_markup removes the inline keyboard.
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if (
            message["text"] == text
            and message.get("entities") == entities
            and message.get("reply_markup") == new_markup
        ):
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._check_flood(chat_id)
        message["text"] = text
        message.pop("entities", None)
        message.pop("reply_markup", None)
        if entities:
            message["entities"] = entities
        if new_markup:
            message["reply_markup"] = new_markup
        message["edit_date"] = int(time.time())
        return message

    async def _edit_message_reply_markup(
        self, params: dict[str, Any], files: dict[str, Upload]
    ) -> Any:
        markup = self._check_reply_markup(params)
        _chat_id, message = self._find_bot_message(params)
        self._check_buttons(markup)
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if message.get("reply_markup") == new_markup:
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message.pop("reply_markup", None)
        if new_markup:
            message["reply_markup"] = new_markup
        message["edit_date"] = int(time.time())
        return message

    async def _answer_callback_query(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_callbacks:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        del self._open_callbacks[query_id]
        self.answered_callbacks.append(
            {
                "callback_query_id": query_id,
                "text": params.get("text"),
                "show_alert": bool(params.get("show_alert")),
                "url": params.get("url"),
                "cache_time": params.get("cache_time"),
            }
        )
        return True

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        raw = params.get("commands") or []
        if not isinstance(raw, list):
            raise _bad('field "commands" must be an Array')
        commands: list[dict[str, str]] = []
        # Checks in TDLib's order (BotCommand.cpp), then the ones Telegram's servers apply.
        for item in raw:
            if not isinstance(item, dict):
                raise _bad("can't parse BotCommand: Object expected")
            for key in ("command", "description"):
                if not isinstance(item.get(key), str):
                    raise _bad(f"can't parse BotCommand: Can't find field \"{key}\"")
            command = item["command"].strip().removeprefix("/")
            if not command:
                raise _bad("command must be non-empty")
            if len(command) > COMMAND_MAX:
                raise _bad(f"command length must not exceed {COMMAND_MAX}")
            description = item["description"].strip()
            if not description:
                raise _bad("command description must be non-empty")
            if len(description) > COMMAND_DESCRIPTION_MAX:
                raise _bad(f"command description length must not exceed {COMMAND_DESCRIPTION_MAX}")
            commands.append({"command": command, "description": description})
        if len(commands) > COMMANDS_MAX:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        if any(not _COMMAND_RE.match(c["command"]) for c in commands):
            raise _bad("BOT_COMMAND_INVALID")
        key = self._scope_key(params)
        if commands:
            self.scoped_commands[key] = commands
        else:
            self.scoped_commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return self.scoped_commands.get(self._scope_key(params), [])

    async def _delete_my_commands(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        self.scoped_commands.pop(self._scope_key(params), None)
        return True

    async def _send_chat_action(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        chat_id = self._chat_for_send(params)
        self._check_not_blocked(chat_id)
        self.chat_actions.append({"chat_id": chat_id, "action": action, "time": self.clock()})
        return True

    async def _close(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return True


def _coerce(name: str, value: Any) -> Any:
    """Give a request parameter the type the Bot API gives it."""
    if name in _JSON_PARAMS:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                if name == "reply_markup":
                    raise _bad("can't parse reply keyboard markup JSON object") from None
                raise _bad(f"can't parse {name} JSON object") from None
        return value
    if name in _INT_PARAMS:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            return int(value)
        return value  # e.g. "@channel" for chat_id; handlers reject what they cannot use
    if name in _FLOAT_PARAMS:
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                return 0.0
        return value
    if name in _BOOL_PARAMS:
        if isinstance(value, str):
            # Same spelling rules as the official server's Client::to_bool.
            return value.strip().lower() in ("true", "yes", "1")
        return bool(value)
    if name in _STR_PARAMS and value is not None and not isinstance(value, str):
        return json.dumps(value) if isinstance(value, dict | list) else str(value)
    return value
