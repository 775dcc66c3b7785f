"""Forms kept when a session ends: nothing an officer typed is lost.

An officer who presses a form's button after their session has timed out (twelve idle
hours, or a day) is asked to sign in again, and what they typed is kept on the server,
for that officer only: never in a URL or a cookie. Once they sign in again (in this
browser or another: a chat app may open the link in its own) they return to the form,
filled in as they left it, and press its button again: the form then carries the new
session's CSRF token, so nothing is sent without them. The form is kept only if it came
from the ended session's own page (its CSRF token), and one form per officer: the latest.

Only the forms listed in `FORMS` are kept, and of them only what the officer typed about a
vote or a suggestion: never a roster, a file, a CSRF token or a confirmation. A draft is
forgotten once shown, or after a day, and it lives in the console's memory only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from multidict import MultiDictProxy

from bot.web.pages import NOTES, Note, app_of
from bot.web.security import OFFICER, SESSION, csrf_token, same_token
from handlers.console import signin as console
from storage.console.queries import digest

KEPT = timedelta(days=1)
# POST address -> the page whose form it is.
FORMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"/votes/new"), lambda m: "/votes/new"),
    (re.compile(r"/votes/([\w-]+)/cancel"), lambda m: f"/votes/{m[1]}/cancel"),
    (re.compile(r"/suggestions/(\d+)/(?:reply|status)"), lambda m: f"/suggestions/{m[1]}"),
)
NEVER = frozenset({"csrf", "confirm", "token", "upload", "file", "csv"})
RESTORED = (
    "Your session had ended, so this was not sent. What you typed is filled in below: "
    "check it and press the button again."
)


@dataclass
class Draft:
    page: str
    values: dict[str, list[str]]
    kept_at: datetime


class Drafts:
    """Unsent forms by officer."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.kept: dict[str, Draft] = {}

    def _forget_old(self) -> None:
        since = self.clock() - KEPT
        for key in [k for k, d in self.kept.items() if d.kept_at < since]:
            del self.kept[key]

    def keep(self, officer: str, path: str, form: MultiDictProxy) -> bool:
        """Keep `form` posted to `path` by `officer`; True if it is one we keep."""
        self._forget_old()
        page = page_of(path)
        if page is None:
            return False
        values: dict[str, list[str]] = {}
        for name, value in form.items():
            if name not in NEVER and isinstance(value, str):
                values.setdefault(name, []).append(value)
        self.kept[officer] = Draft(page, values, self.clock())
        return True

    def page(self, officer: str) -> str | None:
        """At sign-in: the page of the officer's unsent form, to return to."""
        self._forget_old()
        draft = self.kept.get(officer)
        return draft.page if draft else None

    def take(self, officer: str, page: str) -> dict[str, list[str]] | None:
        """The values kept for `page` of this officer, once."""
        self._forget_old()
        draft = self.kept.get(officer)
        if draft is None or draft.page != page:
            return None
        del self.kept[officer]
        return draft.values


def page_of(path: str) -> str | None:
    for pattern, page in FORMS:
        if found := pattern.fullmatch(path):
            return page(found)
    return None


DRAFTS = web.AppKey("drafts", Drafts)


def kept_on_refusal(request: web.Request, session: str, form: MultiDictProxy) -> bool:
    """On a form posted after its session timed out: keep it if it came from that session's
    own page (its CSRF token) and is one we keep."""
    if not same_token(str(form.get("csrf", "")), csrf_token(session)):
        return False
    officer = console.timed_out_officer(app_of(request).ctx, session)
    if officer is None:
        return False
    return request.app[DRAFTS].keep(officer, request.path, form)


def restored(request: web.Request) -> dict[str, list[str]] | None:
    """The form kept for this page, if the officer comes back to it after signing in; the
    page then says so."""
    values = request.app[DRAFTS].take(request[OFFICER], request.path)
    if values is not None:
        request.app[NOTES][digest(request[SESSION])] = Note(RESTORED)
    return values


def single(values: dict[str, list[str]]) -> dict[str, str]:
    """One value per field (the last), for forms without repeated fields."""
    return {k: v[-1] for k, v in values.items()}
