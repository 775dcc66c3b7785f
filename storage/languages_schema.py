"""Members' own choice of language, as its own migration set.

`members.language_chosen` holds what a member picked with /language. It is kept apart
from the roster's `language` so that re-importing the roster does not undo their choice.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

languages_migrations = Migrations("mutual_voice.languages")


@languages_migrations()
def m001_language_chosen(db: Database) -> None:
    db["members"].add_column("language_chosen", str)
