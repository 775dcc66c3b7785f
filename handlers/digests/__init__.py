"""Digests: the staff council's weekly picture and the members' monthly newsletter.

Entry points: `scheduled` registers both as jobs and builds them for the CLI's preview
and send; `council` and `newsletter` write each one.
Modules: `council` (the council's digest), `chart` (its PNG), `newsletter` ("you said,
we did"), `text` (wording both share), `scheduled`.
Uses: the other features' results (`handlers.pulses`, `handlers.votes`, `handlers.tiers`),
`storage.digests` for what was sent, `surveys.pulses.results` for safe figures.
"""
