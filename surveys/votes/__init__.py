"""Votes as instruments: their definitions, and the pure counting of ballots (`tally`).

Entry points: `definitions` reads a vote file (or a quick poll) into a `VoteDefinition`;
`tally` counts resolutions, single choice, approval, instant-runoff, STV and budgets, and
reads and writes BLT files. No I/O.
Uses: `surveys.localised`, `surveys.toml_reader`, `surveys.wording`, `surveys.rules` (a
vote created under the society's rules keeps them).
"""
