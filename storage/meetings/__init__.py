"""General meetings in SQL: `schema` (the meetings' migration set), `queries` (a
meeting, and its roll of eligible members fixed on the notice date) and `nominations`
(the nomination period for a meeting's seats, each nomination and its seconder).
"""
