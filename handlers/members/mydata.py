"""`/mydata`: a member's own complete data, delivered to them alone.

An officer's export leaves out what could tell who sent an anonymous suggestion
(`storage.privacy.LEFT_OUT_FOR_OFFICERS`); the member gets all of it here, in their own
private chat, including the anonymous suggestions of theirs still open. The messages
carry `mydata:` keys, so they leave the outbox once delivered
(`storage.outbox.FORGET_ENTIRELY`).
"""

from __future__ import annotations

import json
from typing import Any

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Command, Message, Recipient, quoted
from handlers.router import MEMBER, Router
from storage import privacy
from storage.suggestions import queries as suggestions

PART = 3500  # characters per message: below every platform's limit (Telegram's is 4096)


def _lines(rows: list[dict[str, Any]]) -> list[str]:
    return [
        # Quoted: what is held is data, shown as written (no link, mention or markup).
        "• " + ", ".join(f"{k}: {quoted(str(v))}" for k, v in row.items() if v not in (None, ""))
        for row in rows
    ]


def report(ctx: Context, member_id: str) -> list[str]:
    """The member's data as lines of text, section by section."""
    data = privacy.export_member(ctx.db, member_id)
    row = data.pop("member") or {}
    _ = i18n.for_member_id(ctx, member_id)
    out = [_("Everything I hold about you:"), "", _("Your details:"), *_lines([row])]
    mine = []
    for link in data.pop("suggestion_relay", []):
        found = suggestions.get(ctx.db, link["suggestion_id"])
        if found is not None and not found["named"]:
            mine.append({"#": found["id"], "topic": found["topic"], "text": found["text"]})
    out += ["", _("Your anonymous suggestions still open (only you can see this list):")]
    out += _lines(mine) if mine else [_("none")]
    out += [
        _(
            "Once an anonymous suggestion is closed, nothing links it to you any more, "
            "so it cannot be listed here."
        )
    ]
    for table, rows in data.items():
        if rows:
            if table == "outbox":
                rows = [
                    {
                        "at": r["created_at"],
                        "status": r["status"],
                        "text": json.loads(r["payload"] or "{}").get("text", ""),
                    }
                    for r in rows
                ]
            if table == "page_links":  # the hash and the sealed receipt mean nothing to read
                rows = [
                    {"for": r["flow"], "made": r["created_at"], "forgotten": r["forget_at"]}
                    for r in rows
                ]
            out += ["", f"{table}:", *_lines(rows)]
    return out


def parts(lines: list[str], size: int = PART) -> list[str]:
    """The lines joined into messages of at most `size` characters (a long line is cut)."""
    found, current = [], ""
    for line in lines:
        while len(line) > size:
            found += [current] if current else []
            current = ""
            found.append(line[:size])
            line = line[size:]
        if current and len(current) + 1 + len(line) > size:
            found.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return [*found, current] if current else found


def mydata(ctx: Context, event: Command) -> list[Message]:
    """Send the member their data, to their own private chat only."""
    assert event.member is not None
    member_id = event.member.member_id
    _ = i18n.for_member(ctx, event.member)
    return [
        Message(
            Recipient.of(member_id),
            text,
            title=_("Your data") if n == 0 else "",
            language=_.language,
            key=f"mydata:{event.sender.platform}:{event.event_id}:{n}",
        )
        for n, text in enumerate(parts(report(ctx, member_id)))
    ]


def register(router: Router) -> None:
    router.command("mydata", N_("everything I hold about you, sent to you alone"), who=MEMBER)(
        mydata
    )
