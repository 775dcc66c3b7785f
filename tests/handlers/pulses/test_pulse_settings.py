"""`/settings`, `/pause` and `/resume`: members choose what they get, without leaving."""

from __future__ import annotations

from storage import members
from tests.handlers.pulses.test_pulse_chat import PulseChat, join, open_round


def flags(ctx, member_id):
    row = members.get(ctx.db, member_id)
    return bool(row["pulses_paused"]), bool(row["newsletter_opt_out"])


def test_settings_buttons_pause_and_resume_check_ins_and_newsletters(ctx):
    [member] = join(ctx, staff=1)
    chat = PulseChat(ctx)
    [shown] = chat.command(member, "settings")
    assert "Check-ins: on\nNewsletter: on" in shown["payload"]["text"]
    assert [o["label"] for o in shown["payload"]["choices"]] == [
        "Pause check-ins",
        "Stop newsletters",
    ]
    [paused] = chat.tap(member, "Pause check-ins", shown)
    assert paused["payload"]["edit_ref"] == shown["key"]
    assert "Check-ins: paused" in paused["payload"]["text"] and flags(ctx, member) == (True, False)
    [stopped] = chat.tap(member, "Stop newsletters", paused)
    assert "Newsletter: off" in stopped["payload"]["text"] and flags(ctx, member) == (True, True)
    assert [o["label"] for o in stopped["payload"]["choices"]] == [
        "Resume check-ins",
        "Send me newsletters",
    ]
    chat.tap(member, "Resume check-ins", stopped)
    chat.tap(member, "Send me newsletters", stopped)
    assert flags(ctx, member) == (False, False)
    [odd] = chat.press(member, "settings.news", "maybe")
    assert odd["payload"]["text"].startswith("That button no longer works")


def test_pause_and_resume_shortcuts_keep_the_member_out_of_new_rounds_only(ctx):
    staff = join(ctx, staff=2)
    chat = PulseChat(ctx)
    [paused] = chat.command(staff[0], "pause")
    assert "Check-ins are paused for you" in paused["payload"]["text"]
    assert "still a member" in paused["payload"]["text"]
    open_round(ctx)
    assert chat.tick() == 1 and not chat.messages(staff[0])[1:]
    [resumed] = chat.command(staff[0], "resume")
    assert "Check-ins are back on" in resumed["payload"]["text"]
    assert flags(ctx, staff[0]) == (False, False)


def test_settings_need_a_member(ctx):
    join(ctx, staff=1)
    chat = PulseChat(ctx)
    [stranger] = chat.command("nobody", "settings")
    assert "I don't know you yet" in stranger["payload"]["text"]
