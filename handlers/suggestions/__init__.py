"""Suggestions: members' ideas to the staff council, and the council's answers.

Entry points: `chat` registers `/suggest` and the drafting buttons; `council` registers the
council's statuses, reasons and `/suggestions`; `relay` carries replies both ways to a
suggester the council may not know.
Modules: `chat` (drafting), `text` (reading the words: contact details, likeness),
`send` (the record, the card, the confirmation), `card` (what the council sees),
`council`, `relay`.
Uses: `storage.suggestions`, `surveys.pulses.sentiment`.
"""
