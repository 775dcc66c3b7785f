"""The digests in SQL: `schema` (their one table) and `queries` (what was sent, and the
reads digests need over other features' tables).
"""
