"""Member votes: secret ballots from `/vote` to the published result.

Entry points: `chat` registers `/vote`, `/receipt`, `/poll`, the ballot buttons and the
tick that opens, reminds and closes votes; `admin` is the returning officer's side
(create, open, close, publish), used by the CLI and the console; `cancel` removes a
vote created by mistake before it closes.
Modules: `state` (a vote and who may vote), `screens` (ballots as members see them),
`ballots` (filling in and casting in secret), `notices` (what members are told unasked),
`results` (counting and wording the result), `rules` (votes under the society's rules:
thresholds, notice, the roll), `admin`, `cancel`, `chat`.
Uses: `storage.votes` for the secret ballot, `surveys.votes` for definitions and tallies,
`surveys.rules` for the society's rules, `storage.meetings` for the roll of the general
meeting a vote is put to (fixed on its notice date: the vote's roll) and to forget
tellers' paper entries of a vote that closes or is cancelled.
"""
