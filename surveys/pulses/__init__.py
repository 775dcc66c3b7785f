"""Pulse surveys as instruments: questions, question banks, scoring and results. No I/O.

Entry points: `definitions` loads survey files (and the built-in `banks/`); `questions`
defines question kinds and valid answers; `results` builds a round's result with small
groups hidden; `scoring` is the arithmetic (eNPS and means); `sentiment` scores comments.
Uses: `surveys.anonymity`, `surveys.localised`, `surveys.toml_reader`, `surveys.wording`.
"""
