"""Member votes in SQL: `schema` (tables built for a secret ballot, as their own migration
set) and `queries` (definitions, state, the ballot, drafts and the roll).
"""
