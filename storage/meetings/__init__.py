"""General meetings in SQL: `schema` (the meetings' migration set), `queries` (a
meeting, its roll of eligible members fixed on the notice date, and its members'
replies to the notice and check-ins), `nominations` (the nomination period for a
meeting's seats, each nomination and its seconder), `paper` (tellers' entries of
paper ballots waiting to agree, spoilt and refused ballots as counts) and `signoffs`
(the returning officer's sign-off of the declaration, once, with the declaration signed).
"""
