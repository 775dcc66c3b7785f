"""General meetings in SQL: `schema` (the meetings' migration set), `queries` (a
meeting, its roll of eligible members fixed on the notice date, and its members'
replies to the notice and check-ins), `nominations` (the nomination period for a
meeting's seats, each nomination and its seconder) and `paper` (tellers' entries of
paper ballots waiting to agree, spoilt and refused ballots as counts).
"""
