"""The registry's pages, one module per audience: `registrations` (the list and staff dashboard, the one
form for every category, the detail page and its actions), `centre` (what a centre's staff set up: the
head of the desk and the deputy, document templates, checklist versions, their own leave) and `offered`
(what the platform offers: the templates to download, and the public must-enter lists, 12.1.5)."""
