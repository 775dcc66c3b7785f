"""General meetings run by the society's rules: the meeting, its notice and its roll.

Entry points: `admin.create_meeting` checks a meeting against the rules (notice in
clear days) and fixes the roll of eligible members on the notice date; `admin.show`
is the meeting as the CLI and the console show it (roll, quorum, agenda, proxies);
`proxies` appoints and revokes a member's proxy by the rules, counts members present by
proxy and casts a represented member's ballot; `chat` is `/proxy` in chat.
Modules: `admin`, `proxies`, `chat`.
Uses: `storage.meetings` for the meeting and its roll, `surveys.meetings` for the
meeting file, `surveys.rules` for the society's rules, `handlers.votes` for ballots.
"""
