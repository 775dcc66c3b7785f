"""Members: the roster, invites and joining, who a sender is, and each member's own choices.

Entry points: `roster` imports the CSV; `invites` issues one-time join links; `onboarding`
registers `/start TOKEN`; `identity` resolves a platform account to a member; `settings`
(`/settings`), `languages` (`/language`) and `profile` (`/me`) register member commands;
`data` is the officer's listing, export and erasure; `joining` reports who has joined;
`page_links` issues and opens personal links to the member's page (`page_link`).
Uses: `storage.members`, `storage.invites`, `storage.privacy`, `storage.page_links`,
`handlers.tiers` for `/me`, `handlers.votes` and `handlers.pulses` for whether a flow is open,
`handlers.meetings` (and `storage.meetings`) for a meeting's proxy deadline.
"""
