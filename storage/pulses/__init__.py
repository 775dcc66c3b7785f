"""Pulse survey rounds in SQL: `schema` (the tables, as their own migration set) and
`queries` (rounds, who takes part, and answers kept apart from them).
"""
