"""The only place that knows SQL: one SQLite file through sqlite-utils.

Core modules serve every feature (`db`, `schema` and its migrations, `members`,
`outbox`, `conversations`, `jobs`, `audit`, `privacy`, `secrecy`, `close_leases`,
`wal_keeper`, `timestamps`; for the operator: `files` checks the file at start-up,
`lock` keeps one bot per database, `backup` writes and restores copies with VACUUM
INTO, `health` answers `status`; `flow_keys` keeps open flows' secrets in a file beside
the database, not in it, and `sealed` seals waiting secret outbox messages under a
key kept there; `page_links` keeps links to the member's page as hashes); each
feature with tables of its own has a package
(`pulses/`, `votes/`, `suggestions/`, `tiers/`, `digests/`, `console/`, `invites/`)
holding its `schema` migration set beside its `queries`. Imports nothing of ours but
plain data types.
"""
