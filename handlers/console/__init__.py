"""The officer's web console, as handlers see it: signing in and the overview.

Entry points: `signin` registers `/console` and issues one-time sign-in links and
sessions; `overview` gathers the figures the console's first page shows.
Uses: `storage.console` for links and sessions; the other features' admin modules
(`handlers.pulses.admin`, `handlers.votes.admin`) for the overview. The pages themselves
are served by `bot.web`.
"""
