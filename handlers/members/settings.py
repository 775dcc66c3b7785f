"""`/settings`: a member's own choices, without leaving: pause check-ins, stop newsletters.

`/pause` and `/resume` are shortcuts for check-ins. Pausing keeps the member in
everything else (votes, suggestions) and takes them off reminders of open rounds.
"""

from __future__ import annotations

from handlers import i18n
from handlers.context import Context
from handlers.i18n import N_, Translator
from handlers.messages import Choice, Event, Message, Option, reply
from handlers.router import Router
from storage import members

PULSES, NEWS = "settings.pulses", "settings.news"

PAUSED_NOTE = N_(
    "Check-ins are paused for you, so I won't send you new ones. "
    "You're still a member, and you can still vote and send ideas."
)
RESUMED_NOTE = N_("Check-ins are back on. The next one will come to you here.")


def resume_button(_: Translator) -> Option:
    return Option(_("Resume check-ins"), PULSES, "resume")


def _row(ctx: Context, event: Event) -> dict:
    assert event.member is not None
    row = members.get(ctx.db, event.member.member_id)
    assert row is not None
    return row


def settings_message(ctx: Context, event: Event, note: str = "", edit: bool = False) -> Message:
    _ = i18n.for_member(ctx, event.member)
    row = _row(ctx, event)
    paused, no_news = bool(row["pulses_paused"]), bool(row["newsletter_opt_out"])
    lines = [_(note)] if note else []
    lines += [
        _("Check-ins: paused") if paused else _("Check-ins: on"),
        _("Newsletter: off") if no_news else _("Newsletter: on"),
        _("Whatever you choose, you stay a member. Shortcuts: /pause and /resume."),
    ]
    choices = (
        resume_button(_) if paused else Option(_("Pause check-ins"), PULSES, "pause"),
        Option(_("Send me newsletters"), NEWS, "on")
        if no_news
        else Option(_("Stop newsletters"), NEWS, "off"),
    )
    return reply(event, "\n".join(lines), title=_("Your settings"), choices=choices, edit=edit)


def show(ctx: Context, event: Event) -> Message:
    return settings_message(ctx, event)


def pause(ctx: Context, event: Event) -> Message:
    _ = i18n.for_member(ctx, event.member)
    members.set_flag(ctx.db, _row(ctx, event)["member_id"], "pulses_paused", True)
    text = _(PAUSED_NOTE) + " " + _("Type /resume to get them again.")
    return reply(event, text, choices=(resume_button(_),))


def resume(ctx: Context, event: Event) -> Message:
    _ = i18n.for_member(ctx, event.member)
    members.set_flag(ctx.db, _row(ctx, event)["member_id"], "pulses_paused", False)
    return reply(event, _(RESUMED_NOTE) + " " + _("Type /pulse to see if one is open now."))


def press(ctx: Context, event: Choice) -> Message:
    """A settings button: change the one flag it names, then show the settings again."""
    member_id = _row(ctx, event)["member_id"]
    changes = {
        (PULSES, "pause"): ("pulses_paused", True, PAUSED_NOTE),
        (PULSES, "resume"): ("pulses_paused", False, RESUMED_NOTE),
        (NEWS, "off"): ("newsletter_opt_out", True, N_("You won't get newsletters any more.")),
        (NEWS, "on"): ("newsletter_opt_out", False, N_("You'll get newsletters again.")),
    }
    change = changes.get((event.action, event.value))
    if change is None:
        _ = i18n.for_member(ctx, event.member)
        return reply(event, _("That button no longer works. Type /settings to start again."))
    flag, value, note = change
    members.set_flag(ctx.db, member_id, flag, value)
    return settings_message(ctx, event, note=note, edit=True)


def register(router: Router) -> None:
    router.command("settings", N_("pause check-ins or newsletters"), order=60)(show)
    router.command("pause", order=61)(pause)  # shortcuts, named in /settings
    router.command("resume", order=62)(resume)
    router.action(PULSES)(press)
    router.action(NEWS)(press)
