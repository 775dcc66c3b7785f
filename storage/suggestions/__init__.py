"""Suggestions in SQL: `schema` (their migration set) and `queries` (drafts, the council's
record, the relay link and the digest's queries).
"""
