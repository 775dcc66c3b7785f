"""General meetings in SQL: `schema` (the meetings' migration set) and `queries` (a
meeting, its roll of eligible members fixed on the notice date, and its members'
replies to the notice and check-ins).
"""
