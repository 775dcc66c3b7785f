"""General meetings run by the society's rules: the meeting, its notice and its roll.

Entry points: `admin.create_meeting` checks a meeting against the rules (notice in
clear days) and fixes the roll of eligible members on the notice date (`admin.preview`
does it and undoes it, for the console's preview); `admin.show`
is the meeting as the CLI and the console show it (roll, quorum, agenda, proxies);
`notice.notices` gives the notice to every member on the roll and `notice.on_rsvp` records
their replies; `attendance.check_in` (a teller, or /here in chat) and
`attendance.summary` (RSVPs, attendance, quorum live); `proxies` appoints and revokes a
member's proxy by the rules, counts members present by proxy and casts a represented
member's ballot (`proxies.waiting`: the ballots a holder has left to cast), and `chat`
is `/proxy` in chat; `motions.open_motion` puts a
resolution to the members present and present by proxy (their holders told at once);
`nominations` runs the nomination period for the meeting's seats, the officer's
confirmation of candidates and each seat's election vote; `nominate_chat` registers
`/nominate`, the seconder's Yes/No and the tick closing nominations on time.
`paper.enter` / `paper.accept` count tellers' paper ballots with the chat ones (one
member counted once, the rules' `[paper] wins`), `paper.waiting` the entries waiting and
where they differ; `declaration.declare` is the declaration of results (Markdown here,
the PDF at the edge: bot/cli/declaration_pdf.py), `declaration.sign_off` the returning
officer's sign-off (once; the console's button and `declare --tell-members`) and
`declaration.messages` the results to each member in their language.
`overview` is `/meeting` (the notice again, the reply so far, what the member can do now)
and says when the meeting commands apply, so /help and the menus list them only then.
Modules: `admin`, `notice`, `attendance`, `motions`, `proxies`, `chat`, `nominations`,
`nominate_chat`, `overview`, `paper`, `declaration`.
Uses: `storage.meetings` for the meeting, its roll, attendance, nominations and paper
entries, `storage.votes` (paper ballots enter the same store), `handlers.votes` (votes put
to it, the election vote, motions, proxy ballots), `surveys.meetings` for the
meeting file, `surveys.rules` for the society's rules.
"""
