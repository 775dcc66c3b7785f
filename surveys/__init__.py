"""The instruments and their mathematics: pure functions, no I/O beyond reading their files.

`pulses/` (questions, banks, scoring, results, sentiment), `votes/` (definitions and the
`tally` package), `ladder/` (rungs and rules); shared: `anonymity`, `localised`,
`toml_reader`, `wording`. Imports nothing of ours.
"""
