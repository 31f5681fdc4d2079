"""The service pages, one module per audience: `public` (the service hall, search, the monthly figures),
`asker` (a signed-in user's questions, ratings and complaints), `desk` (the centre staff's desk) and
`centre` (what a centre's staff keep for the public: service guides, commitments, technical staff)."""
