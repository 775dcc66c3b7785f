import uuid

from handlers import build_router
from handlers.members import invites
from handlers.members.identity import member_for
from handlers.messages import Choice, Command, Message, Option, Sender, Text, reply
from handlers.router import NOT_ALLOWED, NOT_JOINED, OFFICER, Router
from tests.helpers import add_members

PAT = Sender("telegram", "1001", "1001", "Pat")


def command(ctx, name, args="", sender=PAT):
    member = member_for(ctx, sender.platform, sender.platform_user_id)
    return Command(sender, member, uuid.uuid4().hex, name=name, args=args)


def texts(messages: list[Message]) -> str:
    return "\n".join(m.text for m in messages)


def test_invite_then_start_welcomes_the_member_by_name(ctx):
    add_members(ctx)
    [invite] = invites.issue(ctx, ["t1"], actor="officer")
    [welcome] = build_router().dispatch(ctx, command(ctx, "start", invite.token))
    assert welcome.text.startswith("Welcome, Pat!") and "tenant member" in welcome.text
    assert welcome.to.chat_id == "1001" and welcome.choices
    [again] = build_router().dispatch(ctx, command(ctx, "start"))
    assert again.text.startswith("Welcome back, Pat")


def test_stranger_gets_how_to_join_and_nothing_else(ctx):
    add_members(ctx)
    router = build_router()
    [answer] = router.dispatch(ctx, command(ctx, "start"))
    assert "Only members can take part" in answer.text and "invite link" in answer.text
    [refused] = router.dispatch(ctx, command(ctx, "me"))
    assert refused.text == NOT_JOINED
    assert "Pat" not in texts(router.dispatch(ctx, command(ctx, "help")))


def test_bad_token_is_refused_politely(ctx):
    [answer] = build_router().dispatch(ctx, command(ctx, "start", "NOT-A-TOKEN"))
    assert answer.text.startswith("Sorry, I don't recognise that invite")


def test_help_lists_only_what_the_sender_may_use(ctx):
    add_members(ctx)
    router = build_router()

    @router.command("secret", "officers only", who=OFFICER)
    def secret(ctx, event):
        return reply(event, "ok")

    [invite] = invites.issue(ctx, ["t1"], actor="officer")
    router.dispatch(ctx, command(ctx, "start", invite.token))
    assert "/secret" not in texts(router.dispatch(ctx, command(ctx, "help")))
    assert texts(router.dispatch(ctx, command(ctx, "secret"))) == NOT_ALLOWED


def test_prompts_route_the_next_text_and_commands_cancel_them(ctx):
    add_members(ctx)
    router = Router()
    seen = []

    @router.command("ask", "ask a question", who="anyone")
    def ask(ctx, event):
        from storage import conversations

        conversations.set_prompt(ctx.db, "telegram", "1001", "echo:42", {}, ctx.now())
        return reply(event, "Say something", prompt="echo:42")

    @router.prompt("echo", who="anyone")
    def echo(ctx, event):
        seen.append((event.reply_to, event.text))
        return reply(event, "thanks")

    router.dispatch(ctx, command(ctx, "ask"))
    router.dispatch(ctx, Text(PAT, None, "e1", text="hello"))
    assert seen == [("echo:42", "hello")]
    router.dispatch(ctx, command(ctx, "ask"))
    router.dispatch(ctx, command(ctx, "help"))
    [answer] = router.dispatch(ctx, Text(PAT, None, "e2", text="not an answer"))
    assert seen == [("echo:42", "hello")] and "not sure what you mean" in answer.text


def test_unknown_buttons_and_commands_get_help(ctx):
    router = build_router()
    [button] = router.dispatch(ctx, Choice(PAT, None, "e", action="gone.away", value="1"))
    assert "no longer works" in button.text
    assert "I don't know /dance" in texts(router.dispatch(ctx, command(ctx, "dance")))


def test_message_payload_round_trip():
    message = Message(
        to=reply(command_stub(), "x").to,
        text="Pick one",
        title="Pulse",
        choices=(Option("Yes", "a.b", "1"),),
        prompt="p:1",
        edit_ref="ref",
    )
    again = Message.from_payload(message.to, message.to_payload())
    assert again == message


def command_stub():
    return Command(PAT, None, "id", name="x")


def test_an_old_unanswered_question_is_forgotten(ctx, clock):
    from storage import conversations

    router = Router()
    answered = []
    router.prompt("echo", who="anyone")(lambda ctx, event: answered.append(event.text))
    conversations.set_prompt(ctx.db, "telegram", "1001", "echo", {}, ctx.now())
    clock.advance(days=2)
    [answer] = router.dispatch(ctx, Text(PAT, None, "late", text="hello"))
    assert answered == [] and "not sure what you mean" in answer.text


def test_the_first_start_of_an_already_linked_member_is_a_welcome_not_welcome_back(ctx):
    """Staff matched by Slack, or the console demo, are linked before they ever say /start."""
    from tests.helpers import link

    add_members(ctx)
    link(ctx, "t1", user_id="1001")
    [first] = build_router().dispatch(ctx, command(ctx, "start"))
    assert first.text.startswith("Welcome, Pat!")
    [again] = build_router().dispatch(ctx, command(ctx, "start"))
    assert again.text.startswith("Welcome back, Pat")


def text(ctx, words, sender=PAT):
    member = member_for(ctx, sender.platform, sender.platform_user_id)
    return Text(sender, member, uuid.uuid4().hex, text=words)


def test_the_code_typed_from_a_letter_joins_as_its_link_would(ctx):
    add_members(ctx)
    [invite] = invites.issue(ctx, ["t1"], actor="officer")
    router = build_router()
    assert invite.code.count("-") == 5 and invite.code.isupper()  # ABCD-EFGH-...-XY
    typed = f"join  {invite.code.lower().replace('-', ' ')} "  # as a phone may send it
    [welcome] = router.dispatch(ctx, text(ctx, typed))
    assert welcome.text.startswith("Welcome, Pat!")
    assert member_for(ctx, "telegram", "1001").member_id == "t1"
    [again] = router.dispatch(ctx, text(ctx, f"JOIN {invite.code}"))
    assert again.text.startswith("Welcome back, Pat")
    sam = Sender("telegram", "2002", "2002", "Sam")
    [used] = router.dispatch(ctx, text(ctx, f"YMUNO {invite.code}", sender=sam))
    assert used.text.startswith("That invite has already been used.")


def test_a_code_works_after_start_and_on_slack_and_a_sentence_is_no_code(ctx):
    add_members(ctx)
    first, second = invites.issue(ctx, ["t1", "t2"], actor="officer")
    router = build_router()
    [welcome] = router.dispatch(ctx, command(ctx, "start", first.code))
    assert welcome.text.startswith("Welcome, Pat!")
    slack = Sender("slack", "U9", "D9", "Sam")
    [joined] = router.dispatch(ctx, text(ctx, second.code, sender=slack))
    assert joined.text.startswith("Welcome,") and member_for(ctx, "slack", "U9").member_id == "t2"
    stranger = Sender("telegram", "3003", "3003", "Lee")
    [refused] = router.dispatch(ctx, text(ctx, "join the residents panel please", sender=stranger))
    assert refused.text == NOT_JOINED
    [unknown] = router.dispatch(ctx, text(ctx, f"JOIN {'A' * 4}-{'B' * 18}", sender=stranger))
    assert unknown.text.startswith("Sorry, I don't recognise that invite")
