"""General meetings run by the society's rules: the meeting, its notice and its roll.

Entry points: `admin.create_meeting` checks a meeting against the rules (notice in
clear days) and fixes the roll of eligible members on the notice date; `admin.show`
is the meeting as the CLI and the console show it (roll, quorum, agenda);
`nominations` runs the nomination period for the meeting's seats, the officer's
confirmation of candidates and each seat's election vote; `nominate_chat` registers
`/nominate`, the seconder's Yes/No and the tick closing nominations on time.
Modules: `admin`, `nominations`, `nominate_chat`.
Uses: `storage.meetings` for the meeting, its roll and nominations, `handlers.votes`
for the election vote, `surveys.meetings` for the
meeting file, `surveys.rules` for the society's rules.
"""
