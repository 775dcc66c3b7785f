"""Members: the roster, invites and joining, who a sender is, and each member's own choices.

Entry points: `roster` imports the CSV; `invites` issues one-time join links; `onboarding`
registers `/start TOKEN`; `identity` resolves a platform account to a member; `settings`
(`/settings`), `languages` (`/language`) and `profile` (`/me`) register member commands;
`data` is the officer's listing, export and erasure; `joining` reports who has joined.
Uses: `storage.members`, `storage.invites`, `storage.privacy`, `handlers.tiers` for `/me`.
"""
