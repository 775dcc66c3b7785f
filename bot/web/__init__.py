"""The officer's web console: server-rendered pages over the same handlers as the CLI;
and beside it the member's page (`member_page`, `/m/<token>`), a member's personal link
to one ballot, check-in, suggestion or proxy at a meeting, over the same handlers as chat."""
