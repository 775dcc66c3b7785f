"""A fake Slack Web API served on 127.0.0.1 for end-to-end tests.

Point the real ``slack_sdk`` client at it::

    async with FakeSlack(bot_token="xoxb-test") as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)

It mimics the wire behaviour the SDK relies on: ``POST /api/<method>`` with the
arguments in the query string (``params=``), a form body or a JSON body, answers
``{"ok": ...}`` with HTTP 200, and rate limits as HTTP 429 with ``Retry-After``.
Error names follow the Web API reference; the ``response_metadata.messages``
explanations follow Slack's ``[ERROR] ... [json-pointer:/...]`` pattern but are
not guaranteed to be word-for-word what Slack says.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import itertools
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["Call", "FakeSlack", "UploadedFile", "all_text", "live_markup", "readable_text"]

# Arguments that Slack accepts as JSON-encoded strings in form/query bodies.
_JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files")

MESSAGE_TEXT_LIMIT = 40_000
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
ATTACHMENT_LIMIT = 100


class _ApiError(Exception):
    """A Web API failure: becomes ``{"ok": false, "error": ...}``."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        messages: list[str] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.messages = messages or []

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["errors"] = list(self.messages)
            body["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in self.messages]}
        return body


@dataclass
class Call:
    """One request the fake received (including rejected ones)."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]  # names lower-cased
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return self.response.get("error")


@dataclass
class UploadedFile:
    """A file completed through the upload v2 flow."""

    file_id: str
    filename: str
    title: str | None
    content: bytes
    channel: str | None
    channels: list[str]
    initial_comment: str | None = None
    thread_ts: str | None = None
    alt_txt: str | None = None


@dataclass
class _Trigger:
    issued_at: float
    user_id: str | None
    exchanged: bool = False


@dataclass
class _Bucket:
    tokens: float
    updated_at: float


class FakeSlack:
    """In-process fake of the Slack Web API on ``127.0.0.1``."""

    def __init__(
        self,
        bot_token: str = "xoxb-test-token",
        *,
        bot_user_id: str = "U0BOT0001",
        team_id: str = "T0TEAM001",
        bot_id: str = "B0BOT0001",
        app_id: str = "A0APP0001",
        team_name: str = "Mutual Voice Test",
        app_token: str = "xapp-1-test-token",
        clock: Callable[[], float] = time.monotonic,
        rate_limits: bool = True,
        post_rate: float = 1.0,
        post_burst: int = 3,
        trigger_ttl: float = 3.0,
        channels: Iterable[str] = (),
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.team_id = team_id
        self.team_name = team_name
        self.clock = clock
        self.rate_limits = rate_limits
        self.post_rate = post_rate
        self.post_burst = post_burst
        self.trigger_ttl = trigger_ttl

        self.calls: list[Call] = []
        self.files: list[UploadedFile] = []
        self.ephemerals: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []

        self.port: int | None = None
        self.base_url = ""
        self.api_url = ""

        self._ids = itertools.count(1)
        self._ts_seq = itertools.count(1)
        self._channels: dict[str, dict[str, Any]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._message_log: list[dict[str, Any]] = []
        self._triggers: dict[str, _Trigger] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._modal_ids: list[str] = []
        self._home: dict[str, str] = {}
        self._pending_files: dict[str, dict[str, Any]] = {}
        self._response_urls: set[str] = set()
        self._buckets: dict[str, _Bucket] = {}
        self._forced: list[tuple[int, str | None]] = []
        self._refusals: list[tuple[str, str | None]] = []
        self._cond: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None

        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.publish": self._views_publish,
            "views.update": self._views_update,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "apps.connections.open": self._apps_connections_open,
        }

        self._users[bot_user_id] = {
            "id": bot_user_id,
            "team_id": team_id,
            "name": "mutualvoice",
            "real_name": "Mutual Voice",
            "is_bot": True,
            "deleted": False,
            "profile": {"real_name": "Mutual Voice", "display_name": "Mutual Voice"},
        }
        for channel_id in channels:
            self.add_channel(channel_id)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeSlack:
        """Bind a free port on 127.0.0.1 and start serving."""
        self._cond = asyncio.Condition()
        # Room for realistic uploads; aiohttp's default body cap is 1 MiB.
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_post("/response/{token}", self._handle_response_url)
        # A short shutdown timeout: the default 60 s would stall a failing test.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.api_url = f"{self.base_url}/api/"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test set-up

    def add_user(self, user_id: str, email: str, real_name: str, **extra: Any) -> dict[str, Any]:
        """Put a member in the directory used by users.info / users.lookupByEmail."""
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": email.split("@")[0],
            "real_name": real_name,
            "is_bot": False,
            "deleted": False,
            "tz": "Europe/London",
            "profile": {"email": email, "real_name": real_name, "display_name": real_name},
        }
        user.update(extra)
        self._users[user_id] = user
        self.dm_channel(user_id)
        return user

    def add_channel(self, channel_id: str, name: str | None = None) -> None:
        """Make a public/private channel exist (e.g. the staff council channel)."""
        self._channels[channel_id] = {"id": channel_id, "name": name or channel_id.lower()}

    def dm_channel(self, user_id: str) -> str:
        """The stable D-channel id of the bot's DM with ``user_id`` (registers it)."""
        digest = hashlib.sha1(f"{self.team_id}:{user_id}".encode()).hexdigest()[:9].upper()
        channel_id = f"D{digest}"
        self._channels.setdefault(channel_id, {"id": channel_id, "is_im": True, "user": user_id})
        return channel_id

    def new_trigger_id(self, user_id: str | None = None) -> str:
        """Issue a trigger id as Slack would in an interaction payload."""
        n = next(self._ids)
        secret = hashlib.md5(str(n).encode()).hexdigest()
        trigger_id = f"{1_000_000 + n}.{self.team_id[1:]}.{secret}"
        self._triggers[trigger_id] = _Trigger(issued_at=self.clock(), user_id=user_id)
        return trigger_id

    def new_response_url(self) -> str:
        """A response_url served by this fake; posts to it land in ``responses``."""
        token = hashlib.md5(f"resp{next(self._ids)}".encode()).hexdigest()
        self._response_urls.add(token)
        return f"{self.base_url}/response/{token}"

    def fail_next(self, n: int = 1, retry_after: int = 1, *, method: str | None = None) -> None:
        """Answer the next ``n`` API calls (optionally of one method) with HTTP 429."""
        self._forced.extend([(max(1, int(retry_after)), method)] * n)

    def refuse_next(self, error: str, n: int = 1, *, method: str | None = None) -> None:
        """Answer the next ``n`` API calls (optionally of one method) with ``ok: false``.

        For errors the fake cannot provoke itself (``is_archived``, ``account_inactive``...).
        """
        self._refusals.extend([(error, method)] * n)

    # ------------------------------------------------------------------ inspection

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages as currently stored (after updates), oldest first."""
        if channel is not None:
            resolved = self._resolve_channel(channel) or channel
            return copy.deepcopy(self._messages.get(resolved, []))
        return copy.deepcopy(self._message_log)

    @property
    def views_opened(self) -> list[dict[str, Any]]:
        """Modals opened (views.open / views.push), in their current state."""
        return [copy.deepcopy(self._views[v]) for v in self._modal_ids]

    @property
    def views_published(self) -> dict[str, dict[str, Any]]:
        """The current Home tab view per user id."""
        return {u: copy.deepcopy(self._views[v]) for u, v in self._home.items()}

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy, re-checking after every request.

        The timeout is only a safety net so a broken test fails instead of hanging.
        """
        if self._cond is None:
            raise RuntimeError("FakeSlack is not started")
        cond = self._cond

        async def _wait() -> Any:
            async with cond:
                while not (result := predicate()):
                    await cond.wait()
                return result

        try:
            return await asyncio.wait_for(_wait(), timeout)
        except TimeoutError:
            recent = ", ".join(f"{c.method}->{c.error or c.status}" for c in self.calls[-10:])
            raise AssertionError(
                f"condition not met within {timeout}s; last calls: [{recent}]"
            ) from None

    # ------------------------------------------------------------------ HTTP layer

    async def _notify(self) -> None:
        if self._cond is not None:
            async with self._cond:
                self._cond.notify_all()

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        headers = {k.lower(): v for k, v in request.headers.items()}
        params: dict[str, Any] = dict(request.query)
        try:
            params.update(await self._read_body(request))
            _decode_json_args(params)
            body = self._dispatch(method, params, headers)
            status, extra_headers = 200, {}
        except _ApiError as exc:
            body, status, extra_headers = exc.body(), exc.status, exc.headers
        self.calls.append(Call(method, params, headers, status, body))
        await self._notify()
        return web.json_response(body, status=status, headers=extra_headers)

    @staticmethod
    async def _read_body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        if request.content_type == "application/json":
            try:
                data = json.loads(await request.text() or "{}")
            except json.JSONDecodeError:
                raise _ApiError("invalid_json") from None
            if not isinstance(data, dict):
                raise _ApiError("invalid_json")
            return data
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            return {k: v for k, v in form.items() if isinstance(v, str)}
        raise _ApiError("invalid_post_type")

    def _dispatch(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> dict:
        forced = next((i for i, f in enumerate(self._forced) if f[1] in (None, method)), None)
        if forced is not None:
            retry_after, _ = self._forced.pop(forced)
            raise _ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})
        refused = next((i for i, r in enumerate(self._refusals) if r[1] in (None, method)), None)
        if refused is not None:
            raise _ApiError(self._refusals.pop(refused)[0])
        handler = self._methods.get(method)
        if handler is None:
            raise _ApiError("unknown_method")
        self._check_token(method, params, headers)
        return {"ok": True, **handler(params)}

    def _check_token(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> None:
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else params.get("token")
        if not token:
            raise _ApiError("not_authed")
        if token not in (self.bot_token, self.app_token):
            raise _ApiError("invalid_auth")
        # App-level tokens only open socket connections, and vice versa.
        if (token == self.app_token) != (method == "apps.connections.open"):
            raise _ApiError("not_allowed_token_type")

    async def _handle_upload(self, request: web.Request) -> web.Response:
        pending = self._pending_files.get(request.match_info["file_id"])
        if pending is None:
            return web.Response(status=404, text="file not found", content_type="text/plain")
        pending["content"] = await request.read()
        await self._notify()
        # files.slack.com answers in plain text, which the SDK reads as text.
        return web.Response(text=f"OK - {len(pending['content'])}", content_type="text/plain")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if token not in self._response_urls:
            return web.Response(status=404, text="no_service", content_type="text/plain")
        try:
            payload = json.loads(await request.text() or "{}")
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload", content_type="text/plain")
        self.responses.append({"response_url": str(request.url), **payload})
        await self._notify()
        return web.Response(text="ok", content_type="text/plain")

    # ------------------------------------------------------------------ helpers

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):09d}"

    def _new_ts(self) -> str:
        n = next(self._ts_seq)
        return f"{1_700_000_000 + n // 1_000_000}.{n % 1_000_000:06d}"

    def _resolve_channel(self, channel: Any) -> str | None:
        if not isinstance(channel, str) or not channel:
            return None
        if channel in self._channels:
            return channel
        name = channel.lstrip("#")
        for cid, info in self._channels.items():
            if info.get("name") == name:
                return cid
        # Posting to a user id lands in the bot's DM with that user.
        if channel[0] in "UW" and channel[1:].isalnum():
            return self.dm_channel(channel)
        return None

    def _require_channel(self, params: dict[str, Any], key: str = "channel") -> str:
        channel = self._resolve_channel(params.get(key))
        if channel is None:
            raise _ApiError("channel_not_found")
        return channel

    def _take_post_token(self, channel: str) -> None:
        """Per-channel token bucket: ~post_rate messages/s with a small burst."""
        if not self.rate_limits:
            return
        now = self.clock()
        bucket = self._buckets.get(channel)
        if bucket is None:
            bucket = self._buckets[channel] = _Bucket(float(self.post_burst), now)
        elapsed = max(0.0, now - bucket.updated_at)
        bucket.tokens = min(float(self.post_burst), bucket.tokens + elapsed * self.post_rate)
        bucket.updated_at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return
        wait = max(1, math.ceil((1.0 - bucket.tokens) / self.post_rate))
        raise _ApiError("ratelimited", status=429, headers={"Retry-After": str(wait)})

    def _check_message_content(self, params: dict[str, Any], *, require: bool = True) -> None:
        text, blocks, attachments = (params.get(k) for k in ("text", "blocks", "attachments"))
        if isinstance(blocks, str):
            raise _ApiError("invalid_blocks_format")
        if isinstance(attachments, str):
            raise _ApiError("invalid_attachments")
        if require and not text and not blocks and not attachments:
            raise _ApiError("no_text")
        if isinstance(text, str) and len(text) > MESSAGE_TEXT_LIMIT:
            raise _ApiError("msg_too_long")
        if attachments is not None:
            if not isinstance(attachments, list):
                raise _ApiError("invalid_attachments")
            if len(attachments) > ATTACHMENT_LIMIT:
                raise _ApiError("too_many_attachments")
        errors: list[str] = []
        if blocks is not None:
            _check_blocks(errors, blocks, MESSAGE_BLOCK_LIMIT, "/blocks")
        for i, att in enumerate(attachments or []):
            if isinstance(att, dict) and "blocks" in att:
                ptr = f"/attachments/{i}/blocks"
                _check_blocks(errors, att["blocks"], MESSAGE_BLOCK_LIMIT, ptr)
        if errors:
            raise _ApiError("invalid_blocks", messages=errors)

    def _message_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        keys = ("text", "blocks", "attachments", "thread_ts", "metadata", "reply_broadcast")
        return {k: params[k] for k in keys if params.get(k) is not None}

    def _check_view(self, view: Any, expected: str | None = None) -> dict[str, Any]:
        if not isinstance(view, dict):
            raise _ApiError(
                "invalid_arguments", messages=["must be an object [json-pointer:/view]"]
            )
        errors = _view_errors(view, expected)
        if errors:
            raise _ApiError("invalid_arguments", messages=errors)
        return copy.deepcopy(view)

    def _store_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        view_id = view_id or self._new_id("V")
        view.update(
            id=view_id,
            team_id=self.team_id,
            app_id=self.app_id,
            bot_id=self.bot_id,
            root_view_id=view_id,
            state={"values": {}},
            hash=f"{next(self._ids)}.{hashlib.md5(view_id.encode()).hexdigest()[:8]}",
        )
        view.setdefault("private_metadata", "")
        view.setdefault("callback_id", "")
        view.setdefault("external_id", "")
        self._views[view_id] = view
        return copy.deepcopy(view)

    # ------------------------------------------------------------------ methods

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://mutual-voice-test.slack.com/",
            "team": self.team_name,
            "user": "mutualvoice",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        self._check_message_content(params)
        self._take_post_token(channel)
        ts = self._new_ts()
        message = {
            "type": "message",
            "channel": channel,
            "ts": ts,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": "",
            **self._message_fields(params),
        }
        self._messages.setdefault(channel, []).append(message)
        self._message_log.append(message)
        return {"channel": channel, "ts": ts, "message": copy.deepcopy(message)}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        ts = params.get("ts")
        message = next((m for m in self._messages.get(channel, []) if m["ts"] == ts), None)
        if message is None:
            raise _ApiError("message_not_found")
        self._check_message_content(params)
        # Fields left out keep their old value, as on Slack (send [] to clear).
        for key in ("text", "blocks", "attachments", "metadata"):
            if params.get(key) is not None:
                message[key] = params[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._new_ts()}
        return {
            "channel": channel,
            "ts": ts,
            "text": message.get("text", ""),
            "message": copy.deepcopy(message),
        }

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        if not params.get("user"):
            raise _ApiError("user_not_found")
        self._check_message_content(params)
        ts = self._new_ts()
        self.ephemerals.append(
            {"channel": channel, "user": params["user"], "message_ts": ts}
            | self._message_fields(params)
        )
        return {"message_ts": ts}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel"):
            return {"channel": {"id": self._require_channel(params)}}
        users = [u.strip() for u in str(params.get("users") or "").split(",") if u.strip()]
        if not users:
            raise _ApiError("users_list_not_supplied")
        for user in users:
            if user[0] not in "UW":
                raise _ApiError("user_not_found")
        if len(users) == 1:
            channel_id = self.dm_channel(users[0])
            return {"no_op": True, "already_open": True, "channel": {"id": channel_id}}
        digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:9].upper()
        channel_id = f"G{digest}"
        self._channels.setdefault(channel_id, {"id": channel_id, "is_mpim": True})
        return {"channel": {"id": channel_id}}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(str(params.get("user", "")))
        if user is None:
            raise _ApiError("user_not_found")
        return {"user": copy.deepcopy(user)}

    def _users_lookup_by_email(self, params: dict[str, Any]) -> dict[str, Any]:
        email = str(params.get("email") or "").strip().lower()
        if not email:
            raise _ApiError("invalid_arguments")
        for user in self._users.values():
            if user.get("profile", {}).get("email", "").lower() == email:
                return {"user": copy.deepcopy(user)}
        raise _ApiError("users_not_found")

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger_id = params.get("trigger_id") or params.get("interactivity_pointer")
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None:
            raise _ApiError("invalid_trigger_id")
        if trigger.exchanged:
            raise _ApiError("exchanged_trigger_id")
        if self.clock() - trigger.issued_at > self.trigger_ttl:
            raise _ApiError("expired_trigger_id")
        view = self._check_view(params.get("view"), expected="modal")
        trigger.exchanged = True
        stored = self._store_view(view)
        self._modal_ids.append(stored["id"])
        return {"view": stored}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = params.get("user_id")
        if not user_id:
            raise _ApiError("invalid_arguments")
        view = self._check_view(params.get("view"), expected="home")
        existing = self._home.get(user_id)
        if params.get("hash") and existing and self._views[existing]["hash"] != params["hash"]:
            raise _ApiError("hash_conflict")
        stored = self._store_view(view, existing)
        self._home[user_id] = stored["id"]
        return {"view": stored}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = params.get("view_id")
        if not view_id and params.get("external_id"):
            wanted = params["external_id"]
            matches = [v for v, d in self._views.items() if d.get("external_id") == wanted]
            view_id = matches[0] if matches else None
        if not view_id or view_id not in self._views:
            raise _ApiError("not_found")
        if params.get("hash") and self._views[view_id]["hash"] != params["hash"]:
            raise _ApiError("hash_conflict")
        view = self._check_view(params.get("view"), expected=self._views[view_id].get("type"))
        return {"view": self._store_view(view, view_id)}

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = params.get("filename")
        try:
            length = int(params.get("length", ""))
        except ValueError:
            raise _ApiError("invalid_arguments") from None
        if not filename:
            raise _ApiError("invalid_arguments")
        if length <= 0:
            raise _ApiError("missing_argument")
        file_id = self._new_id("F")
        self._pending_files[file_id] = {
            "filename": filename,
            "length": length,
            "alt_txt": params.get("alt_txt"),
            "content": None,
        }
        return {"upload_url": f"{self.base_url}/upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise _ApiError("invalid_arguments")
        channels = [c for c in str(params.get("channels") or "").split(",") if c]
        if params.get("channel_id"):
            channels.insert(0, params["channel_id"])
        resolved = [self._resolve_channel(c) for c in channels]
        if any(c is None for c in resolved):
            raise _ApiError("invalid_channel")
        pending = []
        for entry in entries:
            info = self._pending_files.get(str(entry.get("id")))
            if info is None or info["content"] is None:
                raise _ApiError("file_not_found")
            pending.append((entry, info))
        out = []
        for entry, info in pending:
            file_id = entry["id"]
            del self._pending_files[file_id]
            title = entry.get("title") or info["filename"]
            self.files.append(
                UploadedFile(
                    file_id=file_id,
                    filename=info["filename"],
                    title=title,
                    content=info["content"],
                    channel=resolved[0] if resolved else None,
                    channels=[c for c in resolved if c],
                    initial_comment=params.get("initial_comment"),
                    thread_ts=params.get("thread_ts"),
                    alt_txt=info["alt_txt"],
                )
            )
            out.append(
                {
                    "id": file_id,
                    "name": info["filename"],
                    "title": title,
                    "size": len(info["content"]),
                    "channels": [c for c in resolved if c],
                }
            )
        return {"files": out}

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        ticket = hashlib.md5(str(next(self._ids)).encode()).hexdigest()
        return {"url": f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}"}


# ---------------------------------------------------------------------- Block Kit


def _decode_json_args(params: dict[str, Any]) -> None:
    """Form bodies carry blocks/view/... as JSON strings; decode them in place.

    Undecodable values stay strings so the method can answer with the right error.
    """
    for key in _JSON_ARGS:
        value = params.get(key)
        if isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(value)


def _err_len(errors: list[str], value: Any, limit: int, ptr: str, minimum: int = 0) -> None:
    if not isinstance(value, str):
        errors.append(f"must be a string [json-pointer:{ptr}]")
    elif len(value) > limit:
        errors.append(f"must be less than {limit + 1} characters [json-pointer:{ptr}]")
    elif len(value) < minimum:
        errors.append(f"must be more than {minimum - 1} characters [json-pointer:{ptr}]")


def _err_count(errors: list[str], items: Any, limit: int, ptr: str, minimum: int = 0) -> list:
    if not isinstance(items, list):
        errors.append(f"must be an array [json-pointer:{ptr}]")
        return []
    if len(items) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:{ptr}]")
    elif len(items) < minimum:
        errors.append(f"must provide at least {minimum} items [json-pointer:{ptr}]")
    return items


def _err_text(
    errors: list[str], obj: Any, limit: int, ptr: str, *, plain_only: bool = False
) -> None:
    if obj is None:
        errors.append(f"missing required field [json-pointer:{ptr}]")
        return
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if not isinstance(obj, dict) or obj.get("type") not in allowed:
        errors.append(f"failed to match all allowed schemas [json-pointer:{ptr}]")
        return
    _err_len(errors, obj.get("text"), limit, f"{ptr}/text", minimum=1)


def _err_options(errors: list[str], options: Any, limit: int, ptr: str, minimum: int = 0) -> None:
    for i, opt in enumerate(_err_count(errors, options, limit, ptr, minimum)):
        if not isinstance(opt, dict):
            errors.append(f"must be an object [json-pointer:{ptr}/{i}]")
            continue
        _err_text(errors, opt.get("text"), 75, f"{ptr}/{i}/text")
        if "value" in opt:
            _err_len(errors, opt["value"], 150, f"{ptr}/{i}/value")
        if "description" in opt:
            _err_text(errors, opt["description"], 75, f"{ptr}/{i}/description")


_SELECTS = (
    "static_select",
    "multi_static_select",
    "external_select",
    "multi_external_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
)


def _err_element(errors: list[str], el: Any, ptr: str) -> None:
    if not isinstance(el, dict):
        errors.append(f"must be an object [json-pointer:{ptr}]")
        return
    kind = el.get("type")
    if "action_id" in el:
        _err_len(errors, el["action_id"], 255, f"{ptr}/action_id")
    if "placeholder" in el:
        _err_text(errors, el["placeholder"], 150, f"{ptr}/placeholder", plain_only=True)
    if kind == "button":
        _err_text(errors, el.get("text"), 75, f"{ptr}/text", plain_only=True)
        if "value" in el:
            _err_len(errors, el["value"], 2000, f"{ptr}/value")
        if "url" in el:
            _err_len(errors, el["url"], 3000, f"{ptr}/url")
        if "style" in el and el["style"] not in ("primary", "danger"):
            errors.append(f"must be one of primary, danger [json-pointer:{ptr}/style]")
    elif kind in ("static_select", "multi_static_select"):
        if "options" in el:
            _err_options(errors, el["options"], 100, f"{ptr}/options")
        elif "option_groups" in el:
            groups = _err_count(errors, el["option_groups"], 100, f"{ptr}/option_groups")
            for g, group in enumerate(groups):
                gptr = f"{ptr}/option_groups/{g}"
                if not isinstance(group, dict):
                    errors.append(f"must be an object [json-pointer:{gptr}]")
                    continue
                _err_text(errors, group.get("label"), 75, f"{gptr}/label", plain_only=True)
                _err_options(errors, group.get("options"), 100, f"{gptr}/options")
        else:
            errors.append(f"missing required field: options [json-pointer:{ptr}]")
    elif kind == "overflow":
        _err_options(errors, el.get("options"), 5, f"{ptr}/options", minimum=1)
    elif kind in ("radio_buttons", "checkboxes"):
        _err_options(errors, el.get("options"), 10, f"{ptr}/options", minimum=1)
    elif kind == "plain_text_input":
        if "initial_value" in el:
            _err_len(errors, el["initial_value"], 3000, f"{ptr}/initial_value")
    elif kind == "image":
        _err_len(errors, el.get("alt_text"), 2000, f"{ptr}/alt_text")
    elif kind in ("plain_text", "mrkdwn"):  # context elements
        _err_len(errors, el.get("text"), 3000, f"{ptr}/text", minimum=1)
    elif kind in _SELECTS or kind in (
        "datepicker",
        "timepicker",
        "datetimepicker",
        "email_text_input",
        "number_input",
        "url_text_input",
        "rich_text_input",
        "file_input",
        "workflow_button",
    ):
        pass
    else:
        errors.append(f"unsupported type: {kind} [json-pointer:{ptr}/type]")


_PLAIN_BLOCKS = ("divider", "rich_text", "video", "file", "call", "table")


def _err_block(errors: list[str], block: Any, ptr: str) -> None:
    if not isinstance(block, dict):
        errors.append(f"must be an object [json-pointer:{ptr}]")
        return
    kind = block.get("type")
    if "block_id" in block:
        _err_len(errors, block["block_id"], 255, f"{ptr}/block_id")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            errors.append(f"must provide either text or fields [json-pointer:{ptr}]")
        if "text" in block:
            _err_text(errors, block["text"], 3000, f"{ptr}/text")
        if "fields" in block:
            for i, f in enumerate(_err_count(errors, block["fields"], 10, f"{ptr}/fields")):
                _err_text(errors, f, 2000, f"{ptr}/fields/{i}")
        if "accessory" in block:
            _err_element(errors, block["accessory"], f"{ptr}/accessory")
    elif kind == "header":
        _err_text(errors, block.get("text"), 150, f"{ptr}/text", plain_only=True)
    elif kind == "actions":
        elements = _err_count(errors, block.get("elements"), 25, f"{ptr}/elements", minimum=1)
        for i, el in enumerate(elements):
            _err_element(errors, el, f"{ptr}/elements/{i}")
    elif kind == "context":
        elements = _err_count(errors, block.get("elements"), 10, f"{ptr}/elements", minimum=1)
        for i, el in enumerate(elements):
            _err_element(errors, el, f"{ptr}/elements/{i}")
    elif kind == "input":
        _err_text(errors, block.get("label"), 2000, f"{ptr}/label", plain_only=True)
        if "hint" in block:
            _err_text(errors, block["hint"], 2000, f"{ptr}/hint", plain_only=True)
        if "element" not in block:
            errors.append(f"missing required field: element [json-pointer:{ptr}]")
        else:
            _err_element(errors, block["element"], f"{ptr}/element")
    elif kind == "image":
        _err_len(errors, block.get("alt_text"), 2000, f"{ptr}/alt_text")
        if "title" in block:
            _err_text(errors, block["title"], 2000, f"{ptr}/title", plain_only=True)
    elif kind == "markdown":
        _err_len(errors, block.get("text"), 12_000, f"{ptr}/text", minimum=1)
    elif kind not in _PLAIN_BLOCKS:
        errors.append(f"unsupported type: {kind} [json-pointer:{ptr}/type]")


def _check_blocks(errors: list[str], blocks: Any, limit: int, ptr: str) -> None:
    for i, block in enumerate(_err_count(errors, blocks, limit, ptr)):
        _err_block(errors, block, f"{ptr}/{i}")


def _view_errors(view: dict[str, Any], expected: str | None) -> list[str]:
    errors: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home") or (expected and kind != expected):
        errors.append(f"must be {expected or 'modal or home'} [json-pointer:/view/type]")
    if kind == "modal":
        _err_text(errors, view.get("title"), 24, "/view/title", plain_only=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                _err_text(errors, view[key], 24, f"/view/{key}", plain_only=True)
    for key, limit in (("callback_id", 255), ("external_id", 255), ("private_metadata", 3000)):
        if view.get(key) is not None:
            _err_len(errors, view[key], limit, f"/view/{key}")
    _check_blocks(errors, view.get("blocks"), VIEW_BLOCK_LIMIT, "/view/blocks")
    return errors


# ---------------------------------------------------------------------- all_text

# Keys whose string values a person can read in the Slack client.
_VISIBLE_KEYS = frozenset(
    {
        "text",
        "pretext",
        "fallback",
        "title",
        "footer",
        "author_name",
        "alt_text",
        "initial_value",
        "initial_comment",
    }
)
# Machine-only subtrees: submitted state and opaque metadata.
_HIDDEN_KEYS = frozenset({"state", "private_metadata", "metadata", "response_metadata"})


def all_text(payload: Any) -> str:
    """Every human-visible string in a message, view, block list or ``Call``.

    Includes a message's top-level ``text`` even when blocks are present: it is
    what notifications show, so it counts as seen.
    """
    out: list[str] = []
    _collect(payload.params if isinstance(payload, Call) else payload, out, None)
    return "\n".join(out)


def _collect(node: Any, out: list[str], key: str | None) -> None:
    if isinstance(node, str):
        if key in _VISIBLE_KEYS:
            out.append(node)
    elif isinstance(node, list):
        for item in node:
            _collect(item, out, key)
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind == "user" and "user_id" in node:
            out.append(f"<@{node['user_id']}>")
        elif kind == "channel" and "channel_id" in node:
            out.append(f"<#{node['channel_id']}>")
        elif kind == "link" and "text" not in node and "url" in node:
            out.append(str(node["url"]))
        elif kind == "emoji" and "name" in node:
            out.append(f":{node['name']}:")
        # Legacy attachment fields show both their title and value.
        if key == "fields" and kind is None and isinstance(node.get("value"), str):
            out.append(node["value"])
        for k, v in node.items():
            if k not in _HIDDEN_KEYS:
                _collect(v, out, k)


# ---------------------------------------------------------------------- live markup

# Strings Slack scans for `<...>` controls (mentions, links) unless inside plain_text.
_PARSED_KEYS = frozenset({"text", "pretext", "fallback", "footer", "initial_comment"})
_CONTROL = re.compile(r"<[^<>]*>")


def _strings(
    node: Any, key: str | None = None, kind: str | None = None
) -> Iterator[tuple[str, bool]]:
    """(string, parsed) for every human-visible string; ``parsed`` if Slack reads markup in it."""
    if isinstance(node, str):
        if key in _VISIBLE_KEYS or key == "alt_txt":
            yield node, key in _PARSED_KEYS and kind != "plain_text"
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item, key, kind)
    elif isinstance(node, dict):
        for k, v in node.items():
            if k not in _HIDDEN_KEYS:
                yield from _strings(v, k, node.get("type"))


def live_markup(payload: Any) -> list[str]:
    """The ``<...>`` controls Slack would act on: pings, mentions, links.

    ``plain_text`` objects are inert (Slack shows them as written); everything else
    a reader sees (mrkdwn, a message's top-level ``text``, a file's ``initial_comment``)
    is parsed, so member text there must arrive as ``&lt;`` and ``&gt;``.
    """
    root = payload.params if isinstance(payload, Call) else payload
    return [m for text, parsed in _strings(root) if parsed for m in _CONTROL.findall(text)]


def readable_text(payload: Any) -> str:
    """What a reader sees: parsed strings with Slack's three entities decoded."""
    root = payload.params if isinstance(payload, Call) else payload
    out = []
    for text, parsed in _strings(root):
        if parsed:
            text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        out.append(text)
    return "\n".join(out)
