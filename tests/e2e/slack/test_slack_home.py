"""The member's home summary behind Slack's App Home, with no platform at all."""

from __future__ import annotations

from handlers import home
from handlers.members.identity import member_for
from handlers.messages import Choice, Option, Sender, reply
from handlers.router import Router
from tests.helpers import add_members, link

WHO = Sender("slack", "u-s1", "u-s1")


def router_with(*commands: str) -> Router:
    router = Router()
    home.register(router)
    for name in commands:
        router.command(name)(
            lambda ctx, event, name=name: reply(event, f"ran /{name} {event.args}")
        )
    return router


def test_a_button_for_a_feature_shows_only_once_its_command_exists(ctx) -> None:
    add_members(ctx)
    link(ctx, "s1", "slack")
    member = member_for(ctx, "slack", "u-s1")

    without = home.summary(ctx, member, router_with())
    with_suggest = home.summary(ctx, member, router_with("suggest"))

    assert [m.title for m in without] == ["Hello, Sam"]
    assert [m.title for m in with_suggest] == ["Hello, Sam", "Got an idea?"]
    assert with_suggest[1].choices == (Option("Make a suggestion", home.RUN_COMMAND, "suggest"),)
    assert "staff member of Our Mutual" in without[0].text


def test_a_run_command_button_does_what_typing_the_command_does(ctx) -> None:
    add_members(ctx)
    link(ctx, "s1", "slack")
    member = member_for(ctx, "slack", "u-s1")
    router = router_with("suggest")

    press = Choice(WHO, member, "e1", action=home.RUN_COMMAND, value="suggest")
    [answer] = router.dispatch(ctx, press)
    assert answer.text == "ran /suggest " and answer.to.chat_id == "u-s1"

    stranger = Choice(WHO, None, "e2", action=home.RUN_COMMAND, value="suggest")
    [refusal] = router.dispatch(ctx, stranger)
    assert "I don't know you yet" in refusal.text  # the command decides who may use it


def test_a_stranger_is_told_how_to_get_in(ctx) -> None:
    [only] = home.summary(ctx, None, router_with("suggest"))
    assert only.text == home.NOT_ON_ROSTER.format(org="Our Mutual") and not only.choices
