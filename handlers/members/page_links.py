"""Personal one-time links to the member's page (issue 27): one link opens one flow.

Interface agreed between the helpers building the member's page, SMS and e-mail; the
member's page branch replaces the body.
"""

from __future__ import annotations

from handlers.context import Context


def page_link(ctx: Context, member_id: str, flow: str) -> str | None:
    """A personal link to the member's page for `flow` ("vote:<vote id>", "pulse:<round
    id>", "suggest"), good for that flow only and expiring with it; None when the web
    server has no public address (`web.public_url`) or the flow is not open."""
    raise NotImplementedError("the member's page is not built yet")
