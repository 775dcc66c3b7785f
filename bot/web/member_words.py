"""The words the member's page adds to the handlers' own (translated like them: babel.cfg
names this file). Messages the handlers already say (a refusal, a result, a question)
are shown in the handlers' words."""

from __future__ import annotations

from handlers.i18n import N_

SKIP = N_("Skip to the main content")
PAGE_OF = N_("{organisation}: members' page")
GONE_TITLE = N_("This link does not work")
GONE = N_(
    "This link does not work any more. It may have run out, or what it was for ended a "
    "while ago. Please ask your organisation for a new one."
)
TOO_MANY = N_("Too many links that did not work, from here. Wait a minute, then try again.")
BROKEN = N_(
    "Something went wrong on our side, and nothing you sent was kept. Please try again in a minute."
)
EXPIRED_FORM = N_("This form has expired. Please look at the page again and send it once more.")
PERSONAL = N_(
    "This page is for you alone: please do not share its link. It opens nothing but this."
)
ERROR = N_("Error:")

# A ballot
SECRET = N_("It's a secret ballot: nobody can see how you voted.")
CHOOSE_ONE = N_("Choose one option.")
CHOOSE_ANY = N_("Choose every option you approve of. You may choose none.")
CHOOSE_PROJECTS = N_(
    "Choose every project you would like funded. The most popular are funded first, while "
    "the money lasts. The budget is {budget}."
)
RANK = N_(
    "Type 1 beside your first choice, 2 beside your second, and so on. Rank as many as you "
    "like and leave the others empty: a later choice never counts against an earlier one."
)
RANK_LABEL = N_("Your ranking for {name}")
COST = N_("Cost: {cost}")
CAST = N_("Cast my vote")
CAST_AGAIN = N_("Cast my new vote")
CHECK_FIRST = N_("Check your choices: pressing the button casts your vote.")
PICK_ONE = N_("Please choose one option.")
RANK_NUMBER = N_("Please type a whole number from 1 to {n}, or leave it empty.")
RANK_TWICE = N_(
    "You gave the number {n} to more than one choice: please give each a number of its own."
)
RANK_GAP = N_(
    "Please number your choices 1, 2, 3 and so on, with no number missed out: {n} is missing."
)
RANK_NONE = N_("Please type 1 beside your first choice.")
CAST_DONE = N_("Your vote is cast.")
RECEIPT = N_("Your receipt code: {receipt}")
RECEIPT_KEEP = N_(
    "Keep it private. When the vote closes, every ballot is published by receipt code "
    "(never by name), so you can check yours was counted."
)
RESULT = N_("The result")

# A check-in
SEND_ANSWERS = N_("Send my answers")
OPTIONAL = N_("You may leave this one out.")
NEED_ANSWER = N_("Please choose an answer to this question.")
COMMENT_LIMIT = N_("Up to {limit} characters.")
COMMENT_TOO_LONG = N_("That's {length} characters: please keep it under {limit}.")

# A suggestion
SUGGEST_TITLE = N_("Make a suggestion")
SUGGEST_ASK = N_(
    "Tell the staff council an idea, a worry or a complaint, up to {limit} characters."
)
YOUR_SUGGESTION = N_("Your suggestion")
TOPIC = N_("What is it about? Choose the closest topic.")  # as chat asks
NAME_QUESTION = N_("Should the staff council see your name?")
ANONYMOUS_HINT = N_(
    "Anonymous: they see your words but not who you are, and can still reply to you "
    "through us. If you're not sure, choose Anonymous."
)
WITH_NAME_HINT = N_("With my name: they see it is from {name}.")
SEND_SUGGESTION = N_("Send my suggestion")
SENT = N_(
    "Thank you! Your suggestion has gone to the staff council. They will look at it and "
    "reply to you, and you will be told each time its status changes."
)
PICK_TOPIC = N_("Please choose a topic.")
PICK_NAMED = N_("Please choose whether the council may see your name.")

# A general meeting: the reply to its notice (the answers and thanks are the notice's)
YOUR_REPLY = N_("Your reply")
WILL_YOU_COME = N_("Will you come?")
NO_REPLY_YET = N_("You haven't replied yet.")
SEND_REPLY = N_("Send my reply")

# A proxy at a general meeting (the refusals are the handlers', as chat and the CLI say them)
PROXY_WHO = N_("Who will be your proxy?")
PROXY_MEMBER = N_("A member of the society")
PROXY_NAME = N_("Their name or member id")
PROXY_NAME_HINT = N_(
    "Type their name exactly as the society has it, or their member id. They must be on "
    "the roll of this meeting."
)
PROXY_PICK = N_("Please choose who will be your proxy.")
PROXY_NAME_NEEDED = N_("Please type the name or member id of the member you choose.")
PROXY_TOLD = N_("How they must vote")
PROXY_TOLD_HINT = N_(
    "You may tell your proxy how to vote in any of these votes. Leave it as it is to let "
    "them decide."
)
PROXY_FREE = N_("No instruction: they decide")
PROXY_APPOINT = N_("Appoint my proxy")
PROXY_REVOKED = N_("Your proxy is revoked.")
PROXY_OWN_VOTE = N_("You can still vote yourself; your own vote replaces theirs.")
