"""The ladder of involvement: where members stand and how to step up.

Entry points: `chat` registers `/tiers`, the rung explanations and "I'd like to do more",
and the snapshot job; `report` is the officer's view (CLI and console).
Modules: `standing` (a member's rung from what they did), `text` (the ladder's words),
`nudges` (a note about the next rung after a first pulse, vote or idea), `report`, `chat`.
Uses: `storage.tiers` (roles, groups, interest, nudges, and the activity facts),
`surveys.ladder` (the rungs and their rules), `handlers.members.identity`.
"""
