"""The notice pages, one module per seam: `notices` (the public list and page of published notices, the
drafters' notices and the centre's drafts), `objections` (objections, challenges and inquiries, and
their answers) and `pauses` (pausing, resuming and terminating a procedure)."""
