"""The ladder of involvement as data: its rungs, the rules that place a member, its TOML file.

Entry points: `rungs` (the ladder, placement, and `ladders/default.toml`), `rules` (what
each rung asks of what a member has done). No I/O beyond reading the ladder file.
Uses: `surveys.toml_reader`.
"""
