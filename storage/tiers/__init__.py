"""The ladder of involvement in SQL: `schema` (its migration set), `queries` (roles, groups,
interest, nudges, snapshots) and `activity` (what members have done, read from the other
features' tables: the facts tiers rest on).
"""
