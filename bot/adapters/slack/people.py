"""Who a Slack user is: the roster member behind the account, and the bot's DM with them.

A user not linked yet is looked up once (users.info gives their email; conversations.open
their DM) and matched to the roster by Slack user id or email. Lookups are cached, so a
stranger who writes often costs one API call an hour, and a roster import is seen at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.context import Context
from handlers.members.identity import match_by_directory, member_for
from handlers.messages import Member
from storage import members

PLATFORM = "slack"
PROFILE_TTL = timedelta(hours=1)
LOOKUP_GAP = 1.2  # seconds: users.lookupByEmail allows about 50 calls a minute
NO_SUCH_USER = ("user_not_found", "users_not_found")


class DirectoryUnavailable(Exception):
    """Slack could not say who someone is just now (rate limit, network); try again later."""


@dataclass(frozen=True)
class Profile:
    email: str | None
    person: bool  # False for bots and deactivated accounts, who never take part


class People:
    def __init__(self, client: AsyncWebClient, ctx: Context, clock: Callable[[], datetime]) -> None:
        self.client, self.ctx, self.clock = client, ctx, clock
        self._profiles: dict[str, tuple[datetime, Profile | None]] = {}
        self._dms: dict[str, str] = {}

    async def member(self, user_id: str) -> Member | None:
        """The roster member this user is, linking them on first contact; None for strangers."""
        member = member_for(self.ctx, PLATFORM, user_id)
        if member is not None:
            return member
        profile = await self._profile(user_id)
        if profile is None or not profile.person:
            return None
        dm = await self.dm_channel(user_id)
        return match_by_directory(self.ctx, PLATFORM, user_id, dm, profile.email)

    async def dm_channel(self, user_id: str) -> str:
        """The id of the bot's direct-message channel with this user."""
        link = members.identity(self.ctx.db, PLATFORM, user_id)
        if link is not None:
            return link["chat_id"]
        if user_id not in self._dms:
            response = await self._call(self.client.conversations_open, users=user_id)
            self._dms[user_id] = response["channel"]["id"]
        return self._dms[user_id]

    async def link_roster(
        self, constituencies: tuple[str, ...], sleep: Callable[[float], Awaitable[Any]]
    ) -> int:
        """Link roster members who have not written yet, so check-ins and votes reach them.

        By Slack id where the roster has one, else by email; paced for users.lookupByEmail
        (about 50 a minute). Stops quietly when Slack cannot answer; the next start resumes.
        """
        linked = 0
        for row in members.unlinked(self.ctx.db, PLATFORM, constituencies):
            user_id = row["slack_user_id"]
            try:
                if not user_id and row["email"]:
                    await sleep(LOOKUP_GAP)
                    found = await self._call(self.client.users_lookupByEmail, email=row["email"])
                    user_id = found["user"]["id"]
                if not user_id:
                    continue
                dm = await self.dm_channel(user_id)
            except SlackApiError:  # not in this workspace
                continue
            except DirectoryUnavailable:
                break
            members.link_identity(
                self.ctx.db, PLATFORM, user_id, dm, row["member_id"], self.clock()
            )
            linked += 1
        return linked

    async def _profile(self, user_id: str) -> Profile | None:
        now = self.clock()
        cached = self._profiles.get(user_id)
        if cached is not None and now - cached[0] < PROFILE_TTL:
            return cached[1]
        try:
            user = (await self._call(self.client.users_info, user=user_id))["user"]
        except SlackApiError:  # no such user
            profile = None
        else:
            profile = Profile(
                email=user.get("profile", {}).get("email"),
                person=not (user.get("is_bot") or user.get("deleted")),
            )
        self._profiles[user_id] = (now, profile)
        return profile

    @staticmethod
    async def _call(method: Callable[..., Awaitable[Any]], **arguments: Any) -> Any:
        """Call the Web API; failures other than "no such user" mean "not now"."""
        try:
            return await method(**arguments)
        except SlackApiError as error:
            if error.response.get("error") in NO_SUCH_USER:
                raise
            raise DirectoryUnavailable(error.response.get("error")) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise DirectoryUnavailable(type(error).__name__) from None
