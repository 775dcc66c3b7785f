"""The words the e-mail channel adds itself, in the reader's language (gettext msgids)."""

from __future__ import annotations

from handlers.i18n import N_

# Subjects for a message without a title, by what it asks about.
SUBJECT_VOTE = N_("{organisation}: a vote")
SUBJECT_PULSE = N_("{organisation}: a quick question")
SUBJECT_OTHER = N_("{organisation}: a message for you")
# The link to the member's page when it stands for several choices.
ANSWER_ON_YOUR_PAGE = N_("Answer on your page")
YOUR_CHOICES = N_("Your choices:")
PERSONAL_LINK = N_("This link is for you alone: please do not pass this e-mail on.")
SENT_BY = N_("{organisation} sent you this e-mail because you are a member.")
UNSUBSCRIBE = N_("Unsubscribe from these e-mails")
# The unsubscribe page (bot/web/unsubscribe.py).
PAGE_TITLE = N_("Unsubscribe")
PAGE_ASK = N_("Stop e-mails to this address: {address}")
PAGE_BUTTON = N_("Unsubscribe")
PAGE_DONE_TITLE = N_("You are unsubscribed")
PAGE_DONE = N_("We will not e-mail this address again: {address}")
PAGE_AGAIN = N_("Changed your mind? Ask your membership officer to e-mail you again.")
PAGE_GONE_TITLE = N_("This link does not work")
PAGE_GONE = N_(
    "It may be too old. To stop our e-mails, use the link in a newer e-mail from us, or ask "
    "your membership officer."
)
