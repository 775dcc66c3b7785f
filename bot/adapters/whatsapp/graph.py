"""The few Graph API calls the bot makes, over aiohttp (which the bot already runs on).

Called directly rather than through pywa: pywa fixes the address to graph.facebook.com
(so it cannot be pointed at a test server or a proxy without patching its session), is
built on httpx's blocking client or FastAPI/Flask for webhooks, and would be one more
dependency for three calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=30)


@dataclass
class GraphError(Exception):
    """An error answer: Meta's `code`, its title and details, and the HTTP status."""

    code: int
    title: str
    details: str = ""
    status: int = 400

    def __str__(self) -> str:
        details = f": {self.details}" if self.details else ""
        return f"WhatsApp error {self.code} ({self.title}){details}"


class Graph:
    def __init__(self, api_url: str, token: str, phone_number_id: str) -> None:
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.phone_number_id = phone_number_id
        self._headers = {"Authorization": f"Bearer {token}"}
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, to: str, body: dict[str, Any], opaque: str = "") -> str:
        """Send one message; returns its wamid. `opaque` comes back in its status webhooks."""
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        payload.update(body)
        if opaque:
            payload["biz_opaque_callback_data"] = opaque
        answer = await self._call("POST", f"{self.phone_number_id}/messages", json=payload)
        return str(answer["messages"][0]["id"])

    async def templates(self, business_account_id: str) -> list[dict[str, Any]]:
        """The account's message templates (every page)."""
        found: list[dict[str, Any]] = []
        path: str | None = f"{business_account_id}/message_templates"
        params: dict[str, str] = {
            "fields": "name,language,status,category,components",
            "limit": "100",
        }
        while path:
            answer = await self._call("GET", path, params=params)
            found += answer.get("data", [])
            after = answer.get("paging", {}).get("cursors", {}).get("after")
            next_page = answer.get("paging", {}).get("next")
            path = path if (next_page and after) else None
            params = {**params, "after": after or ""}
        return found

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        async with self._http().request(method, self.api_url + path, **kwargs) as answer:
            try:
                data = await answer.json(content_type=None)
            except ValueError:
                data = None
            if answer.status >= 400 or not isinstance(data, dict) or "error" in data:
                raise _error(answer.status, data)
            return data


def _error(status: int, data: Any) -> GraphError:
    error = data.get("error", {}) if isinstance(data, dict) else {}
    if not isinstance(error, dict) or "code" not in error:
        return GraphError(status, f"HTTP {status}", status=status)
    details = (error.get("error_data") or {}).get("details", "")
    title = str(error.get("message", "")).split(") ", 1)[-1] or "error"
    return GraphError(int(error["code"]), title, str(details), status)
