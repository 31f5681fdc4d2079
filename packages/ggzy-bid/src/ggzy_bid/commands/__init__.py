"""The `ggzy-bid` commands, one module a group (the parser and `main` are in ggzy_bid.cli)."""
