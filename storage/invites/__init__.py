"""Invites in SQL: `schema` (invites' and letters' migration set) and `queries` (one-time
tokens, stored only as hashes).
"""
