"""The service pages, one module per audience: `public` (the service hall, search, the monthly figures),
`asker` (a signed-in user's questions, ratings and complaints) and `desk` (the centre staff's desk)."""
