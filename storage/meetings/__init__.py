"""General meetings in SQL: `schema` (the meetings' migration set) and `queries` (a
meeting, and its roll of eligible members fixed on the notice date), `paper` (tellers'
entries of paper ballots waiting to agree, spoilt and refused ballots as counts).
"""
