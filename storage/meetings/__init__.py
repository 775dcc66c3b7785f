"""General meetings in SQL: `schema` (the meetings' migration set), `queries` (a
meeting, and its roll of eligible members fixed on the notice date), `nominations`
(the nomination period for a meeting's seats, each nomination and its seconder) and
`paper` (tellers' entries of paper ballots waiting to agree, spoilt and refused ballots
as counts).
"""
