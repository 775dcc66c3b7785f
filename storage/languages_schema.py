"""Members' own choice of language, as its own migration set.

`members.language_chosen` holds what a member picked with /language. It is kept apart
from the roster's `language` so that re-importing the roster does not undo their choice.

`pulse_comments.language` is the language a comment's writer reads (e.g. `cy`), so the
council can be told it; it stays null for the organisation's own language and for a
language too few of the round's members read (see handlers/pulses/answers.py). Like
the comment's constituency, it is rewritten with the comment at close.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

languages_migrations = Migrations("mutual_voice.languages")


@languages_migrations()
def m001_language_chosen(db: Database) -> None:
    db["members"].add_column("language_chosen", str)


@languages_migrations()
def m002_comment_language(db: Database) -> None:
    db["pulse_comments"].add_column("language", str)
