"""`/settings`: a member's own choices, without leaving: pause check-ins, stop newsletters.

`/pause` and `/resume` are shortcuts for check-ins. Pausing keeps the member in
everything else (votes, suggestions) and takes them off reminders of open rounds.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Choice, Event, Message, Option, reply
from handlers.router import Router
from storage import members

PULSES, NEWS = "settings.pulses", "settings.news"

PAUSED_NOTE = (
    "Check-ins are paused for you, so I won't send you new ones. "
    "You're still a member, and you can still vote and send ideas."
)
RESUMED_NOTE = "Check-ins are back on. The next one will come to you here."


def resume_button() -> Option:
    return Option("Resume check-ins", PULSES, "resume")


def _row(ctx: Context, event: Event) -> dict:
    assert event.member is not None
    row = members.get(ctx.db, event.member.member_id)
    assert row is not None
    return row


def settings_message(ctx: Context, event: Event, note: str = "", edit: bool = False) -> Message:
    row = _row(ctx, event)
    paused, no_news = bool(row["pulses_paused"]), bool(row["newsletter_opt_out"])
    lines = [note] if note else []
    lines += [
        f"Check-ins: {'paused' if paused else 'on'}",
        f"Newsletter: {'off' if no_news else 'on'}",
        "Whatever you choose, you stay a member. Shortcuts: /pause and /resume.",
    ]
    choices = (
        resume_button() if paused else Option("Pause check-ins", PULSES, "pause"),
        Option("Send me newsletters", NEWS, "on")
        if no_news
        else Option("Stop newsletters", NEWS, "off"),
    )
    return reply(event, "\n".join(lines), title="Your settings", choices=choices, edit=edit)


def show(ctx: Context, event: Event) -> Message:
    return settings_message(ctx, event)


def pause(ctx: Context, event: Event) -> Message:
    members.set_flag(ctx.db, _row(ctx, event)["member_id"], "pulses_paused", True)
    return reply(
        event, f"{PAUSED_NOTE} Type /resume to get them again.", choices=(resume_button(),)
    )


def resume(ctx: Context, event: Event) -> Message:
    members.set_flag(ctx.db, _row(ctx, event)["member_id"], "pulses_paused", False)
    return reply(event, f"{RESUMED_NOTE} Type /pulse to see if one is open now.")


def press(ctx: Context, event: Choice) -> Message:
    """A settings button: change the one flag it names, then show the settings again."""
    member_id = _row(ctx, event)["member_id"]
    changes = {
        (PULSES, "pause"): ("pulses_paused", True, PAUSED_NOTE),
        (PULSES, "resume"): ("pulses_paused", False, RESUMED_NOTE),
        (NEWS, "off"): ("newsletter_opt_out", True, "You won't get newsletters any more."),
        (NEWS, "on"): ("newsletter_opt_out", False, "You'll get newsletters again."),
    }
    change = changes.get((event.action, event.value))
    if change is None:
        return reply(event, "That button no longer works. Type /settings to start again.")
    flag, value, note = change
    members.set_flag(ctx.db, member_id, flag, value)
    return settings_message(ctx, event, note=note, edit=True)


def register(router: Router) -> None:
    router.command("settings", "pause check-ins or newsletters", order=60)(show)
    router.command("pause", order=61)(pause)  # shortcuts, named in /settings
    router.command("resume", order=62)(resume)
    router.action(PULSES)(press)
    router.action(NEWS)(press)
