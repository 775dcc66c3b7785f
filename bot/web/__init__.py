"""The officer's web console: server-rendered pages over the same handlers as the CLI."""
