"""Build and post Slack-signed requests to a Bolt HTTP endpoint.

Builders return ``(body, content_type)``; the body is exactly the string that
gets signed and sent. Timestamps are always passed in so tests can use an
injected clock, and :func:`set_signature_clock` makes Bolt check them against
that same clock instead of the wall clock.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import Clock, SignatureVerifier

__all__ = [
    "FORM",
    "JSON",
    "Reply",
    "app_home_opened",
    "as_slack_returns",
    "block_actions",
    "event_callback",
    "message_im",
    "post",
    "serve_bolt",
    "set_signature_clock",
    "signed_headers",
    "slash_command",
    "url_verification",
    "view_submission",
]

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

TEAM_ID = "T0TEAM001"
APP_ID = "A0APP0001"
BOT_USER_ID = "U0BOT0001"
VERIFICATION_TOKEN = "legacy-verification-token"

_seq = itertools.count(1)


def signed_headers(
    secret: str, body: str, timestamp: int, content_type: str = JSON
) -> dict[str, str]:
    """Headers Slack sends: content type plus the v0 HMAC signature."""
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature or "",
    }


# ---------------------------------------------------------------------- builders


def event_callback(
    event: dict[str, Any],
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    *,
    event_time: int = 1_700_000_000,
    api_app_id: str = APP_ID,
    bot_user_id: str = BOT_USER_ID,
) -> tuple[str, str]:
    """An Events API ``event_callback`` envelope (JSON)."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_seq):010d}",
        "event_time": event_time,
        # Bolt's ignoring-self-events middleware reads the bot identity from here.
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope), JSON


def message_im(
    user: str,
    text: str,
    channel: str,
    ts: str,
    *,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    thread_ts: str | None = None,
) -> tuple[str, str]:
    """A person's direct message to the bot (``message`` event, ``channel_type: im``)."""
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
        "team": team_id,
        "client_msg_id": f"cm-{next(_seq):08d}",
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event, event_id=event_id, team_id=team_id)


def app_home_opened(
    user: str,
    *,
    channel: str | None = None,
    tab: str = "home",
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    event_ts: str = "1700000000.000001",
) -> tuple[str, str]:
    """The ``app_home_opened`` event for ``user``."""
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel or f"D{user[1:]}",
        "tab": tab,
        "event_ts": event_ts,
    }
    return event_callback(event, event_id=event_id, team_id=team_id)


def _user(user: str, team_id: str) -> dict[str, str]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team_id}


def _form_payload(payload: dict[str, Any]) -> tuple[str, str]:
    # Interactivity payloads arrive as one form field holding JSON.
    return urlencode({"payload": json.dumps(payload)}), FORM


def block_actions(
    user: str,
    action_id: str,
    value: str | None = None,
    channel: str | None = None,
    message_ts: str | None = None,
    trigger_id: str = "1000000.0001.trigger",
    *,
    block_id: str = "actions",
    team_id: str = TEAM_ID,
    response_url: str | None = None,
    action_type: str = "button",
    view: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    selected_option: dict[str, Any] | None = None,
    text: str | None = None,
) -> tuple[str, str]:
    """A ``block_actions`` payload: a button press in a message, or in ``view``.

    ``text`` is the pressed button's label, which Slack includes for buttons.
    """
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": "1700000000.000002",
    }
    if value is not None:
        action["value"] = value
    if text is not None:
        action["text"] = {"type": "plain_text", "text": text, "emoji": True}
    if selected_option is not None:
        action["selected_option"] = selected_option
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": "mutual-voice-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0000000001")}
        payload["view"] = view
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel, "name": "directmessage"}
        payload["message"] = message or {
            "type": "message",
            "ts": message_ts,
            "user": BOT_USER_ID,
            "text": "",
        }
    if response_url is not None:
        payload["response_url"] = response_url
    return _form_payload(payload)


def as_slack_returns(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as Slack puts it in an interaction payload.

    Slack hands ``plain_text`` back with ``&``, ``<`` and ``>`` as HTML entities
    (slackapi/bolt-python#513), so an app rebuilding a message from the payload
    must decode them or show them doubled.
    """

    def encode(node: Any) -> Any:
        if isinstance(node, list):
            return [encode(item) for item in node]
        if not isinstance(node, dict):
            return node
        if node.get("type") == "plain_text" and isinstance(node.get("text"), str):
            text = node["text"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            return {**node, "text": text}
        return {key: encode(value) for key, value in node.items()}

    return encode(message)


def _state_values(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    # Plain strings are shorthand for plain_text_input values.
    return {
        block: {
            action: v if isinstance(v, dict) else {"type": "plain_text_input", "value": v}
            for action, v in actions.items()
        }
        for block, actions in values.items()
    }


def view_submission(
    user: str,
    callback_id: str,
    private_metadata: str = "",
    values: dict[str, dict[str, Any]] | None = None,
    *,
    view_id: str = "V0000000001",
    team_id: str = TEAM_ID,
    trigger_id: str = "1000000.0001.trigger",
    view_hash: str = "1700000000.abcdef01",
) -> tuple[str, str]:
    """A modal ``view_submission``; ``values`` is ``{block_id: {action_id: str | dict}}``."""
    view = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Mutual Voice"},
        "blocks": [],
        "state": {"values": _state_values(values or {})},
        "hash": view_hash,
        "app_id": APP_ID,
        "root_view_id": view_id,
        "previous_view_id": None,
        "external_id": "",
    }
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "mutual-voice-test"},
        "user": _user(user, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }
    return _form_payload(payload)


def slash_command(
    command: str = "/voice",
    text: str = "",
    user_id: str = "U0STAFF01",
    channel_id: str = "C0COUNCIL",
    trigger_id: str = "1000000.0001.trigger",
    response_url: str = "http://127.0.0.1:9/response/unused",
    *,
    team_id: str = TEAM_ID,
    channel_name: str = "council",
) -> tuple[str, str]:
    """A slash command invocation (form-encoded)."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": "mutual-voice-test",
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields), FORM


def url_verification(challenge: str) -> tuple[str, str]:
    """The Events API URL check Bolt answers with the challenge."""
    body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    return json.dumps(body), JSON


# ---------------------------------------------------------------------- sending


@dataclass
class Reply:
    """What the endpoint answered (read before the connection closed)."""

    status: int
    text: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.text)


async def post(
    session_or_url: aiohttp.ClientSession | str,
    request: tuple[str, str],
    *,
    secret: str,
    timestamp: int,
    url: str | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """Sign ``request`` (a builder's ``(body, content_type)``) and POST it.

    Pass a session plus ``url=``, or just the URL (a one-off session is used).
    ``retry_num``/``retry_reason`` add Slack's redelivery headers.
    """
    body, content_type = request
    sent = signed_headers(secret, body, timestamp, content_type)
    if retry_num is not None:
        sent["X-Slack-Retry-Num"] = str(retry_num)
        sent["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    sent.update(headers or {})
    if isinstance(session_or_url, str):
        async with aiohttp.ClientSession() as session:
            return await _send(session, session_or_url, body, sent)
    if url is None:
        raise ValueError("url= is required when a session is passed")
    return await _send(session_or_url, url, body, sent)


async def _send(
    session: aiohttp.ClientSession, url: str, body: str, headers: dict[str, str]
) -> Reply:
    # Bytes, not str, so aiohttp cannot re-encode what was signed.
    async with session.post(url, data=body.encode(), headers=headers) as resp:
        return Reply(resp.status, await resp.text(), dict(resp.headers))


# ---------------------------------------------------------------------- Bolt glue


class _FnClock(Clock):
    def __init__(self, fn: Callable[[], float]) -> None:
        self._fn = fn

    def now(self) -> float:
        return self._fn()


def set_signature_clock(app: Any, clock: Callable[[], float]) -> None:
    """Make a Bolt app's request verification use ``clock`` (epoch seconds).

    Bolt builds its ``SignatureVerifier`` with the wall clock and offers no
    option for another, so swap the verifier on the built-in middleware.
    """
    from slack_bolt.middleware.request_verification import RequestVerification

    middleware = getattr(app, "_async_middleware_list", None) or app._middleware_list
    found = [m for m in middleware if isinstance(m, RequestVerification)]
    if not found:
        raise LookupError("app has no request verification middleware")
    for m in found:
        m._verifier = SignatureVerifier(m._signing_secret, clock=_FnClock(clock))


@asynccontextmanager
async def serve_bolt(app: Any, path: str = "/slack/events") -> AsyncIterator[str]:
    """Serve an ``AsyncApp`` over HTTP on 127.0.0.1; yields the endpoint URL."""
    runner = web.AppRunner(app.web_app(path=path), access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        await runner.cleanup()
