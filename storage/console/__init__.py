"""The officer's web console in SQL: `schema` (its migration set) and `queries` (sign-in
links and sessions, stored only as hashes).
"""
