"""Pulse surveys: short, regular check-ins whose results the council can trust.

Entry points: `chat` registers `/pulse`, the answer buttons and the round jobs; `rounds`
opens, reminds and closes rounds (the CLI and console call it too); `admin` is the
officer's side; `results` reads a closed round's figures.
Modules: `definitions` (which surveys exist), `questions` (how a question looks in chat),
`answers` (taking an answer in secret), `rounds`, `results`, `admin`, `chat`.
Uses: `storage.pulses` for rounds and answers, `surveys.pulses` for the instruments and
their arithmetic, `handlers.members.settings` for members who paused check-ins.
"""
